namespace NetMobility.Migration.Bench;

/// <summary>One simulated migration: memory, link, encoder, channels.</summary>
public sealed record SimulationSettings
{
    public required long MemoryBytes { get; init; }
    public required double BitsPerSecond { get; init; }
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(1);
    public required EncoderProfile Encoder { get; init; }
    /// <summary>Parallel channels; the encoders' CPU time is spread over as many cores.</summary>
    public int Channels { get; init; } = 2;
    public int PagesPerBatch { get; init; } = Encoding.BatchLimits.DefaultMaxPages;
    /// <summary>How the channels group a round's pages into batches: the engine's plan for these channels and batch size.</summary>
    public Encoding.BatchPlan Batches => new() { Channels = Channels, Limits = Encoding.BatchLimits.Default with { MaxPages = PagesPerBatch } };
    /// <summary>Pages the delta cache holds (the encoder's default and QEMU's xbzrle-cache-size default, 64 MiB).</summary>
    public int DeltaCachePages { get; init; } = 16384;
    public int DeviceStateBytes { get; init; } = 256;
    public int Seed { get; init; } = 1;
    /// <summary>
    /// The switchover's fixed costs that every policy pays (pause, device state, destination verify and resume,
    /// the records' handling), as measured on the real engine in real time; added to every downtime.
    /// </summary>
    public TimeSpan FixedSwitchover { get; init; }
    /// <summary>A sender's rate limit in octets per second (QEMU's max-bandwidth); 0 = the link's rate.</summary>
    public double BandwidthCap { get; init; }
    /// <summary>A migration that has put this many times its memory on the wire without completing is reported as not converging.</summary>
    public double GiveUpFactor { get; init; } = 12;
}
