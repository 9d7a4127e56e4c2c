using NetMobility.Runtime;

namespace NetMobility.Migration.Simulation;

/// <summary>One simulated migration: memory, link, encoder, channels.</summary>
public sealed record SimulationSettings
{
    public required long MemoryBytes { get; init; }
    public required double BitsPerSecond { get; init; }
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(1);
    public required EncoderProfile Encoder { get; init; }
    /// <summary>Parallel channels; the encoders' CPU time is spread over as many cores.</summary>
    public int Channels { get; init; } = 2;
    public int PagesPerBatch { get; init; } = PageStream.PageBatchBuilder.DefaultMaxPages;
    /// <summary>Pages the delta cache holds (the encoder's default, 64 MiB).</summary>
    public int DeltaCachePages { get; init; } = 16384;
    public int DeviceStateBytes { get; init; } = 256;
    public int Seed { get; init; } = 1;
}
