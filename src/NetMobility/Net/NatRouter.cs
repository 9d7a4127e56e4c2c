using System.Buffers;
using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Net;

/// <summary>How a <see cref="NatRouter"/> maps and for how long.</summary>
public sealed record NatOptions
{
    /// <summary>
    /// A UDP mapping with no outbound packet for this long is gone. RFC 4787 sec 4.3 (REQ-5): not less than two minutes;
    /// a test may set less to see a mapping expire.
    /// </summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A TCP mapping idle this long is gone (RFC 5382 sec 5, REQ-5: an established connection gets at least 2 h 4 min).</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromMinutes(124);

    /// <summary>The first outside port handed out; ports go up from here.</summary>
    public ushort FirstPort { get; init; } = 49152;
}

/// <summary>
/// A NAPT router as a role of a node (RFC 3022 sec 2.2), for in-memory topologies and replayed nodes (the replay
/// role <c>nat</c>): UDP and TCP from its inside interface leave by its outside
/// interface with the outside address as source and a port of its own; what comes back to that address and port goes
/// to the inside address and port it stands for. Mapping is endpoint-independent (RFC 4787 sec 4.1: one outside port per
/// inside address and port, whatever the destination) and so is filtering; a mapping is kept alive by outbound packets
/// only (RFC 4787 REQ-6) and expires after the idle timeout, on the node's clock. An ICMP error from outside about a
/// packet that left through a mapping goes to the inside host with the quoted packet put back as it was sent (RFC 5508
/// sec 4.2, REQ-4), so that path MTU discovery and unreachable reports work through the NAT; it does not refresh the
/// mapping. The same the other way: an ICMP error from an inside host about a packet that came in through a mapping
/// leaves with the outside address and its quote as the outside saw it. Other protocols are not translated, nor ICMP
/// queries. Runs on the node's loop as a packet hook.
/// </summary>
public sealed class NatRouter : IDisposable
{
    private readonly Node _node;
    private readonly NetInterface _inside;
    private readonly NetInterface _outside;
    private readonly NatOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<(IpProtocol Protocol, uint Address, ushort Port), Mapping> _byInside = [];
    private readonly Dictionary<(IpProtocol Protocol, ushort Port), Mapping> _byOutside = [];
    private ushort _nextPort;

    /// <summary>A TCP segment's ports and checksum, all this router reads or writes (RFC 9293 sec 3.1).</summary>
    private const int TcpPortsAndChecksum = 18;

    private sealed class Mapping(IpProtocol protocol, Ipv4Address insideAddress, ushort insidePort, ushort outsidePort)
    {
        public IpProtocol Protocol { get; } = protocol;
        public Ipv4Address InsideAddress { get; } = insideAddress;
        public ushort InsidePort { get; } = insidePort;
        public ushort OutsidePort { get; } = outsidePort;
        public long LastOutboundTicks { get; set; }
    }

    public NatRouter(Node node, NetInterface inside, NetInterface outside, TimeProvider time, NatOptions? options = null)
    {
        if (inside.Node != node || outside.Node != node) throw new ArgumentException("both interfaces must be the node's");
        _node = node;
        _inside = inside;
        _outside = outside;
        _time = time;
        _options = options ?? new NatOptions();
        _nextPort = _options.FirstPort;
        node.AddHook(OnPacket);
    }

    /// <summary>The outside address every inside host appears as.</summary>
    public Ipv4Address OutsideAddress => _outside.Address;

    /// <summary>Mappings made (first packet from an inside address and port).</summary>
    public long MappingsCreated { get; private set; }

    /// <summary>Mappings found idle past their timeout and removed.</summary>
    public long MappingsExpired { get; private set; }

    /// <summary>Packets from outside to the outside address whose port maps to nothing (never mapped, or expired): dropped.</summary>
    public long InboundUnmapped { get; private set; }

    public long Translated { get; private set; }

    /// <summary>The outside port <paramref name="insideAddress"/>:<paramref name="insidePort"/> has now, if its mapping is alive.</summary>
    public bool TryGetMapping(IpProtocol protocol, Ipv4Address insideAddress, ushort insidePort, out ushort outsidePort)
    {
        outsidePort = 0;
        if (!_byInside.TryGetValue((protocol, insideAddress.Value, insidePort), out var mapping) || Expire(mapping)) return false;
        outsidePort = mapping.OutsidePort;
        return true;
    }

