using System.Text;
using NetMobility.Runtime;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;
using NetMobility.Scenario;

namespace NetMobility.Tests.Mobility;

/// <summary>Addresses, keys and message builders shared by the mobility tests.</summary>
internal static class MobilityFixtures
{
    // The roles have the scenario's addresses (ScenarioTopology): home router 10.1.0.1, home agent 10.1.0.2, VM 10.1.0.42
    // (a second VM 10.1.0.43, as the scenario's VM 1), the foreign agent 10.2.0.1, which is its care-of address, and the
    // VM's NIC 52:54:00:00:00:42. Where a test needs the foreign agent's own address on the visitors' link to differ from
    // its care-of address, it uses ForeignAgentOnLink, an address no role of the scenario has.
    public static readonly Ipv4Address HomeAgentAddress = ScenarioTopology.HaAddress;
    public static readonly Ipv4Address HomeRouter = ScenarioTopology.HomeGateway;
    public static readonly Ipv4Address Home = ScenarioTopology.VmAddress;
    public static readonly Ipv4Address SecondHome = ScenarioVm.AddressOf(1);
    public static readonly Ipv4Address ForeignAgentAddress = ScenarioTopology.FaAddress;
    public static readonly Ipv4Address CareOf = ForeignAgentAddress;
    public static readonly Ipv4Address ForeignAgentOnLink = Ipv4Address.Parse("10.2.0.254");
    /// <summary>A care-of address on another foreign network.</summary>
    public static readonly Ipv4Address OtherCareOf = Ipv4Address.Parse("10.4.0.1");
    public static readonly MacAddress VmMac = ScenarioTopology.VmMac;
    public static readonly MacAddress ForeignAgentMac = MacAddress.Parse("02:00:00:00:02:02");
    public const int HomePrefix = 24;
    public const uint Spi = 0x1000;
    public const uint ForeignSpi = 0x2000;
    public static readonly byte[] Key = Encoding.ASCII.GetBytes("vm-42 mobile-home key");
    public static readonly byte[] ForeignKey = Encoding.ASCII.GetBytes("fa-ha key");

    /// <summary>Starts each test at a fixed instant; mobility timestamps are read off it.</summary>
    public static ManualTimeProvider Clock() => new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public static MobilitySecurityAssociation Association(ReplayProtection replay = ReplayProtection.Timestamps,
        MobileIpAuthenticationAlgorithm algorithm = MobileIpAuthenticationAlgorithm.HmacMd5) =>
        new(Spi, Key, algorithm, replay);

    public static HomeAgentOptions HomeAgentOptions() => new()
    {
        Address = HomeAgentAddress,
        HomePrefixLength = HomePrefix,
        NonceSource = Counter(0x5EED0000),
    };

    /// <summary>A predictable nonce source: start, start + 1, ...</summary>
    public static Func<uint> Counter(uint start)
    {
        uint next = start;
        return () => next++;
    }

    /// <summary>A registration request signed by <paramref name="association"/> (Mobile-Home), optionally relayed and signed by a foreign agent.</summary>
    public static byte[] Request(in RegistrationRequest request, MobilitySecurityAssociation? association,
        MobilitySecurityAssociation? foreignAgent = null, bool deliveryStyle = false, UdpTunnelRequestExtension? udpTunnel = null)
    {
        var buffer = new byte[256];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(request);
        if (deliveryStyle) writer.WriteEncapsulatingDeliveryStyle();
        association?.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        // RFC 3519 sec 3.1: a foreign agent adds the UDP Tunnel Request after the node's authenticator, before its own.
        if (udpTunnel is { } udp) writer.Write(udp);
        foreignAgent?.Authenticate(ref writer, MobileIpExtensionType.ForeignHomeAuthentication);
        return writer.Written.ToArray();
    }

    public static RegistrationRequest Registration(DateTimeOffset now, ushort lifetime = 600, RegistrationFlags flags = RegistrationFlags.ReverseTunnel,
        Ipv4Address? home = null, Ipv4Address? careOf = null, Ipv4Address? agent = null) =>
        new(flags, lifetime, home ?? Home, agent ?? HomeAgentAddress, careOf ?? CareOf, MobileIpTimestamp.From(now));

    public static RegistrationAddressing FromForeignAgent(ushort port = 434) =>
        new(ForeignAgentAddress, port, HomeAgentAddress, RegistrationAddressing.Port);
}
