using FsCheck;
using FsCheck.Fluent;
using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class GreTests
{
    // The payload of every vector below: an ICMP echo request 10.0.0.1 -> 192.0.2.7 carrying "ping".
    private const string InnerPacket = "45000020000100004001aed40a000001c0000207080006fa1234000170696e67";

    // Built with scapy 2.5.0 (/usr/bin/python3):
    //   GRE(proto=0x0800, chksum_present=C, key_present=K, key=0x01020304,
    //       seqnum_present=S, sequence_number=0x0a0b0c0d) / IP(src="10.0.0.1", dst="192.0.2.7", id=1, ttl=64)
    //       / ICMP(id=0x1234, seq=1) / b"ping"
    // scapy filled in the checksums.
    public static TheoryData<bool, bool, bool, string> EveryFlagCombination => new()
    {
        { false, false, false, "00000800" },
        { false, false, true, "10000800 0a0b0c0d" },
        { false, true, false, "20000800 01020304" },
        { false, true, true, "30000800 01020304 0a0b0c0d" },
        { true, false, false, "80000800 77ff0000" },
        { true, false, true, "90000800 51e70000 0a0b0c0d" },
        { true, true, false, "a0000800 53f90000 01020304" },
        { true, true, true, "b0000800 2de10000 01020304 0a0b0c0d" },
    };

    [Theory]
    [MemberData(nameof(EveryFlagCombination))]
    public void Deconstructs_every_combination_of_checksum_key_and_sequence(bool c, bool k, bool s, string header)
    {
        var wire = Hex.Bytes(header + InnerPacket);

        Assert.True(GrePacket.TryCreate(wire, ChecksumPolicy.Verify, out var p, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(c, p.ChecksumPresent);
        Assert.Equal(k, p.KeyPresent);
        Assert.Equal(s, p.SequencePresent);
        Assert.Equal(EtherType.Ipv4, p.ProtocolType);
        Assert.Equal(Hex.Bytes(header).Length, p.HeaderLength);
        Assert.Equal(k ? 0x01020304u : null, p.Key);
        Assert.Equal(s ? 0x0a0b0c0du : null, p.SequenceNumber);
        Assert.Equal(c ? (ushort?)0 : null, p.Reserved1);
        Assert.Equal(InnerPacket, Hex.Of(p.Payload));
    }

    [Theory]
    [MemberData(nameof(EveryFlagCombination))]
    public void Emits_the_scapy_bytes_and_computes_the_same_checksum(bool c, bool k, bool s, string header)
    {
        var wire = Hex.Bytes(header + InnerPacket);
        var repr = new GreHeader(EtherType.Ipv4, k ? 0x01020304u : null, s ? 0x0a0b0c0du : null, c);
        var inner = Hex.Bytes(InnerPacket);

        var buffer = Hex.Poisoned(repr.Length + inner.Length);
        inner.CopyTo(buffer.AsSpan(repr.Length));
        Assert.Equal(wire.Length, repr.EmitPacket(buffer, inner.Length, ChecksumPolicy.Compute));

        Assert.Equal(Hex.Of(wire), Hex.Of(buffer));
    }

    [Theory]
    [MemberData(nameof(EveryFlagCombination))]
    public void Parse_then_emit_gives_back_the_header(bool c, bool k, bool s, string header)
    {
        var wire = Hex.Bytes(header + InnerPacket);
        Assert.True(GreHeader.TryParse(wire, ChecksumPolicy.Verify, out var h, out int used, out _));
        Assert.Equal(h.Length, used);
        Assert.Equal((c, k, s), (h.ChecksumPresent, h.Key is not null, h.SequenceNumber is not null));

        var buffer = Hex.Poisoned(h.Length);
        Assert.Equal(used, h.Emit(buffer));
        Assert.Equal(Hex.Of(Hex.Bytes(header)), Hex.Of(buffer));
    }

    [Fact]
    public void Carries_transparent_ethernet_bridging_and_unknown_protocol_types()
    {
        // Protocol 0x6558 is what a gretap tunnel carries; 0x86dd (IPv6) is not ours but still parses.
        Assert.True(GreHeader.TryParse(Hex.Bytes("20006558 0000002a ffffffffffff"), ChecksumPolicy.Verify, out var bridged, out int used, out _));
        Assert.Equal(EtherType.TransparentEthernetBridging, bridged.ProtocolType);
        Assert.Equal(42u, bridged.Key);
        Assert.Equal(8, used);

        Assert.True(GreHeader.TryParse(Hex.Bytes("000086dd 60000000"), ChecksumPolicy.Verify, out var other, out _, out _));
        Assert.Equal((EtherType)0x86dd, other.ProtocolType);
    }

    [Theory]
    [InlineData("00010800", WireError.BadVersion)] // version 1 (PPTP enhanced GRE, RFC 2637)
    [InlineData("00070800", WireError.BadVersion)]
    [InlineData("40000800", WireError.ReservedBitSet)] // bit 1: RFC 1701 routing present
    [InlineData("08000800", WireError.ReservedBitSet)] // bit 4: RFC 1701 strict source route
    [InlineData("04000800", WireError.ReservedBitSet)] // bit 5: top bit of RFC 1701 recursion control
    public void Discards_what_rfc2784_sec_2_3_says_to_discard(string header, WireError expected)
    {
        var wire = Hex.Bytes(header + InnerPacket);
        Assert.False(GreHeader.TryParse(wire, ChecksumPolicy.Verify, out var h, out int used, out var e));
        Assert.Equal(expected, e);
        Assert.Equal(0, used);
        Assert.Equal(default, h);
    }

    [Theory]
    [InlineData("02000800")] // bit 6
    [InlineData("00080800")] // bit 12
    [InlineData("03f80800")] // bits 6-12 all set
    public void Ignores_reserved0_bits_6_to_12_on_receipt_and_sends_them_as_zero(string header)
    {
        // RFC 2784 sec 2.3: bits 6-12 "MUST be sent as zero and MUST be ignored on receipt".
        var wire = Hex.Bytes(header + InnerPacket);
        Assert.True(GreHeader.TryParse(wire, ChecksumPolicy.Verify, out var h, out int used, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(4, used);

        var buffer = Hex.Poisoned(h.Length);
        h.Emit(buffer);
        Assert.Equal("00000800", Hex.Of(buffer));
    }

    [Theory]
    [InlineData("")]
    [InlineData("000008")]
    [InlineData("80000800 77ff00")] // C set: checksum word cut short
    [InlineData("20000800 010203")] // K set: key cut short
    [InlineData("30000800 01020304 0a0b0c")] // K and S set: sequence number cut short
    public void Rejects_truncated_headers_and_consumes_nothing(string header)
    {
        Assert.False(GreHeader.TryParse(Hex.Bytes(header), ChecksumPolicy.None, out var h, out int used, out var e));
        Assert.Equal(WireError.Truncated, e);
        Assert.Equal(0, used);
        Assert.Equal(default, h);
    }

    [Fact]
    public void Checksum_is_verified_only_when_the_policy_says_so()
    {
        var wire = Hex.Bytes("b0000800 2de10000 01020304 0a0b0c0d" + InnerPacket);
        wire[^1] ^= 0x01; // one payload bit flipped

        Assert.False(GreHeader.TryParse(wire, ChecksumPolicy.Verify, out _, out int used, out var e));
        Assert.Equal(WireError.BadChecksum, e);
        Assert.Equal(0, used);

        Assert.True(GreHeader.TryParse(wire, ChecksumPolicy.None, out var h, out used, out e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(16, used);
        Assert.Equal(0x2de1, h.Checksum);
    }

    [Fact]
    public void Emit_without_compute_policy_writes_the_checksum_as_held()
    {
        var repr = new GreHeader(EtherType.Ipv4, ChecksumPresent: true, Checksum: 0xbeef);
        var buffer = Hex.Poisoned(repr.Length + 2);
        buffer[8] = 0x11; buffer[9] = 0x22;
        Assert.Equal(10, repr.EmitPacket(buffer, 2, ChecksumPolicy.None));
        Assert.Equal("80000800 beef0000 1122".Replace(" ", ""), Hex.Of(buffer));
    }

    [Fact]
    public void Emitted_packets_with_any_fields_and_payload_parse_back_with_a_valid_checksum()
    {
        Prop.ForAll(
            ArbMap.Default.ArbFor<(uint?, uint?, bool, ushort, byte[])>(),
            t =>
            {
                var (key, sequence, c, protocol, payload) = t;
                payload ??= [];
                var repr = new GreHeader((EtherType)protocol, key, sequence, c);
                var buffer = new byte[repr.Length + payload.Length];
                payload.CopyTo(buffer, repr.Length);
                int length = repr.EmitPacket(buffer, payload.Length, ChecksumPolicy.Compute);

                bool parsed = GreHeader.TryParse(buffer, ChecksumPolicy.Verify, out var back, out int used, out _);
                return length == buffer.Length && parsed && used == repr.Length
                    && back with { Checksum = 0 } == repr
                    && payload.AsSpan().SequenceEqual(buffer.AsSpan(used));
            }).QuickCheckThrowOnFailure();
    }
}
