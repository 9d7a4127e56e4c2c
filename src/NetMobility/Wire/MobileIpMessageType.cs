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
