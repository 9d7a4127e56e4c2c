using NetMobility.Net;
using NetMobility.Wire;

namespace NetMobility.Mobility.Home;

public sealed partial class HomeAgent
{
    /// <summary>
    /// Every packet the node receives passes here first: one for a node away from home goes into its tunnels
    /// (RFC 5944 sec 4.2.3), one for a node being moved is held. Others go on through the node.
    /// </summary>
    internal bool OnPacket(NetInterface ingress, Ipv4Packet packet)
    {
        var destination = packet.Destination;
        if (_holds.Count > 0 && _holds.TryGetValue(destination.Value, out var hold))
        {
            hold.Buffer.TryHold(packet.Buffer); // a packet that does not fit is counted by the buffer
            return true;
        }
        if (!Bindings.IsAway(destination)) return false;
        Tunnel(packet.Buffer);
        return true;
    }

    /// <summary>
    /// Sends a packet for a node away from home into the tunnel of each of its bindings. The agent forwards it, so
    /// the inner TTL goes down by one first (RFC 2003 sec 3.1); one whose TTL runs out is dropped.
    /// </summary>
    private void Tunnel(ReadOnlySpan<byte> packet)
    {
        if (!Ipv4Packet.TryCreate(packet, ChecksumPolicy.None, out var ip, out _)) return;
        var inner = _scratch.AsSpan(0, ip.Buffer.Length);
        ip.Buffer.CopyTo(inner);
        if (!Ipv4InPlace.TryDecrementTimeToLive(inner))
        {
            Counters.TtlExpired++;
            return;
        }
        foreach (var binding in Bindings.Get(ip.Destination))
        {
            if (!_tunnels.TryGet(binding.TunnelPeer, binding.Encapsulation, out var tunnel, binding.UdpPort, binding.UdpCarries)) continue;
            tunnel.Send(inner);
            Counters.Tunnelled++;
        }
    }

    /// <summary>
    /// An inner packet out of the tunnel from <paramref name="peer"/> (a care-of address, or the address and port a UDP
    /// tunnel's registration came from): a node's reverse-tunnelled packet (RFC 3024). RFC 3024 sec 6.1: it goes into
    /// the home network only when its source is a home address with a binding through that very tunnel; anything else
    /// could be anyone's traffic laundered through this agent.
    /// </summary>
    void IPeerTunnelOwner.Deliver(Ipv4Address peer, ushort port, ReadOnlySpan<byte> innerPacket)
    {
        if (_options.CheckReverseTunnelSource
            && (!Ipv4Packet.TryCreate(innerPacket, ChecksumPolicy.None, out var ip, out _) || !IsBoundThrough(ip.Source, peer, port)))
        {
            Counters.ReverseTunnelRejected++;
            return;
        }
        if (_decapsulated.TryPost(innerPacket)) Counters.ReverseTunnelled++;
        else Counters.ReverseQueueFull++;
    }

    private bool IsBoundThrough(Ipv4Address home, Ipv4Address peer, ushort port)
    {
        foreach (var binding in Bindings.Get(home))
            if (binding.TunnelPeer == peer && binding.UdpPort == port) return true;
        return false;
    }
}
