using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Mobility;

/// <summary>What an agent does with the packets of its tunnels to and from its peers.</summary>
internal interface IPeerTunnelOwner
{
    /// <summary>An outer packet to route to the peer.</summary>
    void Transmit(ReadOnlySpan<byte> outerPacket);

    /// <summary>An inner IPv4 packet that came out of the tunnel from <paramref name="peer"/> (and <paramref name="port"/>, for a UDP tunnel; else 0).</summary>
    void Deliver(Ipv4Address peer, ushort port, ReadOnlySpan<byte> innerPacket);

    /// <summary>An inner packet with DF set was too big for the tunnel to <paramref name="mtu"/>.</summary>
    void ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu);

    /// <summary>A router inside the tunnel could not deliver an outer packet; tell the inner packet's sender (RFC 2003 sec 4.1).</summary>
    void ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code);
}

/// <summary>
/// One tunnel a user wants: to <see cref="Peer"/> with <see cref="Encapsulation"/>, at <see cref="Port"/> for a UDP tunnel
/// (0: the kind's own), carrying <see cref="Carries"/> behind its tunnel data header (RFC 3519 sec 3.1.4; 0: the kind's own).
/// </summary>
internal readonly record struct PeerTunnelUse(Ipv4Address Peer, TunnelKind Encapsulation, ushort Port = 0, IpProtocol Carries = 0);

/// <summary>
/// An agent's tunnels, one per peer (address, and port for UDP tunnels through a NAT) and encapsulation (IP in IP, GRE, minimal encapsulation), shared by every
/// binding or visitor that uses them and counted: a home agent keeps one to each care-of address its bindings
/// name, a foreign agent one to each home agent of its visitors. Each is in the node's <see cref="TunnelTable"/>
/// while in use, so the packets the peer tunnels back reach it.
/// </summary>
internal sealed class PeerTunnels : IDisposable
{
    private readonly Dictionary<(uint Peer, ushort Port, TunnelKind Encapsulation, IpProtocol Carries), Slot> _slots = [];
    private readonly Dictionary<uint, List<PeerTunnelUse>> _uses = [];
    private readonly TunnelTable _table;
    private readonly TimeProvider _time;
    private readonly Ipv4Address _local;
    private readonly int _underlayMtu;
    private readonly ushort _localPort;
    private readonly IPeerTunnelOwner _owner;

    /// <param name="localPort">This end's port for UDP tunnels (a foreign agent's relay port, which its NAT mapping is for); 0: the kind's own.</param>
    public PeerTunnels(TunnelTable table, TimeProvider time, Ipv4Address local, int underlayMtu, IPeerTunnelOwner owner, ushort localPort = 0)
    {
        _localPort = localPort;
        _table = table;
        _time = time;
        _local = local;
        _underlayMtu = underlayMtu;
        _owner = owner;
    }

    public int Count => _slots.Count;

    /// <summary>Called on the loop when a tunnel is made (true) or taken down (false).</summary>
    public Action<PeerTunnelChanged>? Changed { get; set; }

    /// <summary>The tunnels held now.</summary>
    public IEnumerable<PeerTunnelInfo> List()
    {
        foreach (var (key, slot) in _slots) yield return new PeerTunnelInfo(new Ipv4Address(key.Peer), key.Encapsulation, slot.Users, slot.Endpoint);
    }

    public bool TryGet(Ipv4Address peer, TunnelKind encapsulation, out ITunnelEndpoint endpoint, ushort port = 0, IpProtocol carries = 0)
    {
        if (_slots.TryGetValue((peer.Value, port, encapsulation, carries), out var slot))
        {
            endpoint = slot.Endpoint;
            return true;
        }
        endpoint = null!;
        return false;
    }

