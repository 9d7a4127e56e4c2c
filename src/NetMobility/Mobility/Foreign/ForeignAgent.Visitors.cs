using NetMobility.Net;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;

namespace NetMobility.Mobility.Foreign;

public sealed partial class ForeignAgent
{
    /// <summary>Every frame on the visitors' link (a frame hook of the node): true for the agent's own business, the rest is the node's.</summary>
    private bool OnVisitorFrame(NetInterface ingress, EthernetFrame ethernet) =>
        ingress == _visitorLink && ethernet.EtherType switch
        {
            EtherType.Arp => TryAnswerArp(ethernet),
            EtherType.Ipv4 => TryTakeIp(ethernet),
            _ => false,
        };

    private bool TryTakeIp(EthernetFrame ethernet)
    {
        if (!Ipv4Packet.TryCreate(ethernet.Payload, ChecksumPolicy.Verify, out var ip, out _)) return false;
        if (ip.Protocol == IpProtocol.Udp && IsForAgents(ip.Destination)
            && UdpDatagram.TryCreate(ip.Payload, ip.Source, ip.Destination, ChecksumPolicy.Verify, out var udp, out _)
            && udp.DestinationPort == RegistrationAddressing.Port)
        {
            Counters.RequestsReceived++;
            var outcome = Relay.OnRequest(udp.Payload, new RegistrationAddressing(ip.Source, udp.SourcePort, ip.Destination, udp.DestinationPort,
                ip.TimeToLive, ethernet.Source, ethernet.Destination));
            if (outcome.Visitor is { } relayed) UpdateTunnel(relayed.HomeAddress);
            Reschedule();
            if (outcome.Action != RelayAction.Discarded) Relayed?.Invoke(outcome);
            return true;
        }
        if (ip.Protocol == IpProtocol.Icmp && IsForAgents(ip.Destination)
            && Icmpv4Packet.TryCreate(ip.Payload, ChecksumPolicy.None, out var icmp, out _) && icmp.Type == Icmpv4Type.RouterSolicitation)
        {
            // RFC 5944 sec 2.3: an Agent Solicitation is answered at once, unicast to a node of this link; a visitor's
            // home address is not on it, so a visitor's answer goes to all systems.
            bool onLink = ip.Source.SameNetwork(_options.Address, _options.PrefixLength);
            Advertiser.OnSolicitation(onLink ? ip.Source : Ipv4Address.Any, ip.Payload);
            return true;
        }
        if (!Relay.Visitors.TryGetAccepted(ip.Source, out var visitor) || visitor.LinkAddress != ethernet.Source) return false;
        return TryReverseTunnel(visitor, ip);
    }

    /// <summary>
    /// A packet from an accepted visitor. RFC 3024 sec 5.2: sent encapsulated to the agent, it is unwrapped (and must
    /// be the visitor's own); RFC 3024 sec 5.1: with the T bit, any packet it sends beyond this link goes into the
    /// reverse tunnel to its home agent. Without T it is the node's to forward.
    /// </summary>
    private bool TryReverseTunnel(Visitor visitor, Ipv4Packet ip)
    {
        if (!visitor.ReverseTunnel) return false;
        var packet = ip.Buffer;
        if (visitor.EncapsulatingDelivery && ip.Protocol == IpProtocol.IpInIp && ip.Destination == _options.Address)
        {
            if (!IpInIp.TryDecapsulate(ip.Buffer, out int offset, out int length, out _)
                || !Ipv4Packet.TryCreate(ip.Buffer.Slice(offset, length), ChecksumPolicy.Verify, out var inner, out _)
                || inner.Source != visitor.HomeAddress)
            {
                Counters.EncapsulatedRefused++;
                return true;
            }
            packet = inner.Buffer;
        }
        else if (_node.IsLocalAddress(ip.Destination) || ip.Destination.SameNetwork(_options.Address, _options.PrefixLength))
        {
            // For this agent or a neighbour on the link: no tunnel needed.
            return false;
        }
        if (!_tunnels.TryGet(visitor.HomeAgent, visitor.Encapsulation, out var tunnel, carries: visitor.UdpTunnel ? visitor.UdpCarries : 0)) return false;
        var copy = _scratch.AsSpan(0, packet.Length);
        packet.CopyTo(copy);
        // The agent forwards the packet: one hop, one TTL (RFC 2003 sec 3.1).
        if (!Ipv4InPlace.TryDecrementTimeToLive(copy))
        {
            Counters.TtlExpired++;
            return true;
        }
        tunnel.Send(copy);
        Counters.ReverseTunnelled++;
        return true;
    }

