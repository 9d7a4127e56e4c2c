using NetMobility.Migration.Transports;
using NetMobility.Migration.Bench;
using NetMobility.Migration;
using NetMobility.Mobility;
using NetMobility.Tunnels;

namespace NetMobility.Scenario;

/// <summary>How the page encoder of a scenario's migration may compress.</summary>
public enum PageCompression
{
    /// <summary>What the policy's system ships: raw for Xen, zero detection for QEMU, the adaptive encoder for adaptive.</summary>
    Auto,
    /// <summary>Zero pages flagged, every other page raw.</summary>
    Off,
    /// <summary>Zero, unchanged and delta pages, LZ4 for the rest where it pays.</summary>
    Lz4,
    /// <summary>Zero, unchanged and delta pages, zstd for the rest where it pays.</summary>
    Zstd,
    /// <summary>Zero, unchanged and delta pages, Deflate for the rest where it pays.</summary>
    Deflate,
}

/// <summary>
/// One live migration scenario: the VM (memory, workload), how its memory moves (policy, compression, channels),
/// the WAN between the sites, the tunnel, the traffic with the correspondent, and what to record. The defaults
/// need no set-up: a 128 MiB web server migrated with the adaptive policy over a 100 Mbit/s, 20 ms WAN, GRE. (128 MiB
/// rather than more keeps the default run to a few seconds: the page stream costs the CPU more than the simulated network.)
/// </summary>
public sealed record ScenarioOptions
{
    public long MemoryBytes { get; init; } = 128L << 20;

    /// <summary>A workload of <see cref="MigrationBench.WorkloadNames"/>: idle, web, uniform, scan.</summary>
    public string Workload { get; init; } = "web";

    /// <summary>A stop policy of <see cref="MigrationBench.PolicyNames"/>.</summary>
    public string Policy { get; init; } = "adaptive";

    public PageCompression Compression { get; init; } = PageCompression.Auto;

    /// <summary>Parallel connections of the page stream.</summary>
    public int Channels { get; init; } = 2;

    /// <summary>The WAN's bandwidth, each way: the page stream's link and each WAN leg of the network.</summary>
    public double WanBitsPerSecond { get; init; } = 100e6;

