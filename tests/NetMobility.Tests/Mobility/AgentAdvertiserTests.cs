using NetMobility.Mobility;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

public class AgentAdvertiserTests
{
    private static ForeignAgentOptions Options() => new() { Address = ForeignAgentOnLink, CareOfAddress = CareOf };

    private static (ushort Sequence, ushort Lifetime, MobilityAgentFlags Flags, Ipv4Address CareOf) Read(byte[] icmp)
    {
        Assert.True(Icmpv4Packet.TryCreate(icmp, ChecksumPolicy.Verify, out var packet, out _));
        Assert.Equal(Icmpv4Type.RouterAdvertisement, packet.Type);
        Assert.True(packet.TryGetMobilityAgentAdvertisement(out var extension));
        Assert.Equal(1, extension.CareOfAddressCount);
        return (extension.SequenceNumber, extension.RegistrationLifetime, extension.Flags, extension.GetCareOfAddress(0));
    }

    [Fact]
    public void Advertises_every_interval_with_increasing_sequence_numbers()
    {
        var clock = Clock();
        var sender = new RecordingSender();
        using var advertiser = new AgentAdvertiser(Options(), sender, () => false, clock);
        advertiser.Start();
        clock.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Equal(3, sender.Advertisements.Count);
        Assert.All(sender.Advertisements, a => Assert.Equal(ForeignAgentOptions.AllSystems, a.To));
        Assert.Equal([0, 1, 2], sender.Advertisements.Select(a => (int)Read(a.Message).Sequence));

        var (_, lifetime, flags, careOf) = Read(sender.Advertisements[0].Message);
        Assert.Equal(600, lifetime);
        Assert.Equal(CareOf, careOf);
        Assert.Equal(MobilityAgentFlags.ForeignAgent | MobilityAgentFlags.RegistrationRequired | MobilityAgentFlags.MinimalEncapsulation
            | MobilityAgentFlags.GreEncapsulation | MobilityAgentFlags.ReverseTunneling, flags);

        Assert.True(Icmpv4Packet.TryCreate(sender.Advertisements[0].Message, ChecksumPolicy.Verify, out var packet, out _));
        Assert.Equal(ForeignAgentOnLink, packet.GetRouterAddress(0));
        Assert.Equal(3, packet.Lifetime);
        Assert.True(packet.TryGetPrefixLengths(out var prefixes));
        Assert.Equal([24], prefixes.ToArray());

        advertiser.Stop();
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(3, sender.Advertisements.Count);
    }

    [Fact]
    public void Answers_a_solicitation_at_once_unicast_to_the_soliciting_node()
    {
        var clock = Clock();
        var sender = new RecordingSender();
        using var advertiser = new AgentAdvertiser(Options(), sender, () => false, clock);
        var solicitation = new byte[8];
        Icmpv4Message.RouterSolicitation().Emit(solicitation);
        Assert.True(advertiser.OnSolicitation(Home, solicitation));
        Assert.True(advertiser.OnSolicitation(Ipv4Address.Any, solicitation));
        Assert.Equal([Home, ForeignAgentOptions.AllSystems], sender.Advertisements.Select(a => a.To));

        var echo = new byte[8];
        Icmpv4Message.EchoRequest(1, 1, 0).Emit(echo);
        Assert.False(advertiser.OnSolicitation(Home, echo));
        solicitation[2] ^= 0xFF; // checksum
        Assert.False(advertiser.OnSolicitation(Home, solicitation));
        Assert.Equal(2, sender.Advertisements.Count);
    }

    [Fact]
    public void Sequence_numbers_wrap_from_0xffff_to_256()
    {
        var clock = Clock();
        var counter = new LastSequence();
        using var advertiser = new AgentAdvertiser(Options(), counter, () => false, clock);
        var solicitation = new byte[8];
        Icmpv4Message.RouterSolicitation().Emit(solicitation);
        for (int i = 0; i <= 0xFFFF; i++) advertiser.OnSolicitation(Home, solicitation);
        Assert.Equal(0xFFFF, counter.Last);
        Assert.Equal(AgentAdvertiser.SequenceWrap, advertiser.NextSequence);
        advertiser.OnSolicitation(Home, solicitation);
        Assert.Equal(256, counter.Last);
    }

