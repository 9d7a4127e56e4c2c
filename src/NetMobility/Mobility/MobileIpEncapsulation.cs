using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Mobility;

/// <summary>
/// How Mobile IPv4 names tunnel kinds, in one place: a registration request asks for GRE with its G bit and for
/// minimal encapsulation with its M bit, IP in IP with neither (RFC 5944 sec 3.3); an agent advertisement offers
/// them with the same letters (sec 2.1.1). Every agent supports IP in IP (sec 4.1).
/// </summary>
public static class MobileIpEncapsulation
{
    private static readonly TunnelKind[] InOrder = [TunnelKind.IpInIp, TunnelKind.Gre, TunnelKind.Minimal];

    /// <summary>The kinds a registration can ask for.</summary>
    public static TunnelKindSet Negotiable { get; } = TunnelKindSet.Of(InOrder);

    /// <summary>The kind a request's flags ask for. A request with both G and M is poorly formed; the agents refuse it before asking.</summary>
    public static TunnelKind Requested(RegistrationFlags flags) =>
        (flags & RegistrationFlags.Gre) != 0 ? TunnelKind.Gre
        : (flags & RegistrationFlags.MinimalEncapsulation) != 0 ? TunnelKind.Minimal
        : TunnelKind.IpInIp;

    /// <summary>The request flags that ask for <paramref name="kind"/>.</summary>
    public static RegistrationFlags FlagsFor(TunnelKind kind) =>
        kind == TunnelKind.Gre ? RegistrationFlags.Gre
        : kind == TunnelKind.Minimal ? RegistrationFlags.MinimalEncapsulation
        : kind == TunnelKind.IpInIp ? RegistrationFlags.None
        : throw new ArgumentException($"Mobile IPv4 cannot ask for a {kind} tunnel", nameof(kind));

    /// <summary>The advertisement flags that offer <paramref name="offered"/> (IP in IP needs none).</summary>
    public static MobilityAgentFlags AdvertisedFlags(TunnelKindSet offered) =>
        (offered.Contains(TunnelKind.Gre) ? MobilityAgentFlags.GreEncapsulation : 0)
        | (offered.Contains(TunnelKind.Minimal) ? MobilityAgentFlags.MinimalEncapsulation : 0);

    /// <summary>
    /// RFC 3519 sec 3.1.4: the kind a UDP Tunnel Request's Encapsulation field (an IP protocol number) names, which a UDP
    /// tunnel then carries behind its tunnel data header (sec 3.3's Next Header takes the same values): IP in IP (4),
    /// GRE (47) or minimal encapsulation (55).
    /// </summary>
    public static bool TryCarriedInUdp(IpProtocol encapsulation, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TunnelKind? kind)
    {
        kind = encapsulation switch
        {
            IpProtocol.IpInIp => TunnelKind.IpInIp,
            IpProtocol.Gre => TunnelKind.Gre,
            IpProtocol.MinimalEncapsulation => TunnelKind.Minimal,
            _ => null,
        };
        return kind is not null;
    }

    /// <summary>
    /// What a foreign agent asks a UDP tunnel to carry for a visitor whose request has <paramref name="flags"/>: the
    /// encapsulation the M and G bits ask for (RFC 5944 sec 3.3; IP in IP with neither), by its IP protocol number.
    /// </summary>
    public static IpProtocol UdpCarriesFor(RegistrationFlags flags) => Requested(flags).OuterProtocol;

    /// <summary>A negotiable kind by its configuration name (ipip, gre, minimal).</summary>
    public static bool TryParse(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TunnelKind? kind) =>
        TunnelKind.TryFind(name, out kind) && Negotiable.Contains(kind);

    /// <summary>The negotiable kinds' names, the one every agent supports first, for messages: "ipip, gre, minimal".</summary>
    public static string Names => string.Join(", ", InOrder.Select(k => k.Name));

    /// <summary>Null when an agent may offer <paramref name="offered"/>, else why not.</summary>
    public static string? CheckOffer(TunnelKindSet offered)
    {
        if (!offered.Contains(TunnelKind.IpInIp)) return "IP in IP encapsulation cannot be turned off (RFC 5944 sec 4.1)";
        foreach (var kind in offered.Kinds)
            if (!Negotiable.Contains(kind)) return $"a {kind} tunnel cannot be negotiated in Mobile IPv4";
        return null;
    }
}
