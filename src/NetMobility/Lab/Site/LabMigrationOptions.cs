using NetMobility.Lab.Vm;

namespace NetMobility.Lab.Site;

/// <summary>How <c>netmob lab migrate</c> runs.</summary>
public sealed record LabMigrationOptions
{
    public required string ImageDirectory { get; init; }
    public QemuMigrationMode Mode { get; init; } = QemuMigrationMode.Qemu;
    public int Count { get; init; } = 4;
    public LabWorkload Workload { get; init; } = LabWorkload.Idle;
    public double WanDelayMs { get; init; }
    public double WanLossPercent { get; init; }

    /// <summary>The guest's RAM; small keeps TCG guests quick on a small machine.</summary>
    public int MemoryMb { get; init; } = 128;

    /// <summary>MiB the memory writer rewrites each second (workload memory).</summary>
    public int WriteMbPerSecond { get; init; } = 8;

    public string Name { get; init; } = "nmmig";
    public string StateRoot { get; init; } = LabSpec.DefaultStateRoot;

    /// <summary>The quiet time before the first and after each migration, whose samples are "before" and "after".</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A bound on each step (boot, a migration): a hang, not a synchronisation.</summary>
    public TimeSpan Bound { get; init; } = TimeSpan.FromMinutes(3);
}
