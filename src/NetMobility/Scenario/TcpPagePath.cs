using NetMobility.Migration.Transports;
using NetMobility.Testbed.Tcp;
using NetMobility.Wire;

namespace NetMobility.Scenario;

/// <summary>
/// The page stream's network: each channel the source opens is a testbed TCP connection from the source host to the
/// destination host across the simulated WAN (<see cref="TcpPageChannel"/>), so the memory shares the WAN's bandwidth,
/// latency and loss with the VM's own traffic, on the network's one clock.
/// </summary>
internal sealed class TcpPagePath : IChannelConnector, IChannelListener
{
    private readonly ScenarioTopology _net;
    private readonly TcpStack _source;
    private readonly Ipv4Address _destination;
    private readonly ushort _port;
    private readonly TcpEndpointOptions _options;
    private readonly Queue<IMigrationChannel> _accepted = new();
    private readonly List<TcpPageChannel> _channels = [];
    private TaskCompletionSource<IMigrationChannel>? _waiting;
    private bool _closed;

    public TcpPagePath(ScenarioTopology net, TcpStack source, TcpStack destination, Ipv4Address destinationAddress, ushort port, TcpEndpointOptions options)
    {
        _net = net;
        _source = source;
        _destination = destinationAddress;
        _port = port;
        _options = options;
        destination.Listen(port, OnAccepted, options);
    }

    /// <summary>Every connection opened, at both ends, in the order opened.</summary>
    public IReadOnlyList<TcpPageChannel> Channels => _channels;

    public ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken)
    {
        if (_closed) throw new IOException("the page stream's network is closed");
        var connection = _source.Connect(_destination, _port, _options);
        var channel = new TcpPageChannel(_net.Net.Loop, connection, $"{_destination}:{_port} (channel {index})");
        _channels.Add(channel);
        return ValueTask.FromResult<IMigrationChannel>(channel);
    }

    public ValueTask<IMigrationChannel> AcceptAsync(CancellationToken cancellationToken)
    {
        if (_accepted.TryDequeue(out var ready)) return ValueTask.FromResult(ready);
        if (_closed) throw new IOException("the page stream's network is closed");
        _waiting = new TaskCompletionSource<IMigrationChannel>();
        var waiting = _waiting;
        var registration = cancellationToken.Register(() => waiting.TrySetCanceled(cancellationToken));
        return new ValueTask<IMigrationChannel>(waiting.Task.ContinueWith(t => { registration.Dispose(); return t; },
            TaskContinuationOptions.ExecuteSynchronously).Unwrap());
    }

    public ValueTask DisposeAsync()
    {
        _closed = true;
        _waiting?.TrySetException(new IOException("the page stream's network is closed"));
        return ValueTask.CompletedTask;
    }

    private void OnAccepted(TcpConnection connection)
    {
        var channel = new TcpPageChannel(_net.Net.Loop, connection, $"{connection.RemoteAddress}:{connection.RemotePort}");
        _channels.Add(channel);
        if (_waiting is { } waiting && !waiting.Task.IsCompleted)
        {
            _waiting = null;
            waiting.TrySetResult(channel);
        }
        else _accepted.Enqueue(channel);
    }
}
