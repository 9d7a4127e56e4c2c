using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// The tunnels of one node, and which of them a received outer packet belongs to: the one whose outer
/// protocol, local address (the packet's destination), remote address (its source) and input key (the GRE
/// key the packet carries, if any) all match. When no tunnel has the packet's key but one joins the same two
/// addresses with the same protocol, that tunnel gets the packet and counts it as a key mismatch, so a wrong
/// or missing key shows in the tunnel's counters rather than vanishing. Tunnels are added and removed at run
/// time (a home agent keeps one per binding to a care-of address). Driven from the node's event loop; lookups
/// allocate nothing.
/// </summary>
public sealed class TunnelTable
{
    private readonly Dictionary<Match, ITunnelEndpoint> _exact = [];
    private readonly Dictionary<Pair, ITunnelEndpoint> _byPair = [];

    private readonly record struct Pair(IpProtocol Protocol, Ipv4Address Local, Ipv4Address Remote);

    private readonly record struct Match(Pair Pair, bool Keyed, uint Key);

    /// <summary>Outer packets of a tunnel protocol, addressed to this node, that no tunnel took.</summary>
    public long Unmatched { get; private set; }

    public int Count => _exact.Count;

    public IEnumerable<ITunnelEndpoint> Endpoints => _exact.Values;

    /// <summary>Adds <paramref name="tunnel"/>; a tunnel with the same protocol, addresses and input key must not be there already.</summary>
    public void Add(ITunnelEndpoint tunnel)
    {
        ArgumentNullException.ThrowIfNull(tunnel);
        var match = MatchOf(tunnel);
        if (!_exact.TryAdd(match, tunnel))
            throw new InvalidOperationException($"a {tunnel.OuterProtocol} tunnel {tunnel.Local} -> {tunnel.Remote} with input key {tunnel.InputKey?.ToString() ?? "none"} is already in the table");
        _byPair.TryAdd(match.Pair, tunnel);
    }

    /// <summary>Removes <paramref name="tunnel"/>; false when it was not in the table. The caller disposes it.</summary>
    public bool Remove(ITunnelEndpoint tunnel)
    {
        var match = MatchOf(tunnel);
        if (!_exact.TryGetValue(match, out var present) || !ReferenceEquals(present, tunnel)) return false;
        _exact.Remove(match);
        if (_byPair.TryGetValue(match.Pair, out var fallback) && ReferenceEquals(fallback, tunnel))
        {
            _byPair.Remove(match.Pair);
            foreach (var (other, endpoint) in _exact)
            {
                if (other.Pair != match.Pair) continue;
                _byPair[match.Pair] = endpoint;
                break;
            }
        }
        return true;
    }

    /// <summary>True when <paramref name="protocol"/> is the outer protocol of a kind in the registry that owns it (<see cref="TunnelKind.OwnsOuterProtocol"/>).</summary>
    public static bool IsTunnelProtocol(IpProtocol protocol)
    {
        foreach (var kind in TunnelKind.All)
            if (kind.OwnsOuterProtocol && kind.OuterProtocol == protocol) return true;
        return false;
    }

    /// <summary>The tunnel <paramref name="outer"/> belongs to, or null. Only as much of the packet is read as matching needs.</summary>
    public ITunnelEndpoint? Find(ReadOnlySpan<byte> outer) =>
        Ipv4Packet.TryCreate(outer, ChecksumPolicy.None, out var ip, out _) ? Find(ip) : null;

    /// <summary>The tunnel a parsed outer packet belongs to, or null.</summary>
    public ITunnelEndpoint? Find(Ipv4Packet ip)
    {
        var pair = new Pair(ip.Protocol, ip.Destination, ip.Source);
        bool keyed = TunnelKind.TryReadInputKey(ip, out uint key);
        if (_exact.TryGetValue(new Match(pair, keyed, key), out var tunnel)) return tunnel;
        return _byPair.GetValueOrDefault(pair);
    }

    /// <summary>
    /// Hands <paramref name="outer"/> (bytes: the tunnel parses and verifies them) to its tunnel; false, counting it
    /// in <see cref="Unmatched"/>, when no tunnel matches.
    /// </summary>
    public bool Receive(ReadOnlySpan<byte> outer)
    {
        if (Matched(Find(outer)) is not { } tunnel) return false;
        tunnel.Receive(outer);
        return true;
    }

    /// <summary>
    /// Hands an outer packet the node has parsed and verified to its tunnel, which does not parse it again; false,
    /// counting it in <see cref="Unmatched"/>, when no tunnel matches.
    /// </summary>
    public bool Receive(Ipv4Packet outer)
    {
        if (Matched(Find(outer)) is not { } tunnel) return false;
        tunnel.Receive(outer);
        return true;
    }

