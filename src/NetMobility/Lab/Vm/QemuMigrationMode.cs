namespace NetMobility.Lab.Vm;

/// <summary>How a guest moves from one QEMU process to another.</summary>
public enum QemuMigrationMode
{
    /// <summary>QEMU's own pre-copy migration: RAM and device state in QEMU's stream (the anchor).</summary>
    Qemu,

    /// <summary>
    /// RAM on a shared file on both sides and QEMU's <c>x-ignore-shared</c>: the source is stopped, its RAM file copied
    /// into the destination's (a plain copy, in place), QEMU moves the device state only, the destination is resumed.
    /// </summary>
    SharedFileCopy,
}
