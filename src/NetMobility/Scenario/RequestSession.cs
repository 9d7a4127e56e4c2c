using NetMobility.Runtime;
using NetMobility.Testbed.Tcp;
using NetMobility.Wire;

namespace NetMobility.Scenario;

/// <summary>One request of a <see cref="RequestSession"/>: when the client sent it and how long the whole response took.</summary>
public readonly record struct LatencySample(DateTimeOffset Start, TimeSpan Latency);

/// <summary>
/// An HTTP-like session over one TCP connection: the client sends a request of <c>requestBytes</c>, the server answers
/// with <c>responseBytes</c>, the client reads the whole response (its latency: request written to last byte read),
/// thinks, and asks again. Both directions carry the pattern and are checked. On <see cref="Stop"/> the client asks
/// nothing more and closes once the response in progress has arrived.
/// </summary>
public sealed class RequestSession : IDisposable
{
    private readonly TcpStack _client;
    private readonly Ipv4Address _server;
    private readonly ushort _port;
    private readonly ushort _clientPort;
    private readonly int _requestBytes;
    private readonly int _responseBytes;
    private readonly TimeSpan _think;
    private readonly LoopTimer _timer;
    private readonly byte[] _clientBuffer = new byte[64 * 1024];
    private readonly byte[] _serverBuffer = new byte[64 * 1024];
    private readonly List<LatencySample> _latencies = [];
    private DateTimeOffset? _asked;
    private int _requestLeft, _responseLeft;
    private long _serverRequestBytes, _serverOwed;
    private bool _stopping;

    public RequestSession(TcpStack client, TcpStack server, Ipv4Address serverAddress, ushort port, ushort clientPort,
        int requestBytes, int responseBytes, TimeSpan think)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requestBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(responseBytes, 1);
        _client = client;
        _server = serverAddress;
        _port = port;
        _clientPort = clientPort;
        _requestBytes = requestBytes;
        _responseBytes = responseBytes;
        _think = think;
        _timer = client.Node.Loop.CreateTimer(static s => ((RequestSession)s!).Ask(), this);
        server.Listen(port, OnAccepted);
    }

    public TcpConnection? Client { get; private set; }
    public TcpConnection? Server { get; private set; }

    public PatternStream RequestsSent { get; } = new(2);
    public PatternStream RequestsReceived { get; } = new(2);
    public PatternStream ResponsesSent { get; } = new(3);
    public PatternStream ResponsesReceived { get; } = new(3);

    /// <summary>Every completed request, in order.</summary>
    public IReadOnlyList<LatencySample> Latencies => _latencies;

    /// <summary>True while a request is out and its response not all in.</summary>
    public bool Waiting => _asked is not null;

    public void Start()
    {
        Client = _client.Connect(_server, _port, localPort: _clientPort);
        Client.Connected = _ => Ask();
        Client.Received = OnClientReceived;
        Client.Sendable = _ => WriteRequest();
    }

    public void Stop()
    {
        _stopping = true;
        _timer.Cancel();
        if (_asked is null) Client?.Close();
    }

    public void Dispose() => _timer.Dispose();

    private void Ask()
    {
        if (_stopping || Client is not { State: TcpState.Established } || _asked is not null) return;
        _asked = _client.Time.GetUtcNow();
        _requestLeft = _requestBytes;
        _responseLeft = _responseBytes;
        WriteRequest();
    }

    private void WriteRequest()
    {
        if (_requestLeft == 0 || Client is not { } c) return;
        var chunk = _clientBuffer.AsSpan(0, Math.Min(_requestLeft, Math.Min(c.Writable, _clientBuffer.Length)));
        if (chunk.IsEmpty) return;
        RequestsSent.Peek(chunk);
        int taken = c.Write(chunk);
        RequestsSent.Advance(chunk[..taken]);
        _requestLeft -= taken;
    }

    private void OnClientReceived(TcpConnection connection)
    {
        int read;
        while ((read = connection.Read(_clientBuffer)) > 0)
        {
            ResponsesReceived.Check(_clientBuffer.AsSpan(0, read));
            _responseLeft -= read;
            if (_responseLeft > 0 || _asked is not DateTimeOffset asked) continue;
            var now = _client.Time.GetUtcNow();
            _latencies.Add(new LatencySample(asked, now - asked));
            _asked = null;
            if (_stopping) connection.Close();
            else _timer.Schedule(_think);
        }
    }

    private void OnAccepted(TcpConnection connection)
    {
        Server = connection;
        connection.Received = OnServerReceived;
        connection.Sendable = _ => WriteResponses();
    }

    private void OnServerReceived(TcpConnection connection)
    {
        int read;
        while ((read = connection.Read(_serverBuffer)) > 0)
        {
            RequestsReceived.Check(_serverBuffer.AsSpan(0, read));
            _serverRequestBytes += read;
            while (_serverRequestBytes >= _requestBytes)
            {
                _serverRequestBytes -= _requestBytes;
                _serverOwed += _responseBytes;
            }
        }
        WriteResponses();
        if (connection.PeerClosed && connection.State == TcpState.CloseWait && _serverOwed == 0) connection.Close();
    }

    private void WriteResponses()
    {
        if (Server is not { } s) return;
        while (_serverOwed > 0)
        {
            var chunk = _serverBuffer.AsSpan(0, (int)Math.Min(_serverOwed, Math.Min(s.Writable, _serverBuffer.Length)));
            if (chunk.IsEmpty) return;
            ResponsesSent.Peek(chunk);
            int taken = s.Write(chunk);
            ResponsesSent.Advance(chunk[..taken]);
            _serverOwed -= taken;
            if (taken < chunk.Length) return;
        }
        if (s.PeerClosed && s.State == TcpState.CloseWait) s.Close();
    }
}
