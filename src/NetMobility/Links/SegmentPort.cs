using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>One port of an <see cref="EthernetSegment"/>, seen as the link of the interface plugged into it.</summary>
public sealed class SegmentPort : MemoryLink
{
    internal SegmentPort(EthernetSegment segment, EventLoop loop, int index, string name, MacAddress mac, int mtu, int queueCapacity)
        : base(loop, name, mac, mtu, queueCapacity)
    {
        Segment = segment;
        Index = index;
    }

    public EthernetSegment Segment { get; }
    internal int Index { get; }

    private protected override bool Transmit(ReadOnlySpan<byte> frame) => Segment.Forward(this, frame);

    private protected override void OnStateChanged()
    {
        if (!IsUp) Segment.PortWentDown(this);
    }
}
