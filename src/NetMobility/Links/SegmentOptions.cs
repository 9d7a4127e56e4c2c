namespace NetMobility.Links;

/// <summary>How an <see cref="EthernetSegment"/> is built.</summary>
public sealed record SegmentOptions
{
    /// <summary>IP MTU of every port.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>Frames each port holds for delivery before it drops (a switch port's output queue).</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>How long a learned address stays without being seen again; IEEE 802.1D's default is 300 s.</summary>
    public TimeSpan AgeingTime { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Most addresses the segment learns at once.</summary>
    public int MacTableCapacity { get; init; } = 4096;
}
