using NetMobility.Migration.PageStream;

namespace NetMobility.Tests.Migration.PageStream;

public class Crc32CTests
{
    [Theory]
    // RFC 3720 appendix B.4 (the CRC shown there byte by byte as transmitted, least significant first).
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", 0x8A9136AAu)]
    [InlineData("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0x62A8AB43u)]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0x46DD794Eu)]
    // The CRC catalogue's check value for CRC-32C: "123456789".
    [InlineData("313233343536373839", 0xE3069283u)]
    public void Matches_published_vectors(string hex, uint expected)
    {
        Assert.Equal(expected, Crc32C.Compute(Hex.Bytes(hex)));
    }

    [Fact]
    public void Running_crc_over_pieces_equals_crc_over_the_whole()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        uint crc = Crc32C.Append(Crc32C.Seed, data.AsSpan(0, 13));
        crc = Crc32C.Append(crc, data.AsSpan(13, 500));
        crc = Crc32C.Append(crc, data.AsSpan(513));
        Assert.Equal(Crc32C.Compute(data), Crc32C.Finish(crc));
    }

    /// <summary>The bit-at-a-time definition (RFC 3720 sec 12.1, reflected polynomial 0x82F63B78).</summary>
    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ ((crc & 1) != 0 ? 0x82F63B78u : 0);
        }
        return ~crc;
    }

    [Theory]
    // Around the three-lane thresholds (3 x 256 and 3 x 8192 octets) and well past them.
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(767)]
    [InlineData(768)]
    [InlineData(775)]
    [InlineData(24575)]
    [InlineData(24576)]
    [InlineData(24583)]
    [InlineData(100_003)]
    public void Lanes_give_the_same_crc_as_the_bitwise_definition(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        Assert.Equal(Reference(data), Crc32C.Compute(data));
    }
}