    /// <summary>
    /// One-way latency between the home and the foreign site: the page stream's. The network reaches the foreign
    /// site from home through the correspondent's router, so each of those two WAN legs carries half of it.
    /// </summary>
    public TimeSpan WanLatency { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Probability that a frame is lost on each WAN leg.</summary>
    public double WanLoss { get; init; }

    /// <summary>Probability that a frame overtakes those in flight on each WAN leg.</summary>
    public double WanReordering { get; init; }

    /// <summary>How the home agent tunnels to the care-of address (the registration asks for it).</summary>
    public TunnelKind Encapsulation { get; init; } = TunnelKind.Gre;

    /// <summary>
    /// The registration asks for reverse tunnelling (RFC 3024), and the correspondent's router filters ingress (RFC 3704).
    /// False: the VM's packets from the foreign site go straight to the correspondent (triangle routing), which works only
    /// where no router filters ingress, so the correspondent's router does not.
    /// </summary>
    public bool ReverseTunnel { get; init; } = true;

    /// <summary>The rate the correspondent's bulk stream to the VM is written at by its application, bit/s.</summary>
    public double BulkBitsPerSecond { get; init; } = 10e6;

    /// <summary>Octets of each request of the request/response session.</summary>
    public int RequestBytes { get; init; } = 100;

    /// <summary>Octets of each response the VM sends.</summary>
    public int ResponseBytes { get; init; } = 16 * 1024;

    /// <summary>How long the correspondent waits after a response before it asks again.</summary>
    public TimeSpan ThinkTime { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the correspondent pings the VM.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How long after the VM resumes a request or ping still counts as "during the move" in the report (queues
    /// drain, held packets arrive); before the pause is "before", later is "after".
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the flows run before the migration starts.</summary>
    public TimeSpan Lead { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the flows keep running after the VM resumes (at its destination, or at home after a failure).</summary>
    public TimeSpan After { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the run goes on after the flows stop, for what is in flight to arrive.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Corrupt one page at the destination before it checks the digest, so the migration fails and rolls back.</summary>
    public bool FailVerification { get; init; }

    /// <summary>
    /// After the move, and <see cref="After"/> of traffic at the destination, migrate the VM back to its home host (home
    /// -> foreign -> home in one run): moving home deregisters its binding, and the sessions carry on.
    /// </summary>
    public bool Back { get; init; }

    /// <summary>A directory for pcapng captures of the home link, the WAN and the foreign link; null for none.</summary>
    public string? CaptureDirectory { get; init; }

    /// <summary>Seed of the image contents, the workload and the WAN's random draws.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>Null when the options describe a scenario that can run, else what is wrong, naming the setting.</summary>
    public string? Validate()
    {
        if (MemoryBytes < MemoryImage.PageSize || MemoryBytes % MemoryImage.PageSize != 0 || MemoryBytes > MemoryImage.MaxMemoryBytes)
            return $"memory: {MemoryBytes} bytes is not a whole number of {MemoryImage.PageSize}-byte pages up to {MemoryImage.MaxMemoryBytes}";
        if (!MigrationBench.WorkloadNames.Contains(Workload))
            return $"workload: unknown workload '{Workload}' (expected {string.Join(", ", MigrationBench.WorkloadNames)})";
        if (!MigrationBench.PolicyNames.Contains(Policy))
            return $"policy: unknown policy '{Policy}' (expected {string.Join(", ", MigrationBench.PolicyNames)})";
        if (!Enum.IsDefined(Compression)) return $"compression: {Compression} is not a compression setting";
        if (Channels is < 1 or > 16) return $"channels: {Channels} is not from 1 to 16";
        if (PathModel.CheckBandwidth(WanBitsPerSecond, MemoryBytes) is string bandwidth) return $"WAN bandwidth: {bandwidth}";
        if (WanLatency < TimeSpan.Zero || WanLatency > TimeSpan.FromSeconds(10)) return $"WAN latency: {WanLatency.TotalMilliseconds} ms is not from 0 to 10000 ms";
        if (!(WanLoss >= 0 && WanLoss < 1)) return $"WAN loss: {WanLoss} is not a probability from 0 up to 1 (1 excluded)";
        if (!(WanReordering >= 0 && WanReordering <= 1)) return $"WAN reordering: {WanReordering} is not a probability from 0 to 1";
        if (!MobileIpEncapsulation.Negotiable.Contains(Encapsulation)) return $"encapsulation: {Encapsulation} cannot be negotiated in Mobile IPv4 ({MobileIpEncapsulation.Names})";
        if (!(BulkBitsPerSecond >= MinBulkBitsPerSecond && BulkBitsPerSecond <= WanBitsPerSecond))
            return $"bulk rate: {PathModel.DescribeBandwidth(BulkBitsPerSecond)} is not from {PathModel.DescribeBandwidth(MinBulkBitsPerSecond)} to the WAN's {PathModel.DescribeBandwidth(WanBitsPerSecond)}";
        if (RequestBytes is < 1 or > MaxMessageBytes) return $"request: {RequestBytes} octets is not from 1 to {MaxMessageBytes}";
        if (ResponseBytes is < 1 or > MaxMessageBytes) return $"response: {ResponseBytes} octets is not from 1 to {MaxMessageBytes}";
        if (ThinkTime < TimeSpan.Zero || ThinkTime > TimeSpan.FromSeconds(60)) return $"think time: {ThinkTime.TotalMilliseconds} ms is not from 0 to 60000 ms";
        if (PingInterval < TimeSpan.FromMilliseconds(1) || PingInterval > TimeSpan.FromSeconds(10)) return $"ping interval: {PingInterval.TotalMilliseconds} ms is not from 1 to 10000 ms";
        if (Settle < TimeSpan.Zero) return "settle time must not be negative";
        if (Lead < TimeSpan.Zero || After < TimeSpan.Zero || Drain < TimeSpan.Zero) return "lead, after and drain times must not be negative";
        return null;
    }

    /// <summary>The slowest bulk stream: a kilobit per second.</summary>
    public const double MinBulkBitsPerSecond = 1e3;

    /// <summary>The largest request or response: 64 MiB, so a run's memory stays small.</summary>
    public const int MaxMessageBytes = 64 << 20;
}
