namespace NetMobility.Links;

/// <summary>Why a link refused or discarded a frame.</summary>
public enum LinkDrop
{
    /// <summary>The link was down when the frame was sent or was due to be delivered.</summary>
    Down,
    /// <summary>The frame is longer than the MTU plus its Ethernet header.</summary>
    TooBig,
    /// <summary>The frame is shorter than an Ethernet header.</summary>
    Malformed,
    /// <summary>A bounded queue on the way was full.</summary>
    QueueFull,
    /// <summary>An impairment lost the frame on purpose (simulated loss).</summary>
    Lost,
    /// <summary>A real device refused the frame (a write error other than the interface being down).</summary>
    DeviceError,
}

/// <summary>
/// Frame and byte counts of one link, and its drops by reason. Updated with interlocked operations so a
/// device that receives on its own thread can count there; read at any time.
/// </summary>
public sealed class LinkCounters
{
    private long _framesSent, _bytesSent, _framesReceived, _bytesReceived;
    private readonly long[] _drops = new long[Enum.GetValues<LinkDrop>().Length];

    public long FramesSent => Volatile.Read(ref _framesSent);
    public long BytesSent => Volatile.Read(ref _bytesSent);
    public long FramesReceived => Volatile.Read(ref _framesReceived);
    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    public long Drops(LinkDrop reason) => Volatile.Read(ref _drops[(int)reason]);

    public long TotalDrops
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _drops.Length; i++) total += Volatile.Read(ref _drops[i]);
            return total;
        }
    }

    internal void CountSent(int bytes)
    {
        Interlocked.Increment(ref _framesSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void CountReceived(int bytes)
    {
        Interlocked.Increment(ref _framesReceived);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    internal void CountDrop(LinkDrop reason) => Interlocked.Increment(ref _drops[(int)reason]);

    internal void CountDrops(LinkDrop reason, long count) => Interlocked.Add(ref _drops[(int)reason], count);

    public override string ToString() =>
        $"sent {FramesSent} ({BytesSent} B), received {FramesReceived} ({BytesReceived} B), dropped {TotalDrops}";
}
