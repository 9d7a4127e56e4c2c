using NetMobility.Runtime;
using NetMobility.Testbed.Tcp;
using NetMobility.Wire;

namespace NetMobility.Scenario;

/// <summary>
/// A bulk TCP stream from a client to a server: the client's application writes the pattern at a steady rate (what
/// the connection will not take now waits for room), the server's reads and checks everything as it arrives. On
/// <see cref="Stop"/> the client closes after its last byte and the server closes when it has read to the end.
/// </summary>
public sealed class BulkSession : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);
    private readonly TcpStack _client;
    private readonly Ipv4Address _server;
    private readonly ushort _port;
    private readonly ushort _clientPort;
    private readonly double _bytesPerTick;
    private readonly LoopTimer _timer;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private double _credit;

    public BulkSession(TcpStack client, TcpStack server, Ipv4Address serverAddress, ushort port, ushort clientPort, double bitsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bitsPerSecond, 0);
        _client = client;
        _server = serverAddress;
        _port = port;
        _clientPort = clientPort;
        _bytesPerTick = bitsPerSecond / 8 * Tick.TotalSeconds;
        _timer = client.Node.Loop.CreateTimer(static s => ((BulkSession)s!).OnTick(), this);
        server.Listen(port, OnAccepted);
    }

    public TcpConnection? Client { get; private set; }
    public TcpConnection? Server { get; private set; }

    /// <summary>What the client's application wrote.</summary>
    public PatternStream Sent { get; } = new(1);

    /// <summary>What the server's application read, checked.</summary>
    public PatternStream Received { get; } = new(1);

    public void Start()
    {
        Client = _client.Connect(_server, _port, localPort: _clientPort);
        _timer.Schedule(Tick);
    }

    /// <summary>No more writes: what is written goes out, then the client's FIN.</summary>
    public void Stop()
    {
        _timer.Cancel();
        Client?.Close();
    }

    public void Dispose() => _timer.Dispose();

    private void OnTick()
    {
        _credit = Math.Min(_credit + _bytesPerTick, _buffer.Length);
        Write();
        _timer.Schedule(Tick);
    }

    private void Write()
    {
        if (Client is not { State: TcpState.Established or TcpState.CloseWait } c) return;
        int want = (int)Math.Min(_credit, c.Writable);
        if (want <= 0) return;
        var chunk = _buffer.AsSpan(0, want);
        Sent.Peek(chunk);
        int taken = c.Write(chunk);
        Sent.Advance(chunk[..taken]);
        _credit -= taken;
    }

    private void OnAccepted(TcpConnection connection)
    {
        Server = connection;
        connection.Received = OnServerReceived;
    }

    private void OnServerReceived(TcpConnection connection)
    {
        int read;
        while ((read = connection.Read(_buffer)) > 0) Received.Check(_buffer.AsSpan(0, read));
        if (connection.PeerClosed && connection.State == TcpState.CloseWait) connection.Close();
    }
}
