using System.Security.Cryptography;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Testbed.Tcp;
using NetMobility.Wire;

namespace NetMobility.Tests.Testbed.Tcp;

/// <summary>
/// Two hosts joined by one wire in virtual time, each with a <see cref="TcpStack"/>: a (10.0.0.1) and b (10.0.0.2).
/// Each direction may be impaired on its own; a capture, when given, sees a's side: what a sends before the
/// impairment drops it, what reaches a after b's impairment.
/// </summary>
internal sealed class TcpPair
{
    public static readonly Ipv4Address AddressA = Ipv4Address.Parse("10.0.0.1");
    public static readonly Ipv4Address AddressB = Ipv4Address.Parse("10.0.0.2");

    public TcpPair(ImpairmentOptions? aToB = null, ImpairmentOptions? bToA = null, TcpEndpointOptions? options = null,
        CaptureSink? capture = null, int mtu = 1500)
    {
        A = Topology.AddHost("a");
        B = Topology.AddHost("b");
        Wire = new PointToPointWire(Topology.Loop, "a-b", Topology.NextMac(), Topology.NextMac(), mtu, queueCapacity: 4096);
        IFrameLink endA = Wire.A, endB = Wire.B;
        if (aToB is not null) endA = new ImpairedLink(Topology.Loop, endA, aToB);
        if (bToA is not null) endB = new ImpairedLink(Topology.Loop, endB, bToA);
        if (capture is not null) endA = new CaptureLink(Topology.Loop.Time, endA, capture);
        A.AddInterface(endA, AddressA, 24);
        B.AddInterface(endB, AddressB, 24);
        StackA = new TcpStack(A, options, seed: 11);
        StackB = new TcpStack(B, options, seed: 22);
    }

    public Topology Topology { get; } = new();
    public Simulation Sim => Topology.Simulation;
    public Node A { get; }
    public Node B { get; }
    public PointToPointWire Wire { get; }
    public TcpStack StackA { get; }
    public TcpStack StackB { get; }

    /// <summary>Runs virtual time in 1 ms steps until <paramref name="done"/> holds; fails when <paramref name="limit"/> of virtual time passes first.</summary>
    public void RunUntil(Func<bool> done, TimeSpan limit)
    {
        var end = Sim.Now + limit;
        while (!done())
        {
            Assert.True(Sim.Now < end, $"not done after {limit.TotalSeconds} s of virtual time");
            Sim.RunFor(TimeSpan.FromMilliseconds(1));
        }
    }

    /// <summary>B listens on <paramref name="port"/> with a sink; a connects and sends <paramref name="data"/>, then closes.</summary>
    public (TcpConnection Sender, Sink Sink) StartTransfer(byte[] data, ushort port = 5001, TcpEndpointOptions? options = null)
    {
        var sink = new Sink();
        StackB.Listen(port, sink.Attach, options);
        var sender = StackA.Connect(AddressB, port, options);
        var source = new Source(sender, data);
        return (sender, sink);
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}

/// <summary>Writes its data as the send buffer takes it, then closes.</summary>
internal sealed class Source
{
    private readonly byte[] _data;
    private int _written;

    public Source(TcpConnection connection, byte[] data)
    {
        _data = data;
        connection.Connected = Pump;
        connection.Sendable = Pump;
    }

    private void Pump(TcpConnection connection)
    {
        if (_written == _data.Length) return;
        _written += connection.Write(_data.AsSpan(_written));
        if (_written == _data.Length) connection.Close();
    }
}

/// <summary>Reads everything a connection delivers into a SHA-256, and closes when the peer has.</summary>
internal sealed class Sink
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = new byte[64 * 1024];
    private byte[]? _digest;

    public TcpConnection? Connection { get; private set; }
    public long Bytes { get; private set; }
    public bool Finished => _digest is not null;
    public byte[] Digest => _digest ?? throw new InvalidOperationException("the peer has not closed");

    public void Attach(TcpConnection connection)
    {
        Connection = connection;
        connection.Received = Drain;
        Drain(connection);
    }

    private void Drain(TcpConnection connection)
    {
        int n;
        while ((n = connection.Read(_buffer)) > 0)
        {
            _hash.AppendData(_buffer, 0, n);
            Bytes += n;
        }
        if (connection.PeerClosed && _digest is null)
        {
            _digest = _hash.GetHashAndReset();
            connection.Close();
        }
    }
}
