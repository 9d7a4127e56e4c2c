using NetMobility.Net;
using NetMobility.Wire;

namespace NetMobility.Testbed;

/// <summary>An echo reply a <see cref="TestHost"/> received for one of its pings.</summary>
public readonly record struct EchoResult(ushort Sequence, Ipv4Address From, TimeSpan RoundTrip);

/// <summary>An ICMP error a <see cref="TestHost"/> received, with the destination of the datagram it quotes.</summary>
public readonly record struct IcmpReport(Icmpv4Type Type, byte Code, Ipv4Address From, Ipv4Address QuotedDestination, ushort NextHopMtu, DateTimeOffset At);

/// <summary>
/// A host for tests and demonstrations over a <see cref="Node"/>: it pings (ICMP echo, round trips on the
/// loop's clock), records the ICMP errors that reach it, and sends and receives numbered TCP-shaped
/// packets (TCP headers with sequence numbers, no TCP state) so a test can check a flow arrives complete
/// and in order. It takes the node's ICMP and TCP protocol handlers.
/// </summary>
public sealed partial class TestHost
{
    private readonly Dictionary<ushort, DateTimeOffset> _pingsInFlight = [];
    private readonly List<EchoResult> _replies = [];
    private readonly List<IcmpReport> _errors = [];

    public TestHost(Node node, ushort echoIdentifier = 0x4E4D)
    {
        Node = node;
        EchoIdentifier = echoIdentifier;
        node.SetProtocolHandler(IpProtocol.Icmp, OnIcmp);
        node.SetProtocolHandler(IpProtocol.Tcp, OnTcp);
    }

    public Node Node { get; }
    public ushort EchoIdentifier { get; }
    public IReadOnlyList<EchoResult> Replies => _replies;
    public IReadOnlyList<IcmpReport> Errors => _errors;

    /// <summary>Sends echo request <paramref name="sequence"/> with <paramref name="dataLength"/> bytes of data; false when the node could not send it.</summary>
    public bool Ping(Ipv4Address destination, ushort sequence, int dataLength = 56, bool dontFragment = false, byte? timeToLive = null)
    {
        var message = Icmpv4Message.EchoRequest(EchoIdentifier, sequence, dataLength);
        var buffer = new byte[message.BufferLength];
        for (int i = 0; i < dataLength; i++) buffer[Icmpv4Message.HeaderLength + i] = (byte)i;
        message.Emit(buffer);
        _pingsInFlight[sequence] = Node.Loop.Time.GetUtcNow();
        return Node.SendIp(new Ipv4Header(Ipv4Address.Any, destination, IpProtocol.Icmp, buffer.Length, timeToLive ?? Node.Options.DefaultTtl, DontFragment: dontFragment), buffer);
    }

    private void OnIcmp(NetInterface ingress, Ipv4Packet packet)
    {
        if (!Icmpv4Packet.TryCreate(packet.Payload, ChecksumPolicy.Verify, out var icmp, out _)) return;
        var now = Node.Loop.Time.GetUtcNow();
        if (icmp.Type == Icmpv4Type.EchoReply && icmp.Identifier == EchoIdentifier && _pingsInFlight.Remove(icmp.SequenceNumber, out var sent))
        {
            _replies.Add(new EchoResult(icmp.SequenceNumber, packet.Source, now - sent));
            return;
        }
        if (icmp.IsError && icmp.TryGetQuotedDatagram(out var quoted, out _))
            _errors.Add(new IcmpReport(icmp.Type, icmp.Code, packet.Source, quoted.Destination, icmp.NextHopMtu, now));
    }
}
