using System.Threading.Channels;
using NetMobility.Runtime;

namespace NetMobility.Migration.Transports;

/// <summary>
/// An in-memory network between a source and a destination with a <see cref="PathModel"/>: every channel
/// the source opens is a pair of pipes whose flushes are paced by the path's shared bandwidth and delayed
/// by its latency, in real or virtual time. <see cref="DropNextConnectionAfter"/> cuts a connection after
/// a given number of forward octets, to test resuming.
/// </summary>
public sealed class InMemoryPath : IChannelConnector, IChannelListener
{
    private readonly PathModel _model;
    private readonly TimeProvider _clock;
    private readonly ManualTimeProvider? _virtualClock;
    private readonly PathTimeline _forward, _back;
    private readonly Channel<IMigrationChannel> _accepted = Channel.CreateUnbounded<IMigrationChannel>();
    private readonly List<PathConnection> _connections = [];
    private long _dropAfter = long.MaxValue;
    private int _opened;

    /// <summary>
    /// A path in real time: flushes and reads wait on <paramref name="clock"/>. A model in virtual time needs the
    /// clock the path moves, given as a <see cref="ManualTimeProvider"/> (the other constructor).
    /// </summary>
    public InMemoryPath(PathModel model, TimeProvider clock) : this(model, clock, null)
    {
        if (model.VirtualTime)
            throw new ArgumentException("a link in virtual time moves its clock forward: give it the ManualTimeProvider it moves", nameof(clock));
    }

    /// <summary>
    /// A path in the time its model says: in virtual time the source's writes and its waits for replies move
    /// <paramref name="clock"/> forward; in real time flushes and reads wait on it.
    /// </summary>
    public InMemoryPath(PathModel model, ManualTimeProvider clock) : this(model, clock, model.VirtualTime ? clock : null)
    {
    }

    private InMemoryPath(PathModel model, TimeProvider clock, ManualTimeProvider? virtualClock)
    {
        _model = model;
        _clock = clock;
        _virtualClock = virtualClock;
        _forward = new PathTimeline(model);
        _back = new PathTimeline(model);
    }

    /// <summary>Whether this path runs in virtual time (its writes move the clock) rather than waiting on the clock.</summary>
    public bool VirtualTime => _virtualClock is not null;

    public PathModel Model => _model;

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
        var connection = new PathConnection(_model, _clock, _virtualClock, _forward, _back, drop, $"memory#{n}");
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
