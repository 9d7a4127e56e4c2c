using NetMobility.Wire;

namespace NetMobility.Mobility.Registration;

/// <summary>
/// The IP and UDP addressing of one registration message, received or to send, and the link-layer addresses
/// where they matter: a foreign agent answers a visitor at its hardware address (its home address is not on
/// the link, RFC 5944 sec 3.7.3.2), and a hypervisor registering for a VM sends from the VM's hardware address.
/// </summary>
public readonly record struct RegistrationAddressing(
    Ipv4Address Source,
    ushort SourcePort,
    Ipv4Address Destination,
    ushort DestinationPort,
    byte TimeToLive = RegistrationAddressing.DefaultTimeToLive,
    MacAddress? LinkSource = null,
    MacAddress? LinkDestination = null)
{
    /// <summary>The UDP port agents receive registration requests on (RFC 5944 sec 3.3).</summary>
    public const ushort Port = 434;

    public const byte DefaultTimeToLive = 64;

    /// <summary>RFC 3024 sec 4.1.1: a request to a foreign agent goes with TTL 255, so the agent can tell the node is one hop away.</summary>
    public const byte OneHopTimeToLive = 255;
}

/// <summary>The way out for registration messages: the node builds the UDP datagram and sends it as addressed.</summary>
public interface IRegistrationSender
{
    /// <summary>Sends <paramref name="message"/> (the UDP payload) as <paramref name="addressing"/> says; the span is valid only during the call.</summary>
    void SendRegistration(in RegistrationAddressing addressing, ReadOnlySpan<byte> message);
}
