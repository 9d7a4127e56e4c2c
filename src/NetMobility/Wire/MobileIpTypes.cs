namespace NetMobility.Wire;

/// <summary>The first octet of a Mobile IPv4 message on UDP port 434 (IANA "Mobile IP Message Types").</summary>
public enum MobileIpMessageType : byte
{
    /// <summary>RFC 5944 sec 3.3.</summary>
    RegistrationRequest = 1,
    /// <summary>RFC 5944 sec 3.4.</summary>
    RegistrationReply = 3,
    /// <summary>RFC 3519 sec 3.3: a tunnelled datagram carried in UDP to get through NAT.</summary>
    TunnelData = 4,
}

/// <summary>
/// Extension types of registration messages this toolkit recognises. Any other value is carried as it is:
/// RFC 5944 sec 1.9 makes an unrecognised type 0-127 invalidate the message and a type 128-255 skippable.
/// </summary>
public enum MobileIpExtensionType : byte
{
    /// <summary>Mobile-Home Authentication, RFC 5944 sec 3.5.2.</summary>
    MobileHomeAuthentication = 32,
    /// <summary>Mobile-Foreign Authentication, RFC 5944 sec 3.5.3.</summary>
    MobileForeignAuthentication = 33,
    /// <summary>Foreign-Home Authentication, RFC 5944 sec 3.5.4.</summary>
    ForeignHomeAuthentication = 34,
    /// <summary>UDP Tunnel Reply, RFC 3519 sec 3.2; registration replies only.</summary>
    UdpTunnelReply = 44,
    /// <summary>Encapsulating Delivery Style, RFC 3024 sec 3.3; registration requests only.</summary>
    EncapsulatingDeliveryStyle = 130,
    /// <summary>UDP Tunnel Request, RFC 3519 sec 3.1; registration requests only.</summary>
    UdpTunnelRequest = 144,
}

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

/// <summary>
/// The Code of a Registration Reply: RFC 5944 sec 3.4, with the reverse-tunnelling codes of RFC 3024
/// sec 3.4 and the UDP-encapsulation code of RFC 3519. 0-1 accept, the 64 block holds the foreign agent's
/// denials and the 128 block the home agent's. Codes not listed are carried as they are.
/// </summary>
public enum RegistrationReplyCode : byte
{
    Accepted = 0,
    AcceptedNoSimultaneousBindings = 1,

    // Denied by the foreign agent (RFC 5944 sec 3.4).
    ForeignAgentReasonUnspecified = 64,
    ForeignAgentAdministrativelyProhibited = 65,
    ForeignAgentInsufficientResources = 66,
    ForeignAgentMobileNodeFailedAuthentication = 67,
    ForeignAgentHomeAgentFailedAuthentication = 68,
    ForeignAgentRequestedLifetimeTooLong = 69,
    ForeignAgentPoorlyFormedRequest = 70,
    ForeignAgentPoorlyFormedReply = 71,
    ForeignAgentRequestedEncapsulationUnavailable = 72,
    /// <summary>Was "Van Jacobson compression unavailable" (RFC 3344); reserved since RFC 5944.</summary>
    ForeignAgentReservedAndUnavailable = 73,
    /// <summary>RFC 3024 sec 3.4.</summary>
    ForeignAgentReverseTunnelUnavailable = 74,
    /// <summary>RFC 3024 sec 3.4: reverse tunnel is mandatory and the T bit is not set.</summary>
    ForeignAgentReverseTunnelMandatory = 75,
    /// <summary>RFC 3024 sec 3.4: the mobile node is not one hop away.</summary>
    ForeignAgentMobileNodeTooDistant = 76,
    ForeignAgentInvalidCareOfAddress = 77,
    ForeignAgentRegistrationTimeout = 78,
    /// <summary>RFC 3024 sec 3.4: the requested delivery style is not supported.</summary>
    ForeignAgentDeliveryStyleNotSupported = 79,
    ForeignAgentHomeNetworkUnreachable = 80,
    ForeignAgentHomeAgentHostUnreachable = 81,
    ForeignAgentHomeAgentPortUnreachable = 82,
    ForeignAgentHomeAgentUnreachable = 88,

    // Denied by the home agent (RFC 5944 sec 3.4).
    HomeAgentReasonUnspecified = 128,
    HomeAgentAdministrativelyProhibited = 129,
    HomeAgentInsufficientResources = 130,
    HomeAgentMobileNodeFailedAuthentication = 131,
    HomeAgentForeignAgentFailedAuthentication = 132,
    HomeAgentIdentificationMismatch = 133,
    HomeAgentPoorlyFormedRequest = 134,
    HomeAgentTooManySimultaneousBindings = 135,
    HomeAgentUnknownHomeAgentAddress = 136,
    /// <summary>RFC 3024 sec 3.4.</summary>
    HomeAgentReverseTunnelUnavailable = 137,
    /// <summary>RFC 3024 sec 3.4: reverse tunnel is mandatory and the T bit is not set.</summary>
    HomeAgentReverseTunnelMandatory = 138,
    /// <summary>RFC 3024 sec 3.4: the encapsulation the request asks for is unavailable.</summary>
    HomeAgentRequestedEncapsulationUnavailable = 139,
    /// <summary>RFC 3519: the home agent does not do UDP tunnelling.</summary>
    HomeAgentUdpEncapsulationUnavailable = 142,
}

public static class RegistrationReplyCodes
{
    /// <summary>RFC 5944 sec 3.4: codes 0 and 1 accept the registration; every other code denies it.</summary>
    public static bool IsAccepted(this RegistrationReplyCode code) => (byte)code <= 1;
}