    /// <summary>
    /// Sets the tunnels <paramref name="user"/> (a home address: its bindings at a home agent, its visit at a foreign
    /// agent) holds to <paramref name="wanted"/>: takes a reference on each it did not hold, gives back each it holds
    /// no more. Empty gives all back. What it gives back goes first: a re-registration that moves a user from one tunnel
    /// to another (a UDP tunnel carrying GRE instead of IP in IP, through the same NAT mapping) takes the old one out of
    /// the node's tunnel table before the new one goes in.
    /// </summary>
    public void Use(Ipv4Address user, ReadOnlySpan<PeerTunnelUse> wanted)
    {
        _uses.TryGetValue(user.Value, out var before);
        if (before is not null)
        {
            foreach (var use in before)
                if (!wanted.Contains(use)) Release(use.Peer, use.Encapsulation, use.Port, use.Carries);
        }
        foreach (var use in wanted)
            if (before is null || !before.Contains(use)) Acquire(use.Peer, use.Encapsulation, use.Port, use.Carries);
        if (wanted.IsEmpty)
        {
            _uses.Remove(user.Value);
            return;
        }
        if (before is null) _uses[user.Value] = before = [];
        before.Clear();
        foreach (var use in wanted) before.Add(use);
    }

    /// <summary>The tunnel to <paramref name="peer"/> with <paramref name="encapsulation"/>, made when it is the first user.</summary>
    public ITunnelEndpoint Acquire(Ipv4Address peer, TunnelKind encapsulation, ushort port = 0, IpProtocol carries = 0)
    {
        var key = (peer.Value, port, encapsulation, carries);
        if (!_slots.TryGetValue(key, out var slot))
        {
            slot = new Slot(Create(peer, encapsulation, port, carries));
            _table.Add(slot.Endpoint);
            _slots.Add(key, slot);
            Changed?.Invoke(new PeerTunnelChanged(peer, encapsulation, Opened: true));
        }
        slot.Users++;
        return slot.Endpoint;
    }

    /// <summary>One user fewer; the last one takes the tunnel out of the table.</summary>
    public void Release(Ipv4Address peer, TunnelKind encapsulation, ushort port = 0, IpProtocol carries = 0)
    {
        var key = (peer.Value, port, encapsulation, carries);
        if (!_slots.TryGetValue(key, out var slot)) return;
        if (--slot.Users > 0) return;
        _slots.Remove(key);
        _table.Remove(slot.Endpoint);
        slot.Endpoint.Dispose();
        Changed?.Invoke(new PeerTunnelChanged(peer, encapsulation, Opened: false));
    }

    public void Dispose()
    {
        foreach (var slot in _slots.Values)
        {
            _table.Remove(slot.Endpoint);
            slot.Endpoint.Dispose();
        }
        _slots.Clear();
    }

    private ITunnelEndpoint Create(Ipv4Address peer, TunnelKind encapsulation, ushort port, IpProtocol carries)
    {
        var host = new PeerHost(_owner, peer, port);
        // RFC 2003 sec 3.1 asks for an outer TTL fit to reach the tunnel exit, whatever the inner one is.
        const byte outerTtl = 64;
        return encapsulation.CreateEndpoint(encapsulation.DefaultOptions(new TunnelEnds(_local, peer, _underlayMtu, outerTtl, _localPort, port, carries)), _time, host);
    }

    private sealed class Slot(ITunnelEndpoint endpoint)
    {
        public ITunnelEndpoint Endpoint { get; } = endpoint;
        public int Users { get; set; }
    }

    /// <summary>The host of one tunnel: knows which peer it leads to, so what comes out can be checked against it.</summary>
    private sealed class PeerHost(IPeerTunnelOwner owner, Ipv4Address peer, ushort port) : ITunnelHost
    {
        public void Transmit(ReadOnlySpan<byte> outerPacket) => owner.Transmit(outerPacket);

        public void Deliver(EtherType protocol, ReadOnlySpan<byte> payload)
        {
            if (protocol == EtherType.Ipv4) owner.Deliver(peer, port, payload);
        }

        public void ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) => owner.ReportTooBig(innerPacket, mtu);

        public void ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) => owner.ReportUnreachable(innerPacket, code);
    }
}