    /// <summary>ICMP errors from outside translated back to the inside host they are about (RFC 5508 REQ-4).</summary>
    public long IcmpErrorsTranslated { get; private set; }

    /// <summary>ICMP errors from inside hosts, about packets they received through a mapping, sent on as the outside sees them (RFC 5508 sec 4.2).</summary>
    public long OutboundIcmpErrorsTranslated { get; private set; }

    /// <summary>ICMP errors from inside about a packet no live mapping brought in: dropped.</summary>
    public long OutboundIcmpErrorsUnmapped { get; private set; }

    private bool OnPacket(NetInterface ingress, Ipv4Packet packet)
    {
        if (packet.Protocol == IpProtocol.Icmp && ingress == _outside && packet.Destination == _outside.Address && !packet.IsFragment)
            return InboundIcmpError(packet);
        if (packet.Protocol == IpProtocol.Icmp && ingress == _inside && !_node.IsLocalAddress(packet.Destination) && !packet.IsFragment)
            return OutboundIcmpError(packet);
        if (packet.Protocol is not (IpProtocol.Udp or IpProtocol.Tcp) || packet.IsFragment) return false;
        if (ingress == _inside && !_node.IsLocalAddress(packet.Destination)) return Outbound(packet);
        if (ingress == _outside && packet.Destination == _outside.Address) return Inbound(packet);
        return false;
    }

    private bool Outbound(Ipv4Packet packet)
    {
        if (!TryReadPorts(packet, out ushort sourcePort, out _)) return false;
        var key = (packet.Protocol, packet.Source.Value, sourcePort);
        if (!_byInside.TryGetValue(key, out var mapping) || Expire(mapping))
        {
            if (!TryAllocatePort(packet.Protocol, out ushort port)) return true; // no port left: dropped
            mapping = new Mapping(packet.Protocol, packet.Source, sourcePort, port);
            _byInside[key] = mapping;
            _byOutside[(packet.Protocol, port)] = mapping;
            MappingsCreated++;
        }
        mapping.LastOutboundTicks = _time.GetUtcNow().UtcTicks;
        return Rewrite(packet, source: true, _outside.Address, mapping.OutsidePort);
    }

    private bool Inbound(Ipv4Packet packet)
    {
        if (!TryReadPorts(packet, out _, out ushort destinationPort)) return false;
        if (!_byOutside.TryGetValue((packet.Protocol, destinationPort), out var mapping) || Expire(mapping))
        {
            InboundUnmapped++;
            return true;
        }
        return Rewrite(packet, source: false, mapping.InsideAddress, mapping.InsidePort);
    }

    /// <summary>
    /// RFC 5508 sec 4.2, REQ-4: an ICMP error whose quote is a UDP or TCP packet that left through a live mapping goes
    /// to the inside host: the quoted source address and port become the inside ones again, the outer destination the
    /// inside address. One about nothing mapped is dropped (REQ-4's SHOULD); anything else that is no error (an echo to
    /// the NAT itself) is the node's.
    /// </summary>
    private bool InboundIcmpError(Ipv4Packet packet)
    {
        if (!TryGetError(packet, out bool translatable, out var q)) return false;
        if (!translatable || q.Source != _outside.Address) return true;
        ushort outsidePort = BinaryPrimitives.ReadUInt16BigEndian(q.Payload);
        if (!_byOutside.TryGetValue((q.Protocol, outsidePort), out var mapping) || Expire(mapping))
        {
            InboundUnmapped++;
            return true;
        }
        IcmpErrorsTranslated++;
        return TranslateError(packet, q, outbound: false, mapping.InsideAddress, mapping.InsidePort);
    }

    /// <summary>
    /// RFC 5508 sec 4.2, the other way: an ICMP error from an inside host about a packet it received through a live
    /// mapping (a port unreachable for a datagram that came in to its mapped port, a datagram too big from a router
    /// inside) leaves with the NAT's outside address as its source, and its quote as the packet was seen outside: the
    /// quoted destination address and port become the outside ones. Without that, the outside peer would get an error
    /// from a private address about a packet it never sent. One about nothing mapped is dropped; nothing else is looked at.
    /// </summary>
    private bool OutboundIcmpError(Ipv4Packet packet)
    {
        if (!TryGetError(packet, out bool translatable, out var q)) return false;
        if (!translatable) return true;
        ushort insidePort = BinaryPrimitives.ReadUInt16BigEndian(q.Payload[2..]);
        if (!_byInside.TryGetValue((q.Protocol, q.Destination.Value, insidePort), out var mapping) || Expire(mapping))
        {
            OutboundIcmpErrorsUnmapped++;
            return true;
        }
        OutboundIcmpErrorsTranslated++;
        return TranslateError(packet, q, outbound: true, _outside.Address, mapping.OutsidePort);
    }

