namespace NetMobility.Wire;

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
