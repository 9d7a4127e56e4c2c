using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

/// <summary>
/// Vectors built with scapy 2.5.0: the original datagram is
/// <c>IP(src="192.0.2.50", dst="10.0.0.42", tos=0x10, flags="DF", id=0x1c46, ttl=63)/ICMP(id=0x1234, seq=1)/b"ping"</c>;
/// each encapsulated one is <c>IP(src=..., dst="198.51.100.7", tos=0x10, flags="DF", id=0x1c46, ttl=63, proto=55)
/// /Raw(forwarding header + ICMP bytes)</c>, the forwarding header's checksum from <c>scapy.utils.checksum</c>.
/// </summary>
public class MinimalEncapsulationTests
{
    private static readonly Ipv4Address HomeAgent = Ipv4Address.Parse("10.0.0.1");
    private static readonly Ipv4Address OriginalSource = Ipv4Address.Parse("192.0.2.50");
    private static readonly Ipv4Address TunnelExit = Ipv4Address.Parse("198.51.100.7");

    private const string Original = "451000201c4640003f01532bc00002320a00002a" + "080006fa1234000170696e67";
    // Encapsulated by 10.0.0.1, not the original source: S set, original source kept in the forwarding header.
    private const string ByHomeAgent = "4510002c1c4640003f37eb090a000001c6336407" + "018032230a00002ac0000232" + "080006fa1234000170696e67";
    // Encapsulated by the original source itself: S clear, 8-octet forwarding header.
    private const string BySource = "451000281c4640003f3732dcc0000232c6336407" + "0100f4d50a00002a" + "080006fa1234000170696e67";

