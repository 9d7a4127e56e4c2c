using NetMobility.Migration.Reports;

namespace NetMobility.Lab.Vm;

/// <summary>
/// A migration that failed before the destination was told to run the guest: the guest runs on at the source, and the
/// destination QEMU has been quit. <see cref="Report"/> is the engine's report when the engine got as far as making one.
/// </summary>
public sealed class QemuMigrationRolledBackException(string message, MigrationReport? report) : LabException(message)
{
    public MigrationReport? Report { get; } = report;
}
