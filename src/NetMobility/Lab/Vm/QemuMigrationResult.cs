namespace NetMobility.Lab.Vm;

/// <summary>
/// One migration between two QEMU processes: what QEMU reported (<see cref="Qemu"/>), the guest's pause as the two
/// QEMUs' STOP and RESUME event timestamps bound it, the wall time from the first command to the guest running at the
/// destination, and the bytes moved outside QEMU's stream (the RAM file copy; 0 for <see cref="QemuMigrationMode.Qemu"/>).
/// </summary>
public sealed record QemuMigrationResult(
    QemuMigrationMode Mode, MigrationStats Qemu, TimeSpan Paused, TimeSpan Total, TimeSpan Copy, long CopiedBytes)
{
    /// <summary>Everything that crossed: QEMU's stream plus the RAM copy.</summary>
    public long Bytes => Qemu.TransferredBytes + CopiedBytes;
}
