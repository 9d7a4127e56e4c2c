namespace NetMobility.Migration.Bench;

/// <summary>The grid of the bench: every policy on every workload, memory size and link speed.</summary>
public sealed record BenchGrid
{
    /// <summary>The first table: every baseline with the encoder its system ships, and the adaptive policy.</summary>
    public IReadOnlyList<string> Policies { get; init; } = MigrationBench.PolicyNames;
    /// <summary>The second table: every stop rule on the adaptive encoder (empty: no second table).</summary>
    public IReadOnlyList<string> SameEncoderPolicies { get; init; } = MigrationBench.StopRuleNames;
    public IReadOnlyList<string> Workloads { get; init; } = MigrationBench.WorkloadNames;
    public IReadOnlyList<long> MemoryBytes { get; init; } = [512L << 20, 1L << 30, 1536L << 20, 2L << 30];
    public IReadOnlyList<double> Links { get; init; } = [100e6, 1e9, 10e9];
    /// <summary>One-way latency: a LAN, as in the Abbi 2015 testbed.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(0.1);
    public int Channels { get; init; } = 2;
    /// <summary>The switchover's fixed costs, paid by every policy (measured on the real engine by the command).</summary>
    public TimeSpan FixedSwitchover { get; init; }
    /// <summary>QEMU's max-bandwidth for the QEMU rows in octets per second; 0 = uncapped (the bench's default).</summary>
    public double QemuBandwidthCap { get; init; }

    /// <summary>The --quick subset: 0.5 GiB at 100 Mbit/s and 1 Gbit/s.</summary>
    public static BenchGrid Quick { get; } = new() { MemoryBytes = [512L << 20], Links = [100e6, 1e9] };
}
