using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class Icmpv4AgentAdvertisementTests
{
    // An agent advertisement with every flag (RFC 5944 sec 2.1): router address 10.1.0.1 preference 0, lifetime 1800;
    // Mobility Agent Advertisement Extension seq 7, registration lifetime 600, flags R B H F M G r T U X I (0xffe0),
    // care-of addresses 10.1.0.1 and 10.1.0.2; one-byte padding; Prefix-Lengths Extension /24; a Challenge Extension
    // (type 24, RFC 3012) that this codec does not decode. Checksum by scapy.utils.checksum. tshark 4.0 decodes it as
    // icmp.mip.seq 7, icmp.mip.life 600, icmp.mip.flags 0xffe0 (r b h f m g v rt u x all set, I shown as reserved 0x20),
    // icmp.mip.coa 10.1.0.1 and 10.1.0.2, icmp.mip.prefixlength 24, icmp.mip.challenge deadbeef.
    private static readonly byte[] EveryFlag = Hex.Bytes(
        "0900 07d4 01 02 0708  0a010001 00000000" +
        "10 0e 0007 0258 ffe0 0a010001 0a010002" +
        "00" +
        "13 01 18" +
        "18 04 deadbeef");

    private static readonly Ipv4Address Router = Ipv4Address.Parse("10.1.0.1");
    private static readonly Ipv4Address SecondCareOf = Ipv4Address.Parse("10.1.0.2");

    private const MobilityAgentFlags AllFlags = MobilityAgentFlags.RegistrationRequired | MobilityAgentFlags.Busy
        | MobilityAgentFlags.HomeAgent | MobilityAgentFlags.ForeignAgent | MobilityAgentFlags.MinimalEncapsulation
        | MobilityAgentFlags.GreEncapsulation | MobilityAgentFlags.VjCompression | MobilityAgentFlags.ReverseTunneling
        | MobilityAgentFlags.UdpTunneling | MobilityAgentFlags.RegistrationRevocation | MobilityAgentFlags.RegionalRegistration;

    [Fact]
    public void Flag_bits_sit_where_rfc5944_and_wireshark_put_them()
    {
        Assert.Equal(0xffe0, (int)AllFlags);
        Assert.Equal(0x0100, (int)MobilityAgentFlags.ReverseTunneling); // icmp.mip.rt
        Assert.Equal(0x0400, (int)MobilityAgentFlags.GreEncapsulation);  // icmp.mip.g
        Assert.Equal(0x0020, (int)MobilityAgentFlags.RegionalRegistration);
    }

    [Fact]
    public void Deconstructs_an_agent_advertisement_with_every_flag()
    {
        Assert.True(Icmpv4Packet.TryCreate(EveryFlag, ChecksumPolicy.Verify, out var p, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(Icmpv4Type.RouterAdvertisement, p.Type);
        Assert.Equal((byte)RouterAdvertisementCode.Normal, p.Code);
        Assert.Equal(1, p.RouterAddressCount);
        Assert.Equal(1800, p.Lifetime);
        Assert.Equal(Router, p.GetRouterAddress(0));
        Assert.Equal(0, p.GetPreference(0));
        Assert.True(p.IsAgentAdvertisement);

        Assert.True(p.TryGetMobilityAgentAdvertisement(out var mobility));
        Assert.Equal(7, mobility.SequenceNumber);
        Assert.Equal(600, mobility.RegistrationLifetime);
        Assert.Equal(AllFlags, mobility.Flags);
        Assert.Equal(2, mobility.CareOfAddressCount);
        Assert.Equal(Router, mobility.GetCareOfAddress(0));
        Assert.Equal(SecondCareOf, mobility.GetCareOfAddress(1));

        Assert.True(p.TryGetPrefixLengths(out var prefixLengths));
        Assert.Equal([24], prefixLengths.ToArray());
    }

    [Fact]
    public void Walks_every_extension_and_keeps_the_unknown_one()
    {
        Assert.True(Icmpv4Packet.TryCreate(EveryFlag, ChecksumPolicy.Verify, out var p, out _));
        var seen = new List<(AgentAdvertisementExtensionType Type, int Length, string Data)>();
        var reader = p.ReadExtensions();
        foreach (var extension in reader)
            seen.Add((extension.Type, extension.Length, Hex.Of(extension.Data)));
        Assert.Equal(
        [
            (AgentAdvertisementExtensionType.MobilityAgentAdvertisement, 16, "00070258ffe00a0100010a010002"),
            (AgentAdvertisementExtensionType.OneBytePadding, 1, ""),
            (AgentAdvertisementExtensionType.PrefixLengths, 3, "18"),
            ((AgentAdvertisementExtensionType)24, 6, "deadbeef"),
        ], seen);
        Assert.Equal(WireError.None, reader.Error);
    }

    [Fact]
    public void Writes_the_same_bytes_into_a_poisoned_buffer()
    {
        var buffer = Hex.Poisoned(EveryFlag.Length + 3);
        var writer = new AgentAdvertisementWriter(buffer, lifetime: 1800);
        writer.AddRouterAddress(Router, 0);
        writer.AddMobilityAgentAdvertisement(7, 600, AllFlags, [Router, SecondCareOf]);
        writer.AddPadding();
        writer.AddPrefixLengths([24]);
        writer.AddExtension((AgentAdvertisementExtensionType)24, Hex.Bytes("deadbeef"));
        Assert.Equal(EveryFlag.Length, writer.Finish());
        Assert.Equal(Hex.Of(EveryFlag) + "a5a5a5", Hex.Of(buffer));
    }

    [Fact]
    public void A_foreign_agent_advertisement_round_trips()
    {
        // What a foreign agent that does not route common traffic sends: no router addresses (RFC 5944 sec 2.1 allows 0),
        // F, G and T set, its care-of address, padding to an even length.
        Span<byte> buffer = stackalloc byte[64];
        var writer = new AgentAdvertisementWriter(buffer, lifetime: 9000, RouterAdvertisementCode.DoesNotRouteCommonTraffic);
        var flags = MobilityAgentFlags.ForeignAgent | MobilityAgentFlags.GreEncapsulation | MobilityAgentFlags.ReverseTunneling;
        writer.AddMobilityAgentAdvertisement(256, 1800, flags, [SecondCareOf]);
        writer.AddPadding();
        int length = writer.Finish();
        Assert.Equal(8 + 12 + 1, length);

        Assert.True(Icmpv4Packet.TryCreate(buffer[..length], ChecksumPolicy.Verify, out var p, out var e), e.Describe());
        Assert.Equal(16, p.Code);
        Assert.Equal(0, p.RouterAddressCount);
        Assert.Equal(9000, p.Lifetime);
        Assert.True(p.TryGetMobilityAgentAdvertisement(out var mobility));
        Assert.Equal(256, mobility.SequenceNumber);
        Assert.Equal(1800, mobility.RegistrationLifetime);
        Assert.Equal(flags, mobility.Flags);
        Assert.Equal(1, mobility.CareOfAddressCount);
        Assert.Equal(SecondCareOf, mobility.GetCareOfAddress(0));
        Assert.False(p.TryGetPrefixLengths(out _));
    }

    [Fact]
    public void Rejects_every_truncation_and_consumes_nothing()
    {
        // Cuts that end exactly between extensions leave a well-formed but shorter message: its checksum fails.
        for (int length = 0; length < EveryFlag.Length; length++)
        {
            var expected = length is 16 or 32 or 33 or 36 ? WireError.BadChecksum : WireError.Truncated;
            Assert.False(Icmpv4Message.TryParse(EveryFlag.AsSpan(0, length), ChecksumPolicy.Verify, out var m, out int used, out var e));
            Assert.Equal(expected, e);
            Assert.Equal(0, used);
            Assert.Equal(default, m);
        }
    }

    [Theory]
    [InlineData("0900 0000 00 02 0708  10 07 0007 0258 1000 0a", WireError.BadOption)]              // length 7 is not 6 + 4n
    [InlineData("0900 0000 00 02 0708  10 05 0007 0258 10", WireError.BadOption)]                   // length 5 < 6
    [InlineData("0900 0000 01 02 0708  0a010001 00000000  13 02 18 18", WireError.BadOption)]       // two prefix lengths, one address
    [InlineData("0900 0000 01 02 0708  0a010001 00000000  13 01 21", WireError.BadOption)]          // prefix length 33
    [InlineData("0900 0000 00 02 0708  10 0e 0007 0258 1000 0a010001", WireError.Truncated)]        // length past the end
    [InlineData("0900 0000 00 02 0708  00 18", WireError.Truncated)]                                // no length byte
    public void Rejects_malformed_extensions_and_consumes_nothing(string hex, WireError expected)
    {
        Assert.False(Icmpv4Message.TryParse(Hex.Bytes(hex), ChecksumPolicy.None, out var m, out int used, out var e));
        Assert.Equal(expected, e);
        Assert.Equal(0, used);
        Assert.Equal(default, m);
    }

    [Fact]
    public void Extension_view_checks_its_own_length()
    {
        Assert.False(MobilityAgentAdvertisementExtension.TryCreate(Hex.Bytes("0007 0258 1000 0a01"), out _, out var e));
        Assert.Equal(WireError.BadOption, e);
        Assert.True(MobilityAgentAdvertisementExtension.TryCreate(Hex.Bytes("0007 0258 1000"), out var x, out e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(0, x.CareOfAddressCount);
        Assert.Equal(MobilityAgentFlags.ForeignAgent, x.Flags);
    }

    [Fact]
    public void Writer_puts_router_addresses_before_extensions()
    {
        var buffer = new byte[64];
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new AgentAdvertisementWriter(buffer, 1800);
            writer.AddPadding();
            writer.AddRouterAddress(Router, 0);
        });
    }

    [Fact]
    public void Writer_wants_one_prefix_length_per_router_address()
    {
        var buffer = new byte[64];
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new AgentAdvertisementWriter(buffer, 1800);
            writer.AddRouterAddress(Router, 0);
            writer.AddPrefixLengths([24, 16]);
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new AgentAdvertisementWriter(buffer, 1800);
            writer.AddRouterAddress(Router, 0);
            writer.AddPrefixLengths([33]);
        });
    }
}