    /// <summary>
    /// The ICMP error in <paramref name="ip"/>, when it is one about an outer packet of a tunnel kind: a well-formed
    /// ICMP error (checksum verified) whose quote starts with an IPv4 header of a tunnel protocol (RFC 2003 sec 4).
    /// </summary>
    public static bool TryGetTunnelError(Ipv4Packet ip, out Icmpv4Packet error, out Ipv4Packet quotedOuter)
    {
        quotedOuter = default;
        error = default;
        return ip.Protocol == IpProtocol.Icmp && !ip.IsFragment
            && Icmpv4Packet.TryCreate(ip.Payload, ChecksumPolicy.Verify, out error, out _)
            && error.TryGetQuotedDatagram(out quotedOuter, out _)
            && (IsTunnelProtocol(quotedOuter.Protocol) || IsQuotedTunnelData(quotedOuter, out _));
    }

    /// <summary>
    /// True when a quoted UDP datagram is a Mobile IP tunnel data message (RFC 3519 sec 3.3): from or to port 434 with
    /// the message type 4 in its first payload octet; <paramref name="key"/> is the input key of the UDP tunnel that sent
    /// it: its destination port and, when the quote reaches it, the Next Header (with no Next Header it matches no tunnel
    /// exactly and goes to the one between the two addresses). A quote that stops at the UDP header (RFC 792's 8 octets) cannot be told from a
    /// registration message on the same ports and is left to the node (a foreign agent answers those with 80-88).
    /// </summary>
    private static readonly IpProtocol[] UdpCarriedKinds = [IpProtocol.IpInIp, IpProtocol.Gre];

    private static bool IsQuotedTunnelData(Ipv4Packet quoted, out uint key)
    {
        key = 0;
        var udp = quoted.Payload;
        if (quoted.Protocol != IpProtocol.Udp || quoted.IsFragment || udp.Length <= UdpHeader.HeaderLength) return false;
        ushort source = BinaryPrimitives.ReadUInt16BigEndian(udp);
        ushort remotePort = BinaryPrimitives.ReadUInt16BigEndian(udp[2..]);
        key = UdpTunnelOptions.InputKeyOf(remotePort, udp.Length > UdpHeader.HeaderLength + 1 ? (IpProtocol)udp[UdpHeader.HeaderLength + 1] : 0);
        return (source == UdpTunnelOptions.MobileIpPort || remotePort == UdpTunnelOptions.MobileIpPort)
            && udp[UdpHeader.HeaderLength] == (byte)MobileIpMessageType.TunnelData;
    }

    /// <summary>
    /// For a lone endpoint: when <paramref name="packet"/> is an ICMP error about an outer packet of a tunnel kind, hands
    /// it to <paramref name="endpoint"/> (which ignores one about another tunnel's packet) and returns true.
    /// </summary>
    public static bool TryTakeError(ReadOnlySpan<byte> packet, ITunnelEndpoint endpoint)
    {
        if (!Ipv4Packet.TryCreate(packet, ChecksumPolicy.Verify, out var ip, out _) || !TryGetTunnelError(ip, out var error, out var quoted)) return false;
        endpoint.ReceiveError(error, quoted);
        return true;
    }

    /// <summary>
    /// Hands an ICMP error about an outer packet to the tunnel that sent it: the one from the quote's source to its
    /// destination with its protocol (and, for GRE, its key when a tunnel has it as input key too). False when
    /// <paramref name="ip"/> is no such error or no tunnel sent the packet.
    /// </summary>
    public bool ReceiveError(Ipv4Packet ip)
    {
        if (!TryGetTunnelError(ip, out var error, out var quoted)) return false;
        var pair = new Pair(quoted.Protocol, quoted.Source, quoted.Destination);
        ITunnelEndpoint? tunnel = null;
        if (quoted.Protocol == IpProtocol.Gre && GrePacket.TryCreate(quoted.Payload, ChecksumPolicy.None, out var gre, out _) && gre.KeyPresent)
            _exact.TryGetValue(new Match(pair, true, gre.Key.GetValueOrDefault()), out tunnel);
        // A UDP tunnel is keyed by its remote port and what it carries: several lead to one NAT's address, one per mapping.
        if (IsQuotedTunnelData(quoted, out uint udpKey) && !_exact.TryGetValue(new Match(pair, true, udpKey), out tunnel) && udpKey >> 16 == 0)
        {
            // RFC 792's quote of 8 octets past the IP header, plus the message type: the port is known, what it carries is not.
            foreach (var carries in UdpCarriedKinds)
                if (_exact.TryGetValue(new Match(pair, true, udpKey | (uint)carries << 16), out tunnel)) break;
        }
        tunnel ??= _byPair.GetValueOrDefault(pair);
        if (tunnel is null) return false;
        tunnel.ReceiveError(error, quoted);
        return true;
    }

    private ITunnelEndpoint? Matched(ITunnelEndpoint? tunnel)
    {
        if (tunnel is null) Unmatched++;
        return tunnel;
    }

    private static Match MatchOf(ITunnelEndpoint tunnel) =>
        new(new Pair(tunnel.OuterProtocol, tunnel.Local, tunnel.Remote), tunnel.InputKey is not null, tunnel.InputKey.GetValueOrDefault());
}
