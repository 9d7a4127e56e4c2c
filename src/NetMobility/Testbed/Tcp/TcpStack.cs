using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Testbed.Tcp;

/// <summary>
/// The TCP of one simulated host: it takes the <see cref="Node"/>'s TCP protocol handler, hands each segment
/// to its connection or to a listener, answers segments for no connection with a reset (RFC 9293 sec 3.10.7.1),
/// and sends the connections' segments as real TCP through the node. The MSS a connection announces comes
/// from its path: the MTU of the interface the route to the peer leaves by (a tunnel's, when that is the route), less 40.
/// Runs on the node's loop; segments are built in one buffer of the stack, so sending allocates nothing.
/// </summary>
public sealed class TcpStack
{
    private const int FirstEphemeralPort = 49152; // RFC 6335 sec 6
    private readonly Dictionary<ConnectionKey, TcpConnection> _connections = [];
    private readonly Dictionary<ushort, (Action<TcpConnection> Accepted, TcpEndpointOptions Options)> _listeners = [];
    private readonly Dictionary<ConnectionKey, Action<TcpConnection>> _pendingAccepts = [];
    private readonly byte[] _segment = new byte[ushort.MaxValue];
    private readonly SeededRandom _random;
    private int _nextPort = FirstEphemeralPort;

    /// <param name="clock">
    /// The host's own clock for its timers and timestamps: a <see cref="GuestClock"/> for a VM, whose TCP stands still
    /// while the VM is paused; null takes the node loop's.
    /// </param>
    public TcpStack(Node node, TcpEndpointOptions? options = null, ulong seed = 1, TimeProvider? clock = null)
    {
        options ??= new TcpEndpointOptions();
        options.Validate();
        Node = node;
        Options = options;
        Time = clock ?? node.Loop.Time;
        _random = new SeededRandom(seed);
        node.SetProtocolHandler(IpProtocol.Tcp, OnTcp);
    }

    public Node Node { get; }
    public TcpEndpointOptions Options { get; }

    /// <summary>The clock the connections time segments and run their timers on.</summary>
    public TimeProvider Time { get; }

    /// <summary>Connections not yet CLOSED (TIME-WAIT included).</summary>
    public IReadOnlyCollection<TcpConnection> Connections => _connections.Values;

    /// <summary>Resets sent for segments no connection or listener took.</summary>
    public long ResetsSent { get; private set; }

    /// <summary>Segments dropped as malformed or with a bad checksum.</summary>
    public long SegmentsRefused { get; private set; }

    /// <summary>Accepts connections on <paramref name="port"/>; <paramref name="accepted"/> gets each one when it reaches ESTABLISHED.</summary>
    public void Listen(ushort port, Action<TcpConnection> accepted, TcpEndpointOptions? options = null)
    {
        options?.Validate();
        _listeners[port] = (accepted, options ?? Options);
    }

    public void StopListening(ushort port) => _listeners.Remove(port);

    /// <summary>Opens a connection to <paramref name="remote"/>:<paramref name="port"/> (active open); the SYN leaves at once.</summary>
    public TcpConnection Connect(Ipv4Address remote, ushort port, TcpEndpointOptions? options = null, ushort localPort = 0)
    {
        options?.Validate();
        options ??= Options;
        if (!Node.TryGetSourceAddress(remote, out var local))
            throw new InvalidOperationException($"{Node.Name}: no route to {remote}");
        if (localPort == 0) localPort = NextPort(local, remote, port);
        var key = new ConnectionKey(local, localPort, remote, port);
        if (_connections.ContainsKey(key)) throw new InvalidOperationException($"{Node.Name}: {local}:{localPort} -> {remote}:{port} is in use");
        var connection = new TcpConnection(this, key, options, NextIss(), PathMss(remote, options));
        _connections.Add(key, connection);
        connection.OpenActive();
        return connection;
    }

    /// <summary>The MSS for a connection to <paramref name="remote"/>: the egress MTU less the IPv4 and TCP headers, capped by the options.</summary>
    public int PathMss(Ipv4Address remote, TcpEndpointOptions? options = null)
    {
        int mtu = Node.Routes.Lookup(remote)?.Interface.Mtu ?? 576; // RFC 1122 sec 3.3.3: the size every host takes
        int mss = mtu - Ipv4Header.MinLength - TcpHeader.MinLength;
        return Math.Min(mss, (options ?? Options).MaxSegmentSize ?? int.MaxValue);
    }

