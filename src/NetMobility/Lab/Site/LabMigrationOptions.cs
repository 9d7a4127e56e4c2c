using NetMobility.Lab.Vm;

namespace NetMobility.Lab.Site;

/// <summary>How <c>netmob lab migrate</c> runs.</summary>
public sealed record LabMigrationOptions
{
    public required string ImageDirectory { get; init; }
    /// <summary>
    /// The modes, taking turns on the same guest in the same lab: each mode moves the guest there and back before the next
    /// one does (the guest's RAM is on shared files throughout when any mode needs it).
    /// </summary>
    public IReadOnlyList<QemuMigrationMode> Modes { get; init; } = [QemuMigrationMode.Qemu];

    /// <summary>Migrations in all, alternately home -> foreign and back.</summary>
    public int Count { get; init; } = 4;

    /// <summary>
    /// The page engine's two ends in this process rather than as <c>netmob migrate send/receive --qemu</c> processes in the
    /// two hosts' namespaces (the default, as between two machines): to see what the processes cost.
    /// </summary>
    public bool EngineInProcess { get; init; }

    /// <summary>The mode of migration <paramref name="index"/> (from 1): the modes in turn, two migrations (there and back) each.</summary>
    public QemuMigrationMode ModeOf(int index) => Modes[(index - 1) / 2 % Modes.Count];

    /// <summary>The modes' names joined with '+' (qemu+engine).</summary>
    public string ModeNames => string.Join('+', Modes.Select(m => m.Name()));
    public LabWorkload Workload { get; init; } = LabWorkload.Idle;
    public double WanDelayMs { get; init; }
    public double WanLossPercent { get; init; }

    /// <summary>
    /// The hosts' migration link (the veth between the two host namespaces that every mode's stream crosses) shaped to this
    /// rate in Mbit/s in each direction (the kernel's tbf; this kernel has no netem, so no delay there); null: unshaped. The
    /// page engine's encoder is told the rate; QEMU measures it as it goes (its own cap is max-bandwidth, 128 MiB/s).
    /// </summary>
    public double? MigrationMbit { get; init; }

    /// <summary>
    /// The control after the migrations: this many times, the guest is paused where it runs and resumed in the same QEMU
    /// process, for as long as the migrations' median pause (nothing moves); its stall and first echo are what a pause
    /// alone costs the traffic, so that a migration's can be told apart from it. 0: none.
    /// </summary>
    public int InPlacePauses { get; init; } = 2;

    /// <summary>QEMU's own features its migration uses in the qemu mode (multifd with compression, XBZRLE); none, QEMU's default, when not given.</summary>
    public QemuStreamFeatures QemuFeatures { get; init; } = QemuStreamFeatures.None;

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
