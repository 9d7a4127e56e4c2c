using System.IO.Pipelines;
using System.Threading.Channels;
using NetMobility.Runtime;

namespace NetMobility.Migration.Transports;

/// <summary>
/// An in-memory network between a source and a destination with a <see cref="LinkModel"/>: every channel
/// the source opens is a pair of pipes whose flushes are paced by the link's shared bandwidth and delayed
/// by its latency, in real or virtual time. <see cref="DropNextConnectionAfter"/> cuts a connection after
/// a given number of forward octets, to test resuming.
/// </summary>
public sealed class InMemoryLink : IChannelConnector, IChannelListener
{
    private readonly LinkModel _model;
    private readonly TimeProvider _clock;
    private readonly ManualTimeProvider? _virtualClock;
    private readonly LinkTimeline _forward, _back;
    private readonly Channel<IMigrationChannel> _accepted = Channel.CreateUnbounded<IMigrationChannel>();
    private readonly List<LinkConnection> _connections = [];
    private long _dropAfter = long.MaxValue;
    private int _opened;

    /// <summary>
    /// A link in real time: flushes and reads wait on <paramref name="clock"/>. A model in virtual time needs the
    /// clock the link moves, given as a <see cref="ManualTimeProvider"/> (the other constructor).
    /// </summary>
    public InMemoryLink(LinkModel model, TimeProvider clock) : this(model, clock, null)
    {
        if (model.VirtualTime)
            throw new ArgumentException("a link in virtual time moves its clock forward: give it the ManualTimeProvider it moves", nameof(clock));
    }

    /// <summary>
    /// A link in the time its model says: in virtual time the source's writes and its waits for replies move
    /// <paramref name="clock"/> forward; in real time flushes and reads wait on it.
    /// </summary>
    public InMemoryLink(LinkModel model, ManualTimeProvider clock) : this(model, clock, model.VirtualTime ? clock : null)
    {
    }

    private InMemoryLink(LinkModel model, TimeProvider clock, ManualTimeProvider? virtualClock)
    {
        _model = model;
        _clock = clock;
        _virtualClock = virtualClock;
        _forward = new LinkTimeline(model);
        _back = new LinkTimeline(model);
    }

    /// <summary>Whether this link runs in virtual time (its writes move the clock) rather than waiting on the clock.</summary>
    public bool VirtualTime => _virtualClock is not null;

    public LinkModel Model => _model;

    /// <summary>Connections opened so far (reconnections after a drop included).</summary>
    public int ConnectionsOpened => Volatile.Read(ref _opened);

    /// <summary>The next connection opened fails once the source has flushed more than <paramref name="bytes"/> octets on it.</summary>
    public void DropNextConnectionAfter(long bytes) => Volatile.Write(ref _dropAfter, bytes);

    /// <summary>Cuts every open connection now.</summary>
    public void SeverAll()
    {
        lock (_connections) foreach (var c in _connections) c.Sever();
    }

    public ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken)
    {
        long drop = Interlocked.Exchange(ref _dropAfter, long.MaxValue);
        int n = Interlocked.Increment(ref _opened);
        var connection = new LinkConnection(_model, _clock, _virtualClock, _forward, _back, drop, $"memory#{n}");
        lock (_connections) _connections.Add(connection);
        if (!_accepted.Writer.TryWrite(connection.DestinationEnd)) throw new IOException("the in-memory link is closed");
        return ValueTask.FromResult<IMigrationChannel>(connection.SourceEnd);
    }

    public async ValueTask<IMigrationChannel> AcceptAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new IOException("the in-memory link is closed");
        }
    }

    public ValueTask DisposeAsync()
    {
        _accepted.Writer.TryComplete();
        SeverAll();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One duplex in-memory connection: a forward and a return pipe with their timed ends.</summary>
internal sealed class LinkConnection
{
    // Backpressure: a writer more than 4 MiB ahead of its reader waits (the pipe's pause threshold).
    private static readonly PipeOptions Options = new(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, useSynchronizationContext: false);

    private readonly Pipe _forward = new(Options), _back = new(Options);
    private volatile bool _severed;

    public LinkConnection(LinkModel model, TimeProvider clock, ManualTimeProvider? virtualClock, LinkTimeline forward, LinkTimeline back, long dropAfter, string name)
    {
        var source = new LinkEndpoint(model, clock, virtualClock, isSource: true, this);
        var destination = new LinkEndpoint(model, clock, virtualClock, isSource: false, this);
        var forwardMarks = new ArrivalMarks();
        var backMarks = new ArrivalMarks();
        SourceEnd = new InMemoryChannel(new TimedPipeReader(_back.Reader, backMarks, source),
            new TimedPipeWriter(_forward.Writer, forward, forwardMarks, source, dropAfter), source, name);
        DestinationEnd = new InMemoryChannel(new TimedPipeReader(_forward.Reader, forwardMarks, destination),
            new TimedPipeWriter(_back.Writer, back, backMarks, destination, long.MaxValue), destination, name);
    }

    public InMemoryChannel SourceEnd { get; }
    public InMemoryChannel DestinationEnd { get; }
    public bool IsSevered => _severed;

    public void Sever()
    {
        if (_severed) return;
        _severed = true;
        // Wake whoever waits on either pipe; they see the cut and fail.
        _forward.Reader.CancelPendingRead();
        _back.Reader.CancelPendingRead();
        _forward.Writer.CancelPendingFlush();
        _back.Writer.CancelPendingFlush();
    }

    public void ThrowIfSevered()
    {
        if (_severed) throw new IOException("the link went down");
    }
}

/// <summary>One end of an in-memory connection.</summary>
public sealed class InMemoryChannel : IMigrationChannel
{
    private readonly LinkEndpoint _endpoint;

    internal InMemoryChannel(PipeReader input, PipeWriter output, LinkEndpoint endpoint, string peer)
    {
        Input = input;
        Output = output;
        _endpoint = endpoint;
        Peer = peer;
    }

    public PipeReader Input { get; }
    public PipeWriter Output { get; }
    public string Peer { get; }

    /// <summary>When the octets this end last read arrived.</summary>
    public DateTimeOffset LastArrival => _endpoint.LastArrival;

    public void ReplyAwaited() => _endpoint.ReplyAwaited();

    /// <summary>Cuts this connection (both directions), as a failing network would.</summary>
    public void Sever() => _endpoint.Connection.Sever();

    public ValueTask DisposeAsync()
    {
        Output.Complete();
        Input.Complete();
        return ValueTask.CompletedTask;
    }
}
