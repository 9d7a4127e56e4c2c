using NetMobility.Wire;
using NetMobility.Mobility.Home;

namespace NetMobility.Mobility.Registration;

/// <summary>
/// What a registration client acting for a VM knows: the VM's home address and hardware address, its home
/// agent and the mobility security association it shares with it, and how to register.
/// </summary>
public sealed record RegistrationClientOptions
{
    public required Ipv4Address HomeAddress { get; init; }
    public required Ipv4Address HomeAgent { get; init; }

    /// <summary>The VM's hardware address: requests go out from it, so the foreign agent delivers to the VM.</summary>
    public required MacAddress Mac { get; init; }

    /// <summary>The mobile-home security association (SPI, key, algorithm, replay protection).</summary>
    public required MobilitySecurityAssociation Association { get; init; }

    /// <summary>A mobile-foreign association, when the foreign agents want a Mobile-Foreign authenticator (RFC 5944 sec 3.5.3).</summary>
    public MobilitySecurityAssociation? ForeignAgentAssociation { get; init; }

    /// <summary>Lifetime asked for, seconds; never more than the foreign agent advertises (RFC 5944 sec 3.6.1.2).</summary>
    public ushort Lifetime { get; init; } = 600;

    /// <summary>
    /// Flags asked for: T (reverse tunnelling, RFC 3024), G or M for the encapsulation, S, B. T, G and M are dropped
    /// when the foreign agent does not advertise them.
    /// </summary>
    public RegistrationFlags Flags { get; init; } = RegistrationFlags.ReverseTunnel;

    /// <summary>Ask for the encapsulating delivery style (RFC 3024 sec 5.2) along with T.</summary>
    public bool EncapsulatingDelivery { get; init; }

    /// <summary>UDP source port of requests; replies come back to it.</summary>
    public ushort SourcePort { get; init; } = RegistrationAddressing.Port;

    /// <summary>First retransmission timeout; it doubles on each retransmission (RFC 5944 sec 3.6.3).</summary>
    public TimeSpan InitialRetransmission { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The retransmission timeout stops doubling here (and never exceeds the lifetime asked for, RFC 5944 sec 3.6.3).</summary>
    public TimeSpan MaxRetransmission { get; init; } = TimeSpan.FromSeconds(16);

    /// <summary>Share of the granted lifetime after which the registration is renewed, counted from when the request went out.</summary>
    public double RenewalPoint { get; init; } = 0.8;

    /// <summary>First wait between agent solicitations; it doubles up to <see cref="MaxSolicitationInterval"/> (RFC 5944 sec 2.4).</summary>
    public TimeSpan SolicitationInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxSolicitationInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The node's nonces (the low-order half of the Identification, RFC 5944 sec 5.7.2).</summary>
    public Func<uint> NonceSource { get; init; } = static () => (uint)Random.Shared.NextInt64(0, 1L << 32);

    /// <summary>Null when usable, else what is wrong.</summary>
    public string? Validate()
    {
        if (HomeAddress.IsUnspecified || HomeAgent.IsUnspecified) return "home address and home agent are required";
        if (Association is null) return "the mobile-home security association is required";
        if (Lifetime == 0) return "lifetime must be at least 1 s";
        if (InitialRetransmission <= TimeSpan.Zero || MaxRetransmission < InitialRetransmission) return "retransmission timeouts must be positive and the maximum not below the first";
        if (RenewalPoint is <= 0 or >= 1) return "renewal point must lie between 0 and 1";
        if (SolicitationInterval <= TimeSpan.Zero || MaxSolicitationInterval < SolicitationInterval) return "solicitation intervals must be positive and the maximum not below the first";
        const RegistrationFlags both = RegistrationFlags.Gre | RegistrationFlags.MinimalEncapsulation;
        if ((Flags & both) == both) return "ask for GRE or minimal encapsulation, not both";
        return null;
    }
}
