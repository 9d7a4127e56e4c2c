using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// Wraps a link and impairs what is sent through it: loss, duplication, a bandwidth limit, latency with
/// jitter, and reordering, drawn from a seeded generator so a run reproduces exactly (the in-memory
/// WAN). Received frames pass through untouched; to impair both directions, wrap both ends. Frames
/// are held in a bounded pool (<see cref="ImpairmentOptions.Limit"/>); a frame that finds it full is
/// refused and counted as <see cref="LinkDrop.QueueFull"/>, a lost one as <see cref="LinkDrop.Lost"/>
/// (and <see cref="Send"/> still answers true: the sender of a lost frame is not told).
/// </summary>
public sealed class ImpairedLink : IFrameLink
{
    private static readonly Action<object?> ReleaseDue = static s => ((ImpairedLink)s!).Release();
    private readonly EventLoop _loop;
    private readonly IFrameLink _inner;
    private readonly ImpairmentOptions _options;
    private readonly SeededRandom _random;
    private readonly TokenBucket? _bucket;
    private readonly FramePool _pool;
    private readonly PriorityQueue<int, (long Due, long Sequence)> _inFlight;
    private readonly LoopTimer _timer;
    private long _sequence;
    private long _timerDue = long.MaxValue;
    private bool _releasePosted;

    public ImpairedLink(EventLoop loop, IFrameLink inner, ImpairmentOptions options)
    {
        options.Validate();
        _loop = loop;
        _inner = inner;
        _options = options;
        _random = new SeededRandom(options.Seed);
        int maxFrame = FrameCheck.MaxFrameLength(inner.Mtu);
        if (options.BandwidthBitsPerSecond > 0)
            _bucket = new TokenBucket(options.BandwidthBitsPerSecond, Math.Max(options.BurstBytes, maxFrame), loop.Time.GetUtcNow().UtcTicks);
        _pool = new FramePool(options.Limit, maxFrame);
        _inFlight = new PriorityQueue<int, (long, long)>(options.Limit);
        _timer = loop.CreateTimer(ReleaseDue, this);
        inner.Receiver = OnInnerReceived;
    }

    public string Name => _inner.Name;
    public MacAddress Mac => _inner.Mac;
    public int Mtu => _inner.Mtu;
    public IFrameLink Inner => _inner;
    public ImpairmentOptions Options => _options;

    public bool IsUp
    {
        get => _inner.IsUp;
        set => _inner.IsUp = value;
    }

    public FrameReceiver? Receiver { get; set; }

    /// <summary>What this wrapper accepted, refused and lost; the inner link counts what reached it.</summary>
    public LinkCounters Counters { get; } = new();

    /// <summary>Extra copies sent.</summary>
    public long Duplicated { get; private set; }

    /// <summary>Frames that skipped the delay.</summary>
    public long Reordered { get; private set; }

    /// <summary>Frames held now, waiting for tokens or in flight.</summary>
    public int HeldFrames => _pool.InUse;

    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (!FrameCheck.IsSendable(frame, Mtu, out var reason)) return Refuse(reason);
        if (!IsUp) return Refuse(LinkDrop.Down);
        if (_random.Chance(_options.Loss))
        {
            Counters.CountDrop(LinkDrop.Lost);
            return true;
        }
        bool duplicate = _random.Chance(_options.Duplication);
        if (!Hold(frame)) return Refuse(LinkDrop.QueueFull);
        Counters.CountSent(frame.Length);
        if (duplicate)
        {
            if (Hold(frame)) Duplicated++;
            else Counters.CountDrop(LinkDrop.QueueFull);
        }
        return true;
    }

    private bool Hold(ReadOnlySpan<byte> frame)
    {
        int slot = _pool.Rent(frame);
        if (slot < 0) return false;
        long now = _loop.Time.GetUtcNow().UtcTicks;
        long departure = _bucket?.Departure(now, frame.Length) ?? now;
        long due = departure + Delay();
        _inFlight.Enqueue(slot, (due, _sequence++));
        Arm(due, now);
        return true;
    }

    private long Delay()
    {
        if (_random.Chance(_options.Reordering))
        {
            Reordered++;
            return 0;
        }
        long delay = _options.Latency.Ticks;
        long jitter = _options.Jitter.Ticks;
        if (jitter > 0) delay += (long)((_random.NextDouble() * 2 - 1) * jitter);
        return Math.Max(0, delay);
    }

    /// <summary>Makes sure something wakes up for a frame due at <paramref name="due"/>: a posted release if due now, else the timer.</summary>
    private void Arm(long due, long now)
    {
        if (due <= now)
        {
            if (_releasePosted) return;
            _releasePosted = true;
            _loop.Post(ReleaseDue, this);
            return;
        }
        if (_timer.IsArmed && _timerDue <= due) return;
        _timerDue = due;
        _timer.Schedule(TimeSpan.FromTicks(due - now));
    }

    /// <summary>Hands every frame whose time has come to the inner link, earliest first (ties in send order).</summary>
    private void Release()
    {
        _releasePosted = false;
        long now = _loop.Time.GetUtcNow().UtcTicks;
        while (_inFlight.TryPeek(out int slot, out var key) && key.Due <= now)
        {
            _inFlight.Dequeue();
            _inner.Send(_pool.Frame(slot));
            _pool.Return(slot);
        }
        if (_inFlight.TryPeek(out _, out var next))
        {
            _timerDue = next.Due;
            _timer.Schedule(TimeSpan.FromTicks(next.Due - now));
        }
        else
        {
            _timer.Cancel();
            _timerDue = long.MaxValue;
        }
    }

    private void OnInnerReceived(ReadOnlySpan<byte> frame)
    {
        Counters.CountReceived(frame.Length);
        Receiver?.Invoke(frame);
    }

    private bool Refuse(LinkDrop reason)
    {
        Counters.CountDrop(reason);
        return false;
    }

    public override string ToString() => $"{Name} impaired ({Counters})";
}