    private ushort NextPort(Ipv4Address local, Ipv4Address remote, ushort port)
    {
        for (int tries = 0; tries < ushort.MaxValue - FirstEphemeralPort; tries++)
        {
            ushort candidate = (ushort)_nextPort;
            _nextPort = _nextPort == ushort.MaxValue ? FirstEphemeralPort : _nextPort + 1;
            if (!_connections.ContainsKey(new ConnectionKey(local, candidate, remote, port))) return candidate;
        }
        throw new InvalidOperationException($"{Node.Name}: no free local port towards {remote}:{port}");
    }

    /// <summary>Initial sequence numbers drawn from the stack's seed: a run repeats exactly, connections do not overlap by chance.</summary>
    private uint NextIss() => (uint)_random.NextUInt64();

    private void OnTcp(NetInterface ingress, Ipv4Packet packet)
    {
        if (!TcpHeader.TryParse(packet.Payload, packet.Source, packet.Destination, ChecksumPolicy.Verify, out var header, out int headerLength, out _))
        {
            SegmentsRefused++;
            return;
        }
        var payload = packet.Payload[headerLength..];
        var key = new ConnectionKey(packet.Destination, header.DestinationPort, packet.Source, header.SourcePort);
        if (_connections.TryGetValue(key, out var connection))
        {
            connection.OnSegment(header, payload);
            return;
        }
        var flags = header.Flags;
        if ((flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn && _listeners.TryGetValue(header.DestinationPort, out var listener))
        {
            connection = new TcpConnection(this, key, listener.Options, NextIss(), PathMss(packet.Source, listener.Options));
            _connections.Add(key, connection);
            _pendingAccepts.Add(key, listener.Accepted);
            connection.OpenPassive(header.SequenceNumber, header);
            return;
        }
        // RFC 9293 sec 3.10.7.1: a segment for no connection gets a reset, unless it is one.
        if ((flags & TcpFlags.Rst) != 0) return;
        if ((flags & TcpFlags.Ack) != 0) SendReset(key, header.AcknowledgmentNumber, 0, TcpFlags.Rst);
        else
        {
            uint length = (uint)payload.Length + ((flags & TcpFlags.Syn) != 0 ? 1u : 0u) + ((flags & TcpFlags.Fin) != 0 ? 1u : 0u);
            SendReset(key, 0, header.SequenceNumber + length, TcpFlags.Rst | TcpFlags.Ack);
        }
    }

    internal void SendReset(ConnectionKey key, uint sequence, uint acknowledgment, TcpFlags flags)
    {
        var header = new TcpHeader(key.LocalPort, key.RemotePort, sequence, acknowledgment, flags, 0, 0);
        var segment = SegmentBuffer(header.BufferLength);
        header.Emit(segment, key.LocalAddress, key.RemoteAddress);
        ResetsSent++;
        Transmit(key, segment);
    }

    internal void OnEstablished(TcpConnection connection)
    {
        if (_pendingAccepts.Remove(connection.Key, out var accepted)) accepted(connection);
    }

    internal void Remove(TcpConnection connection)
    {
        if (_connections.TryGetValue(connection.Key, out var held) && held == connection) _connections.Remove(connection.Key);
        _pendingAccepts.Remove(connection.Key);
    }

    internal LoopTimer CreateTimer(Action<object?> callback, object? state) => Node.Loop.CreateTimer(callback, state, Time);

    /// <summary>The stack's segment buffer, <paramref name="length"/> bytes: valid until the next segment is built.</summary>
    internal Span<byte> SegmentBuffer(int length) => _segment.AsSpan(0, length);

    /// <summary>Sends a built segment in an IPv4 datagram with DF set (RFC 1191: TCP does path MTU discovery, it is not fragmented).</summary>
    internal void Transmit(ConnectionKey key, ReadOnlySpan<byte> segment)
    {
        var ip = new Ipv4Header(key.LocalAddress, key.RemoteAddress, IpProtocol.Tcp, segment.Length, Node.Options.DefaultTtl, DontFragment: true);
        Node.SendIp(ip, segment);
    }
}
