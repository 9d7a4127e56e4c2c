namespace NetMobility.Wire;

/// <summary>
/// The flag octet of a Registration Request (RFC 5944 sec 3.3): S B D M G r T x. The bits r and x are
/// "sent as zero; ignored on reception", so they have no member here.
/// </summary>
[Flags]
public enum RegistrationFlags : byte
{
    None = 0,
    /// <summary>S: the home agent is to keep its other mobility bindings (simultaneous bindings).</summary>
    SimultaneousBindings = 0x80,
    /// <summary>B: the mobile node wants broadcast datagrams from its home network tunnelled to it.</summary>
    Broadcast = 0x40,
    /// <summary>D: the mobile node decapsulates itself (co-located care-of address).</summary>
    Decapsulation = 0x20,
    /// <summary>M: minimal encapsulation requested (RFC 2004).</summary>
    MinimalEncapsulation = 0x10,
    /// <summary>G: GRE encapsulation requested (RFC 2784).</summary>
    Gre = 0x08,
    /// <summary>T: reverse tunnelling requested (RFC 3024).</summary>
    ReverseTunnel = 0x02,
}