    /// <summary>
    /// A visitor asking for the hardware address of anything but this agent: it gets the agent's own. A VM that
    /// moved with its ARP cache looks for its home gateway, which is not on this link; the agent is its way out
    /// (RFC 5944 sec 4.2.1 makes the foreign agent a visitor's router).
    /// </summary>
    private bool TryAnswerArp(EthernetFrame ethernet)
    {
        if (!ArpMessage.TryParse(ethernet.Payload, out var arp, out _, out _) || arp.Opcode != ArpOpcode.Request
            || arp.IsGratuitous || arp.IsProbe || !Relay.Visitors.TryGet(arp.SenderIp, out var visitor)
            || _node.IsLocalAddress(arp.TargetIp) || arp.TargetIp == visitor.HomeAddress)
            return false;
        var reply = ArpMessage.Reply(_visitorLink.Mac, arp.TargetIp, arp.SenderMac, arp.SenderIp);
        var frame = _frame.AsSpan(0, EthernetHeader.UntaggedLength + ArpMessage.PacketLength);
        new EthernetHeader(arp.SenderMac, _visitorLink.Mac, EtherType.Arp).Emit(frame);
        reply.Emit(frame[EthernetHeader.UntaggedLength..]);
        _link.Send(frame);
        Counters.ArpAnswered++;
        return true;
    }

    /// <summary>
    /// A packet out of the tunnel from <paramref name="homeAgent"/>: delivered to the visitor it is for, at its hardware
    /// address, when that visitor is registered through <paramref name="homeAgent"/> (RFC 5944 sec 4.2.2), or has a
    /// request pending with it: a home agent tunnels only once it has accepted, so such a packet has overtaken the reply.
    /// </summary>
    private void DeliverToVisitor(Ipv4Address homeAgent, ReadOnlySpan<byte> innerPacket)
    {
        if (!Ipv4Packet.TryCreate(innerPacket, ChecksumPolicy.None, out var ip, out _) || !TryGetVisitorMac(ip.Destination, homeAgent, out var mac))
        {
            Counters.NotForAVisitor++;
            return;
        }
        int length = MobilityFrames.WritePacket(_frame, mac, _visitorLink.Mac, ip.Buffer);
        // The agent forwards the packet onto the visitors' link: one hop, one TTL (RFC 2003 sec 3.1, RFC 1812 sec 5.3.1),
        // as the home agent and any router on the way did.
        if (!Ipv4InPlace.TryDecrementTimeToLive(_frame.AsSpan(EthernetHeader.UntaggedLength, ip.Buffer.Length)))
        {
            Counters.TtlExpired++;
            _node.ReportTtlExpired(ip.Buffer);
            return;
        }
        if (_link.Send(_frame.AsSpan(0, length))) Counters.Delivered++;
    }

    private bool TryGetVisitorMac(Ipv4Address home, Ipv4Address homeAgent, out MacAddress mac)
    {
        mac = default;
        if (!Relay.Visitors.TryGet(home, out var visitor)) return false;
        if (visitor.IsAccepted && visitor.HomeAgent == homeAgent)
        {
            mac = visitor.LinkAddress;
            return true;
        }
        if (visitor.Pending is not PendingRegistration pending || pending.HomeAgent != homeAgent) return false;
        mac = pending.LinkAddress;
        return true;
    }

    private bool IsForAgents(Ipv4Address destination) =>
        destination == _options.Address || destination == AllMobilityAgents || _visitorLink.IsBroadcast(destination);
}
