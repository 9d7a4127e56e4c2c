using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class UdpTests
{
    private static readonly Ipv4Address Source = Ipv4Address.Parse("192.0.2.1");
    private static readonly Ipv4Address Destination = Ipv4Address.Parse("198.51.100.7");

    // Reference bytes from scapy 2.5 (/usr/bin/python3): the UDP part of
    // IP(src='192.0.2.1', dst='198.51.100.7', id=0x1234, ttl=64)/UDP(sport=434, dport=434)/b'hello'
    private static readonly byte[] Hello = Hex.Bytes("01b2 01b2 000d cc61 68656c6c6f");

    // IP(src='10.0.0.1', dst='10.0.0.2')/UDP(sport=1000, dport=2000)/b'\xe0\x1f': the payload makes the computed
    // checksum zero, which scapy sends as 0xffff; tshark 4.0 with udp.check_checksum reports it good.
    private static readonly byte[] ComputedZero = Hex.Bytes("03e8 07d0 000a ffff e01f");
    private static readonly Ipv4Address ZeroSource = Ipv4Address.Parse("10.0.0.1");
    private static readonly Ipv4Address ZeroDestination = Ipv4Address.Parse("10.0.0.2");

    [Fact]
    public void Deconstructs_a_datagram()
    {
        Assert.True(UdpDatagram.TryCreate(Hello, Source, Destination, ChecksumPolicy.Verify, out var d, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(434, d.SourcePort);
        Assert.Equal(434, d.DestinationPort);
        Assert.Equal(13, d.Length);
        Assert.Equal(0xcc61, d.Checksum);
        Assert.True(d.HasChecksum);
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(d.Payload));
    }

    [Fact]
    public void Constructs_a_datagram_into_a_poisoned_buffer()
    {
        var h = new UdpHeader(434, 434, 5);
        var buffer = Hex.Poisoned(h.BufferLength + 1);
        "hello"u8.CopyTo(buffer.AsSpan(h.Length));
        Assert.Equal(8, h.Emit(buffer, Source, Destination));
        Assert.Equal(Hex.Of(Hello) + "a5", Hex.Of(buffer));
    }

    [Fact]
    public void Sends_a_computed_zero_as_all_ones()
    {
        var h = new UdpHeader(1000, 2000, 2);
        var buffer = Hex.Poisoned(h.BufferLength);
        buffer[8] = 0xe0;
        buffer[9] = 0x1f;
        h.Emit(buffer, ZeroSource, ZeroDestination);
        Assert.Equal(Hex.Of(ComputedZero), Hex.Of(buffer));
        Assert.True(UdpDatagram.TryCreate(buffer, ZeroSource, ZeroDestination, ChecksumPolicy.Verify, out _, out var e), e.Describe());
    }

    [Fact]
    public void Emits_a_zero_checksum_when_none_is_wanted()
    {
        var buffer = Hex.Poisoned(13);
        "hello"u8.CopyTo(buffer.AsSpan(8));
        new UdpHeader(434, 434, 5).Emit(buffer);
        Assert.Equal("01b201b2000d0000", Hex.Of(buffer.AsSpan(0, 8)));
        new UdpHeader(434, 434, 5).Emit(buffer, Source, Destination, ChecksumPolicy.None);
        Assert.Equal("01b201b2000d0000", Hex.Of(buffer.AsSpan(0, 8)));
    }

    [Fact]
    public void Accepts_a_zero_checksum_as_none_even_when_verifying()
    {
        var wire = (byte[])Hello.Clone();
        wire[6] = 0;
        wire[7] = 0;
        Assert.True(UdpDatagram.TryCreate(wire, Source, Destination, ChecksumPolicy.Verify, out var d, out var e));
        Assert.Equal(WireError.None, e);
        Assert.False(d.HasChecksum);
    }

    [Fact]
    public void Rejects_a_bad_checksum_only_when_verifying()
    {
        var wire = (byte[])Hello.Clone();
        wire[^1] ^= 0x20;
        Assert.False(UdpHeader.TryParse(wire, Source, Destination, ChecksumPolicy.Verify, out var h, out int used, out var e));
        Assert.Equal(WireError.BadChecksum, e);
        Assert.Equal(0, used);
        Assert.Equal(default, h);
        Assert.True(UdpHeader.TryParse(wire, Source, Destination, ChecksumPolicy.None, out _, out used, out _));
        Assert.Equal(8, used);
        // The pseudo-header counts: the right bytes from another source do not verify.
        Assert.False(UdpHeader.TryParse(Hello, ZeroSource, Destination, ChecksumPolicy.Verify, out _, out _, out e));
        Assert.Equal(WireError.BadChecksum, e);
    }

    [Fact]
    public void Parses_and_emits_the_same_header()
    {
        Assert.True(UdpHeader.TryParse(Hello, Source, Destination, ChecksumPolicy.Verify, out var h, out int used, out _));
        Assert.Equal(new UdpHeader(434, 434, 5), h);
        Assert.Equal(8, used);
        var buffer = Hex.Poisoned(h.BufferLength);
        Hello.AsSpan(used).CopyTo(buffer.AsSpan(used));
        Assert.Equal(used, h.Emit(buffer, Source, Destination, ChecksumPolicy.Compute));
        Assert.Equal(Hex.Of(Hello), Hex.Of(buffer));
    }

    [Fact]
    public void Random_datagrams_round_trip()
    {
        var rng = new Random(768);
        for (int i = 0; i < 300; i++)
        {
            var source = new Ipv4Address((uint)rng.Next());
            var destination = new Ipv4Address((uint)rng.Next());
            var h = new UdpHeader((ushort)rng.Next(65536), (ushort)rng.Next(65536), rng.Next(0, 200));
            var buffer = new byte[h.BufferLength];
            rng.NextBytes(buffer.AsSpan(8));
            h.Emit(buffer, source, destination);
            Assert.True(UdpHeader.TryParse(buffer, source, destination, ChecksumPolicy.Verify, out var parsed, out _, out var e), e.Describe());
            Assert.Equal(h, parsed);
            Assert.NotEqual(0, buffer[6] | buffer[7]);
        }
    }

    [Fact]
    public void Ignores_bytes_past_the_length_field()
    {
        var padded = new byte[Hello.Length + 5];
        Hello.CopyTo(padded, 0);
        Assert.True(UdpDatagram.TryCreate(padded, Source, Destination, ChecksumPolicy.Verify, out var d, out _));
        Assert.Equal(13, d.Buffer.Length);
        Assert.Equal(5, d.Payload.Length);
    }

    [Fact]
    public void Rejects_every_truncation_and_consumes_nothing()
    {
        for (int length = 0; length < Hello.Length; length++)
        {
            Assert.False(UdpHeader.TryParse(Hello.AsSpan(0, length), out var h, out int used, out var e));
            Assert.Equal(WireError.Truncated, e);
            Assert.Equal(0, used);
            Assert.Equal(default, h);
        }
    }

    [Theory]
    [InlineData("01b2 01b2 0007 0000 68656c6c6f")]
    [InlineData("01b2 01b2 0000 0000")]
    public void Rejects_a_length_shorter_than_the_header(string hex)
    {
        Assert.False(UdpHeader.TryParse(Hex.Bytes(hex), out _, out int used, out var e));
        Assert.Equal(WireError.BadLength, e);
        Assert.Equal(0, used);
    }
}
