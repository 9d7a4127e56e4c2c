namespace NetMobility.Host;

/// <summary>An in-memory Ethernet segment inside the daemon: the node's interface is one port, each hosted VM another.</summary>
public sealed record SegmentLinkSpec(string Segment) : LinkSpec
{
    public override string Describe() => $"segment {Segment}";
}
