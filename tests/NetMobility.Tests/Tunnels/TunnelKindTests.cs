using NetMobility.Configuration;
using NetMobility.Mobility;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>The registry of tunnel kinds: names, outer protocols, endpoints made from options, and Mobile IPv4's view of it.</summary>
public class TunnelKindTests
{
    private static readonly Ipv4Address Local = Ipv4Address.Parse("192.0.2.1");
    private static readonly Ipv4Address Remote = Ipv4Address.Parse("198.51.100.1");

    [Fact]
    public void Every_kind_is_found_by_its_name_and_has_a_dense_id()
    {
        Assert.Equal(["gre", "gretap", "ipip", "minimal", "mipudp"], TunnelKind.All.Select(k => k.Name));
        for (int i = 0; i < TunnelKind.All.Count; i++)
        {
            var kind = TunnelKind.All[i];
            Assert.Equal(i, kind.Id);
            Assert.True(TunnelKind.TryFind(kind.Name, out var found));
            Assert.Same(kind, found);
        }
        Assert.False(TunnelKind.TryFind("vxlan", out _));
        Assert.False(TunnelKind.TryFind("GRE", out _));
    }

    [Fact]
    public void Each_kind_makes_an_endpoint_from_its_default_options_that_speaks_its_outer_protocol()
    {
        foreach (var kind in TunnelKind.All)
        {
            var options = kind.DefaultOptions(new TunnelEnds(Local, Remote, 1400, OuterTtl: 64));
            Assert.Null(options.Validate());
            Assert.Equal(1400, options.UnderlayMtu);
            if (options is IpTunnelOptions ip) Assert.Equal(64, ip.Ttl);
            using var endpoint = kind.CreateEndpoint(options, TimeProvider.System, new RecordingHost());
            Assert.Equal(kind.OuterProtocol, endpoint.OuterProtocol);
            Assert.Equal((Local, Remote), (endpoint.Local, endpoint.Remote));
        }
    }

    [Fact]
    public void An_endpoint_asked_for_with_another_kinds_options_is_refused_naming_both()
    {
        var ipip = TunnelKind.IpInIp.DefaultOptions(new TunnelEnds(Local, Remote));
        var error = Assert.Throws<ArgumentException>(() => TunnelKind.Gre.CreateEndpoint(ipip, TimeProvider.System, new RecordingHost()));
        Assert.Contains("gre", error.Message);
        Assert.Contains(nameof(IpInIpTunnelOptions), error.Message);
    }

    [Fact]
    public void A_configured_tunnel_gets_its_kind_and_only_that_kinds_fields()
    {
        var gretap = TunnelConfig.Read(ConfigElement.Parse("""{ "type": "gretap", "local": "192.0.2.1", "remote": "198.51.100.1", "key": 7, "mac": "02:00:00:00:00:01", "address": "10.9.0.1/24" }""", "t.json"), asInterface: true);
        Assert.Same(TunnelKind.Gretap, gretap.Kind);
        Assert.Equal(GreMode.Ethernet, Assert.IsType<GreTunnelOptions>(gretap.Options).Mode);
        Assert.NotNull(gretap.Mac);

        var error = Assert.Throws<ConfigException>(() =>
            TunnelConfig.Read(ConfigElement.Parse("""{ "type": "minimal", "local": "192.0.2.1", "remote": "198.51.100.1", "ttl": 9 }""", "t.json"), asInterface: false));
        Assert.Contains("ttl", error.Message);
    }

    [Theory]
    [InlineData(RegistrationFlags.None, "ipip")]
    [InlineData(RegistrationFlags.Gre, "gre")]
    [InlineData(RegistrationFlags.MinimalEncapsulation, "minimal")]
    [InlineData(RegistrationFlags.Gre | RegistrationFlags.ReverseTunnel | RegistrationFlags.SimultaneousBindings, "gre")]
    public void Mobile_ip_flags_name_a_kind_and_the_kind_gives_the_flags_back(RegistrationFlags flags, string name)
    {
        var kind = MobileIpEncapsulation.Requested(flags);
        Assert.Equal(name, kind.Name);
        const RegistrationFlags encapsulationBits = RegistrationFlags.Gre | RegistrationFlags.MinimalEncapsulation;
        Assert.Equal(flags & encapsulationBits, MobileIpEncapsulation.FlagsFor(kind));
    }

    [Fact]
    public void Mobile_ip_negotiates_every_kind_but_gretap_and_ip_in_ip_cannot_be_left_out()
    {
        Assert.Equal([TunnelKind.Gre, TunnelKind.IpInIp, TunnelKind.Minimal], MobileIpEncapsulation.Negotiable.Kinds);
        Assert.False(MobileIpEncapsulation.TryParse("gretap", out _));
        Assert.Throws<ArgumentException>(() => MobileIpEncapsulation.FlagsFor(TunnelKind.Gretap));
        Assert.Null(MobileIpEncapsulation.CheckOffer(TunnelKindSet.Of(TunnelKind.IpInIp, TunnelKind.Gre)));
        Assert.Contains("IP in IP", MobileIpEncapsulation.CheckOffer(TunnelKindSet.Of(TunnelKind.Gre)));
        Assert.Contains("gretap", MobileIpEncapsulation.CheckOffer(TunnelKindSet.Of(TunnelKind.IpInIp, TunnelKind.Gretap)));
        Assert.Equal(MobilityAgentFlags.GreEncapsulation | MobilityAgentFlags.MinimalEncapsulation, MobileIpEncapsulation.AdvertisedFlags(MobileIpEncapsulation.Negotiable));
        Assert.Equal((MobilityAgentFlags)0, MobileIpEncapsulation.AdvertisedFlags(TunnelKindSet.Of(TunnelKind.IpInIp)));
    }
}