    [Theory]
    [InlineData("10.0.0.1", ByHomeAgent)]
    [InlineData("192.0.2.50", BySource)]
    public void Encapsulates_in_place_as_rfc2004_sec_3_says(string encapsulator, string expected)
    {
        var buffer = Hex.Poisoned(64);
        Hex.Bytes(Original).CopyTo(buffer, 0);

        Assert.True(MinimalEncapsulation.TryEncapsulate(buffer, 32, Ipv4Address.Parse(encapsulator), TunnelExit, out int length, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(expected, Hex.Of(buffer.AsSpan(0, length)));
        Assert.Equal(0xA5, buffer[length]); // nothing written past the new datagram
    }

    [Theory]
    [InlineData(ByHomeAgent)]
    [InlineData(BySource)]
    public void Decapsulation_restores_the_original_datagram(string encapsulated)
    {
        var wire = Hex.Bytes(encapsulated);
        var buffer = Hex.Poisoned(wire.Length);
        wire.CopyTo(buffer, 0);

        Assert.True(MinimalEncapsulation.TryDecapsulate(buffer, wire.Length, ChecksumPolicy.Verify, out int length, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(Original, Hex.Of(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void Deconstructs_the_forwarding_header()
    {
        var wire = Hex.Bytes(ByHomeAgent)[20..];
        Assert.True(MinimalForwardingPacket.TryCreate(wire, ChecksumPolicy.Verify, out var p, out _));
        Assert.Equal(IpProtocol.Icmp, p.Protocol);
        Assert.True(p.SourcePresent);
        Assert.Equal(0x3223, p.Checksum);
        Assert.Equal(Ipv4Address.Parse("10.0.0.42"), p.OriginalDestination);
        Assert.Equal(OriginalSource, p.OriginalSource);
        Assert.Equal(12, p.HeaderLength);
        Assert.Equal("080006fa1234000170696e67", Hex.Of(p.Payload));
    }

    [Theory]
    [InlineData("018032230a00002ac0000232")]
    [InlineData("0100f4d50a00002a")]
    public void Forwarding_headers_round_trip_with_their_checksum(string header)
    {
        Assert.True(MinimalForwardingHeader.TryParse(Hex.Bytes(header), ChecksumPolicy.Verify, out var h, out int used, out _));
        Assert.Equal(h.Length, used);
        var buffer = Hex.Poisoned(h.Length);
        Assert.Equal(used, h.Emit(buffer));
        Assert.Equal(header, Hex.Of(buffer));
    }

    [Fact]
    public void Reserved_bits_are_ignored_on_receipt_and_sent_as_zero()
    {
        // 0x7f in the S/reserved octet: S clear, reserved bits set; checksum recomputed for those bytes.
        var header = Hex.Bytes("017f 0000 0a00002a");
        ushort c = InternetChecksum.Compute(header);
        header[2] = (byte)(c >> 8); header[3] = (byte)c;
        Assert.True(MinimalForwardingHeader.TryParse(header, ChecksumPolicy.Verify, out var h, out _, out _));
        Assert.Null(h.OriginalSource);
        var buffer = Hex.Poisoned(h.Length);
        h.Emit(buffer);
        Assert.Equal("0100f4d50a00002a", Hex.Of(buffer));
    }

    [Theory]
    [InlineData("0100f4d50a0000", WireError.Truncated)]
    [InlineData("018032230a00002ac00002", WireError.Truncated)] // S set: original source cut short
    [InlineData("0100f4d60a00002a", WireError.BadChecksum)]
    public void Refuses_bad_forwarding_headers_and_consumes_nothing(string header, WireError expected)
    {
        Assert.False(MinimalForwardingHeader.TryParse(Hex.Bytes(header), ChecksumPolicy.Verify, out var h, out int used, out var e));
        Assert.Equal(expected, e);
        Assert.Equal(0, used);
        Assert.Equal(default, h);
    }

    [Fact]
    public void A_bad_forwarding_checksum_passes_when_verification_is_off()
    {
        Assert.True(MinimalForwardingHeader.TryParse(Hex.Bytes("0100f4d60a00002a"), ChecksumPolicy.None, out _, out int used, out _));
        Assert.Equal(8, used);
    }

    [Theory]
    [InlineData("451000201c4660003f01532bc00002320a00002a080006fa1234000170696e67", WireError.Unsupported)] // DF+MF: a fragment
    [InlineData("451000201c4640013f01532bc00002320a00002a080006fa1234000170696e67", WireError.Unsupported)] // offset 1: a fragment
    [InlineData("651000201c4640003f01532bc00002320a00002a080006fa1234000170696e67", WireError.BadVersion)]
    [InlineData("451000301c4640003f01532bc00002320a00002a080006fa1234000170696e67", WireError.Truncated)] // total length past the bytes
    public void Encapsulation_refuses_and_leaves_the_datagram_untouched(string datagram, WireError expected)
    {
        var wire = Hex.Bytes(datagram);
        var buffer = Hex.Poisoned(64);
        wire.CopyTo(buffer, 0);
        var before = Hex.Of(buffer);

        Assert.False(MinimalEncapsulation.TryEncapsulate(buffer, wire.Length, HomeAgent, TunnelExit, out int length, out var e));
        Assert.Equal(expected, e);
        Assert.Equal(0, length);
        Assert.Equal(before, Hex.Of(buffer));
    }

    [Fact]
    public void Encapsulation_needs_room_for_the_forwarding_header()
    {
        var buffer = Hex.Bytes(Original); // exactly the datagram, no room to grow
        Assert.False(MinimalEncapsulation.TryEncapsulate(buffer, buffer.Length, HomeAgent, TunnelExit, out _, out var e));
        Assert.Equal(WireError.BadLength, e);
        Assert.Equal(Original, Hex.Of(buffer));
    }

    [Theory]
    [InlineData(Original, WireError.Unsupported)] // protocol 1, not 55
    [InlineData("4510002c1c4640003f37eb090a000001c6336407018032240a00002ac0000232080006fa1234000170696e67", WireError.BadChecksum)]
    [InlineData("4510001e1c4640003f37eb090a000001c6336407018032230a00002ac0000232080006fa1234000170696e67", WireError.Truncated)] // forwarding header cut by total length
    public void Decapsulation_refuses_and_leaves_the_datagram_untouched(string datagram, WireError expected)
    {
        var buffer = Hex.Bytes(datagram);
        Assert.False(MinimalEncapsulation.TryDecapsulate(buffer, buffer.Length, ChecksumPolicy.Verify, out int length, out var e));
        Assert.Equal(expected, e);
        Assert.Equal(0, length);
        Assert.Equal(datagram, Hex.Of(buffer));
    }

    [Fact]
    public void Encapsulate_then_decapsulate_gives_back_any_datagram()
    {
        var rng = new Random(2004);
        for (int i = 0; i < 200; i++)
        {
            int payload = rng.Next(0, 100);
            var original = new byte[20 + payload];
            rng.NextBytes(original);
            original[0] = 0x45;
            original[2] = 0; original[3] = (byte)original.Length;
            original[6] &= 0x40; original[7] = 0; // DF at most: not a fragment
            var source = new Ipv4Address((uint)rng.Next());
            source.Write(original.AsSpan(12));
            original[10] = 0; original[11] = 0;
            ushort c = InternetChecksum.Compute(original.AsSpan(0, 20));
            original[10] = (byte)(c >> 8); original[11] = (byte)c;

            var buffer = new byte[original.Length + 12];
            original.CopyTo(buffer, 0);
            var encapsulator = rng.Next(2) == 0 ? source : HomeAgent;
            Assert.True(MinimalEncapsulation.TryEncapsulate(buffer, original.Length, encapsulator, TunnelExit, out int encapsulated, out _));
            Assert.True(InternetChecksum.Verify(buffer.AsSpan(0, 20)));
            Assert.True(MinimalEncapsulation.TryDecapsulate(buffer, encapsulated, ChecksumPolicy.Verify, out int restored, out _));
            Assert.Equal(Hex.Of(original), Hex.Of(buffer.AsSpan(0, restored)));
        }
    }
}
