using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;

namespace NetMobility.Mobility.Registration;

/// <summary>What a registration client sends besides registration messages.</summary>
public interface IRegistrationClientHost : IRegistrationSender
{
    /// <summary>
    /// Sends an Agent Solicitation (an ICMP router solicitation) from the VM: IP source <paramref name="source"/>,
    /// Ethernet source <paramref name="linkSource"/>, IP TTL 1, to the limited broadcast (RFC 5944 sec 2.2).
    /// </summary>
    void SendSolicitation(Ipv4Address source, MacAddress linkSource, ReadOnlySpan<byte> icmpMessage);
}
