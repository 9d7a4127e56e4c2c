using NetMobility.Migration.Relay;
using NetMobility.Migration.Reports;

namespace NetMobility.Lab.Vm;

/// <summary>
/// One migration between two QEMU processes: what QEMU reported (<see cref="Qemu"/>), the guest's pause as the two
/// QEMUs' STOP and RESUME event timestamps bound it, the wall time from the first command to the guest running at the
/// destination, and the RAM moved outside QEMU's stream: the file copy's time and bytes for
/// <see cref="QemuMigrationMode.SharedFileCopy"/>, the page engine's total time and wire bytes (and its whole report,
/// <see cref="Engine"/>) for <see cref="QemuMigrationMode.PageEngine"/>; nothing for <see cref="QemuMigrationMode.Qemu"/>.
/// In <see cref="QemuMigrationMode.QemuRelay"/> <see cref="Relay"/> is what the relay's sender carried.
/// </summary>
public sealed record QemuMigrationResult(
    QemuMigrationMode Mode, MigrationStats Qemu, TimeSpan Paused, TimeSpan Total, TimeSpan Copy, long CopiedBytes, MigrationReport? Engine = null,
    RelaySent? Relay = null)
{
    /// <summary>
    /// Everything that crossed between the hosts: QEMU's stream plus the RAM copy, the relay's wire (QEMU's stream in its
    /// records), or the page engine's wire (QEMU's device stream in its device-state records).
    /// </summary>
    /// <summary>
    /// Before the migration itself, not counted in <see cref="Total"/>: the page engine's processes starting, each warming up
    /// and connecting (<see cref="QemuMigrationMode.PageEngine"/> in two processes; zero otherwise), as a destination QEMU's
    /// start is not counted either.
    /// </summary>
    public TimeSpan Setup { get; init; }

    public long Bytes => Relay is { } relay ? relay.WireBytes : Engine is { } engine ? engine.WireBytes : Qemu.TransferredBytes + CopiedBytes;
}