    [Fact]
    public void Sets_the_busy_bit_while_the_visitor_list_is_full_and_only_the_flags_offered()
    {
        var clock = Clock();
        var sender = new RecordingSender();
        bool full = true;
        var options = Options() with { Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp), ReverseTunnel = ReverseTunnelPolicy.Unavailable, AlsoHomeAgent = true };
        using var advertiser = new AgentAdvertiser(options, sender, () => full, clock);
        advertiser.Start();
        full = false;
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(MobilityAgentFlags.ForeignAgent | MobilityAgentFlags.RegistrationRequired | MobilityAgentFlags.HomeAgent | MobilityAgentFlags.Busy,
            Read(sender.Advertisements[0].Message).Flags);
        Assert.Equal(MobilityAgentFlags.ForeignAgent | MobilityAgentFlags.RegistrationRequired | MobilityAgentFlags.HomeAgent,
            Read(sender.Advertisements[1].Message).Flags);
    }

    /// <summary>RFC 5944 sec 2.1.1: R, F, H and B held on are the options'; B also follows the visitor list.</summary>
    [Theory]
    [InlineData(true, true, false, false, MobilityAgentFlags.RegistrationRequired | MobilityAgentFlags.ForeignAgent)]
    [InlineData(false, true, false, false, MobilityAgentFlags.ForeignAgent)]
    [InlineData(false, false, true, false, MobilityAgentFlags.HomeAgent)]
    [InlineData(true, true, true, true, MobilityAgentFlags.RegistrationRequired | MobilityAgentFlags.ForeignAgent | MobilityAgentFlags.HomeAgent | MobilityAgentFlags.Busy)]
    public void Every_flag_the_agent_sets_is_configurable(bool r, bool f, bool h, bool busy, MobilityAgentFlags expected)
    {
        var sender = new RecordingSender();
        var options = Options() with
        {
            Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp), ReverseTunnel = ReverseTunnelPolicy.Unavailable,
            RegistrationRequired = r, ForeignAgentService = f, AlsoHomeAgent = h, Busy = busy,
        };
        using var advertiser = new AgentAdvertiser(options, sender, () => false, Clock());
        advertiser.Start();
        Assert.Equal(expected, Read(Assert.Single(sender.Advertisements).Message).Flags);
    }

    /// <summary>
    /// RFC 3519 sec 3.4: the U bit (0x0080, after T in the flags word) says the agent supports UDP tunnelling. It is set
    /// while the agent asks home agents for UDP tunnelling (request or force) unless turned off, and never while it does not.
    /// </summary>
    [Theory]
    [InlineData(UdpTunnelMode.Off, true, false)]
    [InlineData(UdpTunnelMode.Request, true, true)]
    [InlineData(UdpTunnelMode.Force, true, true)]
    [InlineData(UdpTunnelMode.Request, false, false)]
    [InlineData(UdpTunnelMode.Off, false, false)]
    public void Rfc3519_sec_3_4_the_u_bit_follows_udp_tunnelling_and_can_be_turned_off(UdpTunnelMode mode, bool advertise, bool expected)
    {
        var sender = new RecordingSender();
        var options = Options() with
        {
            Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp), ReverseTunnel = ReverseTunnelPolicy.Unavailable,
            UdpTunnel = mode, AdvertiseUdpTunnelling = advertise,
        };
        using var advertiser = new AgentAdvertiser(options, sender, () => false, Clock());
        advertiser.Start();
        var flags = Read(Assert.Single(sender.Advertisements).Message).Flags;
        Assert.Equal((ushort)0x0080, (ushort)MobilityAgentFlags.UdpTunneling);
        Assert.Equal(MobilityAgentFlags.RegistrationRequired | MobilityAgentFlags.ForeignAgent | (expected ? MobilityAgentFlags.UdpTunneling : 0), flags);
    }

    private sealed class LastSequence : IAdvertisementSender
    {
        public int Last { get; private set; } = -1;

        public void SendAdvertisement(Ipv4Address destination, ReadOnlySpan<byte> icmpMessage)
        {
            Assert.True(Icmpv4Packet.TryCreate(icmpMessage, ChecksumPolicy.None, out var packet, out _));
            Assert.True(packet.TryGetMobilityAgentAdvertisement(out var extension));
            Last = extension.SequenceNumber;
        }
    }
}
