using NetMobility.Lab.Vm;

namespace NetMobility.Lab.Site;

/// <summary>
/// One move of a lab guest: QEMU's result, when the migration began, when the destination resumed the guest (QMP RESUME),
/// when its agent had attached it, when the home agent's binding was seen in force, and the octets that crossed the hosts'
/// migration link meanwhile (both ways, frames as the kernel counts them at the source's end).
/// </summary>
public sealed record LabHandover(LabSiteName From, LabSiteName To, QemuMigrationResult Migration, DateTimeOffset Started,
    DateTimeOffset Resumed, DateTimeOffset Attached, DateTimeOffset BindingInstalled, long LinkOctets);