    /// <summary>
    /// False when <paramref name="packet"/> is no ICMP error (the node's to handle). True otherwise, with
    /// <paramref name="quoted"/> the quoted UDP or TCP packet with its ports when <paramref name="translatable"/>; not
    /// translatable, the error is dropped: a bad ICMP checksum or a quoted IPv4 header whose checksum fails (RFC 5508 REQ-3), or a
    /// quote of another protocol or too short to hold the ports.
    /// </summary>
    private static bool TryGetError(Ipv4Packet packet, out bool translatable, out Ipv4Packet quoted)
    {
        translatable = false;
        quoted = default;
        if (!Icmpv4Packet.TryCreate(packet.Payload, ChecksumPolicy.None, out var icmp, out _) || !icmp.IsError) return false;
        if (InternetChecksum.Compute(packet.Payload) != 0) return true;
        if (!icmp.TryGetQuotedDatagram(out var q, out _) || q.Protocol is not (IpProtocol.Udp or IpProtocol.Tcp) || q.Payload.Length < 4
            || InternetChecksum.Compute(q.Buffer[..q.HeaderLength]) != 0) return true;
        quoted = q;
        translatable = true;
        return true;
    }

    /// <summary>
    /// A copy of the error with the quote put right (REQ-4 a, type and code kept, b): inbound, the outer destination and
    /// the quoted source become <paramref name="address"/> and the quoted source port <paramref name="port"/>; outbound,
    /// the outer source and the quoted destination, and the quoted destination port. The quoted IPv4 header checksum is
    /// rewritten, the quoted transport checksum updated when the quote holds it (RFC 1624), the ICMP checksum computed
    /// anew, a hop taken off the TTL; then it is routed on. One whose TTL runs out goes back to the node.
    /// </summary>
    private bool TranslateError(Ipv4Packet packet, Ipv4Packet quoted, bool outbound, Ipv4Address address, ushort port)
    {
        if (packet.TimeToLive <= 1) return false;
        int length = packet.Buffer.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var copy = buffer.AsSpan(0, length);
            packet.Buffer.CopyTo(copy);
            int icmpOffset = packet.HeaderLength;
            int quotedOffset = icmpOffset + Icmpv4Packet.HeaderLength;
            int l4Offset = quotedOffset + quoted.HeaderLength;
            int quotedAddressOffset = quotedOffset + (outbound ? 16 : 12);
            int quotedPortOffset = l4Offset + (outbound ? 2 : 0);
            var oldAddress = Ipv4Address.Read(copy[quotedAddressOffset..]);
            ushort oldPort = BinaryPrimitives.ReadUInt16BigEndian(copy[quotedPortOffset..]);
            address.Write(copy[(outbound ? 12 : 16)..]);
            address.Write(copy[quotedAddressOffset..]);
            BinaryPrimitives.WriteUInt16BigEndian(copy[quotedPortOffset..], port);
            Ipv4InPlace.RewriteChecksum(copy[quotedOffset..l4Offset]);
            int checksumOffset = l4Offset + (quoted.Protocol == IpProtocol.Udp ? 6 : 16);
            if (checksumOffset + 2 <= length)
            {
                ushort l4 = BinaryPrimitives.ReadUInt16BigEndian(copy[checksumOffset..]);
                if (quoted.Protocol == IpProtocol.Tcp || l4 != 0)
                {
                    l4 = InternetChecksum.Update(l4, (ushort)(oldAddress.Value >> 16), (ushort)(address.Value >> 16));
                    l4 = InternetChecksum.Update(l4, (ushort)oldAddress.Value, (ushort)address.Value);
                    l4 = InternetChecksum.Update(l4, oldPort, port);
                    if (quoted.Protocol == IpProtocol.Udp && l4 == 0) l4 = 0xFFFF;
                    BinaryPrimitives.WriteUInt16BigEndian(copy[checksumOffset..], l4);
                }
            }
            var message = copy[icmpOffset..];
            BinaryPrimitives.WriteUInt16BigEndian(message[2..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(message[2..], InternetChecksum.Compute(message));
            Ipv4InPlace.TryDecrementTimeToLive(copy);
            Ipv4InPlace.RewriteChecksum(copy);
            _node.SendIp(copy);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>True (and the mapping removed) when it has been idle past its protocol's timeout.</summary>
    private bool Expire(Mapping mapping)
    {
        var timeout = mapping.Protocol == IpProtocol.Udp ? _options.UdpIdleTimeout : _options.TcpIdleTimeout;
        if (_time.GetUtcNow().UtcTicks - mapping.LastOutboundTicks < timeout.Ticks) return false;
        _byInside.Remove((mapping.Protocol, mapping.InsideAddress.Value, mapping.InsidePort));
        _byOutside.Remove((mapping.Protocol, mapping.OutsidePort));
        MappingsExpired++;
        return true;
    }

    private bool TryAllocatePort(IpProtocol protocol, out ushort port)
    {
        int span = ushort.MaxValue - _options.FirstPort + 1;
        for (int i = 0; i < span; i++)
        {
            port = _nextPort;
            _nextPort = _nextPort == ushort.MaxValue ? _options.FirstPort : (ushort)(_nextPort + 1);
            if (!_byOutside.TryGetValue((protocol, port), out var held) || Expire(held)) return true;
        }
        port = 0;
        return false;
    }

    private static bool TryReadPorts(Ipv4Packet packet, out ushort source, out ushort destination)
    {
        source = destination = 0;
        var l4 = packet.Payload;
        int minimum = packet.Protocol == IpProtocol.Udp ? UdpHeader.HeaderLength : TcpPortsAndChecksum;
        if (l4.Length < minimum) return false;
        source = BinaryPrimitives.ReadUInt16BigEndian(l4);
        destination = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
        return true;
    }

    /// <summary>
    /// Rewrites the source (outbound) or destination (inbound) address and port of a copy, updates the IPv4, UDP or
    /// TCP checksum incrementally (RFC 1624; a UDP datagram without a checksum keeps none, RFC 768), takes a hop off
    /// the TTL and routes it on. A packet whose TTL runs out goes back to the node, which answers as a router does.
    /// </summary>
    private bool Rewrite(Ipv4Packet packet, bool source, Ipv4Address address, ushort port)
    {
        if (packet.TimeToLive <= 1) return false;
        int length = packet.Buffer.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var copy = buffer.AsSpan(0, length);
            packet.Buffer.CopyTo(copy);
            int addressOffset = source ? 12 : 16;
            int portOffset = packet.HeaderLength + (source ? 0 : 2);
            int checksumOffset = packet.HeaderLength + (packet.Protocol == IpProtocol.Udp ? 6 : 16);
            var oldAddress = Ipv4Address.Read(copy[addressOffset..]);
            ushort oldPort = BinaryPrimitives.ReadUInt16BigEndian(copy[portOffset..]);
            address.Write(copy[addressOffset..]);
            BinaryPrimitives.WriteUInt16BigEndian(copy[portOffset..], port);

            ushort l4 = BinaryPrimitives.ReadUInt16BigEndian(copy[checksumOffset..]);
            bool hasChecksum = packet.Protocol == IpProtocol.Tcp || l4 != 0;
            if (hasChecksum)
            {
                // The pseudo-header holds the address, so its two words change the transport checksum too.
                l4 = InternetChecksum.Update(l4, (ushort)(oldAddress.Value >> 16), (ushort)(address.Value >> 16));
                l4 = InternetChecksum.Update(l4, (ushort)oldAddress.Value, (ushort)address.Value);
                l4 = InternetChecksum.Update(l4, oldPort, port);
                if (packet.Protocol == IpProtocol.Udp && l4 == 0) l4 = 0xFFFF;
                BinaryPrimitives.WriteUInt16BigEndian(copy[checksumOffset..], l4);
            }
            Ipv4InPlace.TryDecrementTimeToLive(copy);
            Ipv4InPlace.RewriteChecksum(copy);
            Translated++;
            _node.SendIp(copy);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _node.RemoveHook(OnPacket);
}
