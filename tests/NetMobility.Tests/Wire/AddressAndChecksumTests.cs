using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class AddressAndChecksumTests
{
    [Theory]
    [InlineData("10.0.0.1", 0x0A000001u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    [InlineData("0.0.0.0", 0u)]
    public void Ipv4_addresses_round_trip_through_text(string text, uint value)
    {
        Assert.True(Ipv4Address.TryParse(text, out var a));
        Assert.Equal(value, a.Value);
        Assert.Equal(text, a.ToString());
    }

    [Theory]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.256")]
    [InlineData("10.0.0.1.2")]
    [InlineData("10..0.1")]
    [InlineData("a.b.c.d")]
    public void Ipv4_addresses_reject_bad_text(string text) => Assert.False(Ipv4Address.TryParse(text, out _));

    [Fact]
    public void Checksum_matches_the_rfc1071_example()
    {
        // RFC 1071 sec 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's complement sum).
        var data = Hex.Bytes("0001 f203 f4f5 f6f7");
        Assert.Equal(0xddf2, InternetChecksum.Fold(InternetChecksum.Accumulate(0, data)));
        Assert.Equal(0x220d, InternetChecksum.Compute(data));
    }

    [Fact]
    public void Checksum_verifies_a_real_ipv4_header()
    {
        // A well-known example header (checksum b861).
        var header = Hex.Bytes("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");
        Assert.True(InternetChecksum.Verify(header));
        header[10] = 0; header[11] = 0;
        Assert.Equal(0xb861, InternetChecksum.Compute(header));
    }

    [Fact]
    public void Incremental_update_equals_recomputation()
    {
        var rng = new Random(7);
        for (int i = 0; i < 1000; i++)
        {
            var data = new byte[20 + 2 * rng.Next(0, 20)];
            rng.NextBytes(data);
            data[10] = 0; data[11] = 0;
            ushort c = InternetChecksum.Compute(data);
            int word = 2 * rng.Next(0, data.Length / 2);
            if (word == 10) continue;
            ushort old = (ushort)(data[word] << 8 | data[word + 1]);
            ushort neu = (ushort)rng.Next(0, 65536);
            data[word] = (byte)(neu >> 8); data[word + 1] = (byte)neu;
            Assert.Equal(InternetChecksum.Compute(data), InternetChecksum.Update(c, old, neu));
        }
    }

    [Fact]
    public void Vectorised_sum_equals_the_word_by_word_definition_for_every_length_and_offset()
    {
        var rng = new Random(11);
        var data = new byte[3000];
        rng.NextBytes(data);
        for (int length = 0; length < 1600; length += length < 200 ? 1 : 37)
            for (int offset = 0; offset < 4; offset++)
            {
                var span = data.AsSpan(offset, length);
                ulong start = (ulong)rng.Next();
                Assert.Equal(Reference(start, span), InternetChecksum.Fold(InternetChecksum.Accumulate(start, span)));
            }
        // All 0xFF: the case where carries pile up fastest.
        var ones = Enumerable.Repeat((byte)0xFF, 65535).ToArray();
        Assert.Equal(Reference(0, ones), InternetChecksum.Fold(InternetChecksum.Accumulate(0, ones)));
    }

    /// <summary>RFC 1071 sec 4.1 as written: 16-bit big-endian words, end-around carry on every add.</summary>
    private static ushort Reference(ulong start, ReadOnlySpan<byte> data)
    {
        uint sum = InternetChecksum.Fold(start);
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8 | (i + 1 < data.Length ? data[i + 1] : 0));
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)sum;
    }
}
