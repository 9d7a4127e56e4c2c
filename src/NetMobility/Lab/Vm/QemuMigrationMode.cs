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

    /// <summary>
    /// RAM on a shared file on both sides and QEMU's <c>x-ignore-shared</c>: the project's page engine moves the RAM with
    /// pre-copy while the guest runs (dirty pages found by comparing contents with what was last sent), stops the guest
    /// for the last pages, carries QEMU's device state in its own connection, verifies the image digest, has the
    /// destination QEMU load the device state and resumes the guest there, or at the source on any failure before commit.
    /// </summary>
    PageEngine,

    /// <summary>
    /// QEMU's own pre-copy migration (RAM and device state in its stream), the stream carried between the hosts by the
    /// project's hypervisor stream relay (docs/page-stream.md sec 9) over TCP, optionally TLS, resumed after a cut: QEMU
    /// migrates to a Unix socket the relay's sender reads, and the relay's receiver writes into the Unix socket the
    /// destination QEMU listens on.
    /// </summary>
    QemuRelay,
}

public static class QemuMigrationModes
{
    /// <summary>True for the modes that need the guest's RAM on a shared file on both sides.</summary>
    public static bool NeedsSharedMemory(this QemuMigrationMode mode) => mode is QemuMigrationMode.SharedFileCopy or QemuMigrationMode.PageEngine;

    /// <summary>The mode's name on the command line and in tables: qemu, shared-file, engine, qemu-relay.</summary>
    public static string Name(this QemuMigrationMode mode) => mode switch
    {
        QemuMigrationMode.Qemu => "qemu",
        QemuMigrationMode.SharedFileCopy => "shared-file",
        QemuMigrationMode.PageEngine => "engine",
        QemuMigrationMode.QemuRelay => "qemu-relay",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "no such migration mode"),
    };
}
