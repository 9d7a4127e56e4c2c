using NetMobility.Net;
using NetMobility.Wire;

namespace NetMobility.Testbed;

public sealed partial class TestHost
{
    private const TcpFlags DataFlags = TcpFlags.Ack | TcpFlags.Psh;
    private readonly Dictionary<ushort, FlowReceiver> _receivers = [];
    private byte[] _segmentBuffer = new byte[TcpHeader.MinLength + 1500];

    /// <summary>TCP-shaped packets that arrived for a port nobody listens on, or with a bad checksum.</summary>
    public long SegmentsRefused { get; private set; }

    /// <summary>Starts recording the numbered packets that arrive for TCP <paramref name="port"/>.</summary>
    public FlowReceiver Listen(ushort port)
    {
        var receiver = new FlowReceiver(port, Node.Loop.Time);
        _receivers[port] = receiver;
        return receiver;
    }

    /// <summary>
    /// Sends one TCP-shaped packet: a TCP header (ACK|PSH, sequence <paramref name="sequence"/>, valid checksum) and
    /// <paramref name="payloadLength"/> bytes whose values follow from the sequence number, so the receiver can tell
    /// a corrupted payload. DF is set by default, as TCP stacks do (RFC 1191 path MTU discovery).
    /// </summary>
    public bool SendSegment(Ipv4Address destination, ushort sourcePort, ushort destinationPort, uint sequence, int payloadLength, bool dontFragment = true)
    {
        if (!Node.TryGetSourceAddress(destination, out var source)) return false;
        var tcp = new TcpHeader(sourcePort, destinationPort, sequence, 0, DataFlags, ushort.MaxValue, payloadLength);
        if (_segmentBuffer.Length < tcp.BufferLength) _segmentBuffer = new byte[tcp.BufferLength];
        var segment = _segmentBuffer.AsSpan(0, tcp.BufferLength);
        FlowReceiver.FillPayload(segment[tcp.Length..], sequence);
        tcp.Emit(segment, source, destination);
        var ip = new Ipv4Header(source, destination, IpProtocol.Tcp, segment.Length, Node.Options.DefaultTtl, DontFragment: dontFragment);
        return Node.SendIp(ip, segment);
    }

    /// <summary>
    /// Sends <paramref name="count"/> numbered packets back to back, packet i carrying sequence
    /// <paramref name="firstSequence"/> + i x <paramref name="payloadLength"/> as TCP numbers bytes; returns how many the node took.
    /// </summary>
    public int SendNumbered(Ipv4Address destination, ushort destinationPort, int count, int payloadLength = 100, uint firstSequence = 0, ushort sourcePort = 40000)
    {
        int sent = 0;
        for (int i = 0; i < count; i++)
            if (SendSegment(destination, sourcePort, destinationPort, unchecked(firstSequence + (uint)(i * payloadLength)), payloadLength)) sent++;
        return sent;
    }

    private void OnTcp(NetInterface ingress, Ipv4Packet packet)
    {
        if (!TcpSegment.TryCreate(packet.Payload, packet.Source, packet.Destination, ChecksumPolicy.Verify, out var segment, out _)
            || !_receivers.TryGetValue(segment.DestinationPort, out var receiver))
        {
            SegmentsRefused++;
            return;
        }
        receiver.Record(packet.Source, segment);
    }
}
