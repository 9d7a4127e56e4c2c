namespace NetMobility.Wire;

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
