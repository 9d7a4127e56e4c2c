using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// Wraps a link and writes every frame it carries, in both directions, to a <see cref="CaptureSink"/>,
/// stamped with the clock's time: a sent frame when the inner link accepts it, a received frame as it
/// is handed up. Frames the inner link refuses never reached the wire and are not written.
/// </summary>
public sealed class CaptureLink : IFrameLink
{
    private readonly TimeProvider _time;
    private readonly IFrameLink _inner;
    private readonly CaptureSink _sink;
    private readonly int _interfaceId;

    public CaptureLink(TimeProvider time, IFrameLink inner, CaptureSink sink)
    {
        _time = time;
        _inner = inner;
        _sink = sink;
        _interfaceId = sink.AddLink(inner.Name);
        inner.Receiver = OnInnerReceived;
    }

    public string Name => _inner.Name;
    public MacAddress Mac => _inner.Mac;
    public int Mtu => _inner.Mtu;
    public IFrameLink Inner => _inner;

    public bool IsUp
    {
        get => _inner.IsUp;
        set => _inner.IsUp = value;
    }

    public FrameReceiver? Receiver { get; set; }

    /// <summary>The inner link's counters: this wrapper only watches.</summary>
    public LinkCounters Counters => _inner.Counters;

    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (!_inner.Send(frame)) return false;
        _sink.Write(_interfaceId, _time.GetUtcNow(), frame);
        return true;
    }

    private void OnInnerReceived(ReadOnlySpan<byte> frame)
    {
        _sink.Write(_interfaceId, _time.GetUtcNow(), frame);
        Receiver?.Invoke(frame);
    }
}
