using System.Security.Cryptography;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Mobility.Home;

/// <summary>How a home agent serves its mobile nodes (RFC 5944 sec 3.8 and RFC 3024 sec 4.3).</summary>
public sealed record HomeAgentOptions
{
    /// <summary>The home agent's address on the home network: the Home Agent field of requests it accepts, the source of its replies.</summary>
    public required Ipv4Address Address { get; init; }

    /// <summary>Prefix length of the home network, which holds <see cref="Address"/> and every home address served.</summary>
    public required int HomePrefixLength { get; init; }

    /// <summary>The longest lifetime granted, in seconds; a longer request gets this (RFC 5944 sec 3.8.2.2: never more than asked). 0xFFFF allows infinity.</summary>
    public ushort MaxLifetime { get; init; } = 1800;

    /// <summary>The encapsulations offered; a request for another is denied with 139 (RFC 3024 sec 3.4). IP in IP is required (RFC 5944 sec 4.1).</summary>
    public TunnelKindSet Encapsulations { get; init; } = MobileIpEncapsulation.Negotiable;

    public ReverseTunnelPolicy ReverseTunnel { get; init; } = ReverseTunnelPolicy.Available;

    /// <summary>
    /// UDP tunnelling (RFC 3519) for requests that ask for it and need it (a NAT between the care-of address and this
    /// agent) or force it (the F flag). Off, such a request is denied with 142.
    /// </summary>
    public bool UdpTunnelling { get; init; } = true;

    /// <summary>The keepalive interval, seconds, given in the UDP Tunnel Reply (RFC 3519 sec 3.2; 110 s by default, under the two minutes a NAT keeps an idle UDP mapping, RFC 4787 REQ-5).</summary>
    public ushort UdpKeepaliveInterval { get; init; } = 110;

    /// <summary>
    /// RFC 3024 sec 6.1 check on reverse-tunnelled packets: outer source a care-of address of a binding of the inner
    /// source. On by default; off only to study what it protects against.
    /// </summary>
    public bool CheckReverseTunnelSource { get; init; } = true;

    /// <summary>Most bindings held; a registration beyond it is denied with 130.</summary>
    public int BindingCapacity { get; init; } = 65536;

    /// <summary>Simultaneous bindings per home address (RFC 5944 sec 3.8.4); beyond them a request is denied with 135. 1 turns them off (accepted with code 1).</summary>
    public int MaxSimultaneousBindings { get; init; } = 4;

    /// <summary>The next nonce for nonce replay protection (RFC 5944 sec 5.7.2); cryptographically random unless a test fixes it.</summary>
    public Func<uint> NonceSource { get; init; } = RandomNonce;

    /// <summary>Gratuitous ARPs sent on the home link when a node leaves or comes back (RFC 5944 sec 4.6: "a small number of times").</summary>
    public int GratuitousArpCount { get; init; } = 3;

    /// <summary>Time between those gratuitous ARPs.</summary>
    public TimeSpan GratuitousArpInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Packets held per home address while its node is being moved (handover buffering).</summary>
    public int HandoverPackets { get; init; } = 256;

    /// <summary>Bytes held per home address while its node is being moved.</summary>
    public int HandoverBytes { get; init; } = 256 * 1024;

    /// <summary>How long packets are held for a node being moved before the hold is given up and they are dropped.</summary>
    public TimeSpan HandoverTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool IsOnHomeNetwork(Ipv4Address address) => address.SameNetwork(Address, HomePrefixLength);

    /// <summary>Null when the options are usable, else what is wrong.</summary>
    public string? Validate()
    {
        if (Address.IsUnspecified || Address.IsMulticast || Address.IsBroadcast) return $"home agent address {Address} is not a unicast address";
        if (HomePrefixLength is < 1 or > 30) return $"home prefix length must be 1..30, not {HomePrefixLength}";
        if (MaxLifetime == 0) return "maximum lifetime must be at least 1 s";
        if (MobileIpEncapsulation.CheckOffer(Encapsulations) is string offer) return offer;
        if (UdpKeepaliveInterval == 0) return "UDP keepalive interval must be at least 1 s";
        if (BindingCapacity < 1) return "binding capacity must be at least 1";
        if (MaxSimultaneousBindings < 1) return "simultaneous bindings must be at least 1";
        if (GratuitousArpCount < 1) return "gratuitous ARP count must be at least 1";
        if (GratuitousArpInterval <= TimeSpan.Zero) return "gratuitous ARP interval must be positive";
        if (HandoverPackets < 1 || HandoverBytes < 1) return "handover buffer bounds must be positive";
        if (HandoverTimeout <= TimeSpan.Zero) return "handover timeout must be positive";
        return null;
    }

    private static uint RandomNonce()
    {
        Span<byte> bytes = stackalloc byte[4];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt32(bytes);
    }
}
