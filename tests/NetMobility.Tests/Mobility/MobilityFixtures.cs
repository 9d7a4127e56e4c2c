using System.Text;
using NetMobility.Runtime;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;

namespace NetMobility.Tests.Mobility;

/// <summary>Addresses, keys and message builders shared by the mobility tests.</summary>
internal static class MobilityFixtures
{
    public static readonly Ipv4Address HomeAgentAddress = Ipv4Address.Parse("10.1.0.2");
    public static readonly Ipv4Address HomeRouter = Ipv4Address.Parse("10.1.0.1");
    public static readonly Ipv4Address Home = Ipv4Address.Parse("10.1.0.42");
    public static readonly Ipv4Address SecondHome = Ipv4Address.Parse("10.1.0.43");
    public static readonly Ipv4Address ForeignAgentAddress = Ipv4Address.Parse("10.2.0.2");
    public static readonly Ipv4Address CareOf = ForeignAgentAddress;
    public static readonly Ipv4Address OtherCareOf = Ipv4Address.Parse("10.3.0.2");
    public static readonly MacAddress VmMac = MacAddress.Parse("52:54:00:12:34:56");
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
