using NetMobility.Wire;

namespace NetMobility.Mobility.Registration;

/// <summary>
/// The mobility security associations a node holds, indexed by peer address and SPI (RFC 5944 sec 1.6:
/// "a collection of security contexts ... indexed by SPI and IP address").
/// </summary>
public sealed class SecurityAssociationTable
{
    private readonly Dictionary<(uint Peer, uint Spi), MobilitySecurityAssociation> _byPeerAndSpi = [];
    private readonly Dictionary<uint, MobilitySecurityAssociation> _firstByPeer = [];

    public int Count => _byPeerAndSpi.Count;

    /// <summary>Adds <paramref name="association"/> for <paramref name="peer"/>; a second one with the same SPI is refused.</summary>
    public void Add(Ipv4Address peer, MobilitySecurityAssociation association)
    {
        ArgumentNullException.ThrowIfNull(association);
        if (!_byPeerAndSpi.TryAdd((peer.Value, association.Spi), association))
            throw new ArgumentException($"{peer} already has a security association with SPI {association.Spi}", nameof(association));
        _firstByPeer.TryAdd(peer.Value, association);
    }

    public bool TryGet(Ipv4Address peer, uint spi, out MobilitySecurityAssociation association) =>
        _byPeerAndSpi.TryGetValue((peer.Value, spi), out association!);

    /// <summary>The first association added for <paramref name="peer"/>: the one a sender uses when it starts a message.</summary>
    public bool TryGetAny(Ipv4Address peer, out MobilitySecurityAssociation association) =>
        _firstByPeer.TryGetValue(peer.Value, out association!);

    public bool Contains(Ipv4Address peer) => _firstByPeer.ContainsKey(peer.Value);
}
