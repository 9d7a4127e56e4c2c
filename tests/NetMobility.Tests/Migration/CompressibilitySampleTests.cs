using NetMobility.Migration;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public class CompressibilitySampleTests
{
    /// <summary>The plain definition: distinct values among the bytes at 0, Stride, 2 x Stride, ...</summary>
    private static int Reference(ReadOnlySpan<byte> page)
    {
        var seen = new HashSet<byte>();
        for (int i = 0; i < page.Length; i += CompressibilitySample.Stride) seen.Add(page[i]);
        return seen.Count;
    }

    [Theory]
    [InlineData(1, 256)]
    [InlineData(2, 16)]
    [InlineData(3, 2)]
    [InlineData(4, 1)]
    public void Distinct_sampled_bytes_match_the_plain_count_for_every_kind_of_page(int seed, int alphabet)
    {
        var rng = new Random(seed);
        var page = new byte[MemoryImage.PageSize];
        for (int n = 0; n < 200; n++)
        {
            for (int i = 0; i < page.Length; i++) page[i] = (byte)(rng.Next(alphabet) * (256 / alphabet) + (alphabet == 256 ? 0 : rng.Next(2)));
            Assert.Equal(Reference(page), CompressibilitySample.DistinctSampledBytes(page));
        }
    }

    [Fact]
    public void Every_sample_position_counts_including_the_last_ones()
    {
        // One distinct value at each sampled position in turn, the rest zero: 2 values whichever position it is.
        var page = new byte[MemoryImage.PageSize];
        for (int i = 0; i < page.Length; i += CompressibilitySample.Stride)
        {
            page[i] = 0xA5;
            Assert.Equal(2, CompressibilitySample.DistinctSampledBytes(page));
            page[i] = 0;
        }
        // Short spans (not a page) too: every length from 0 to four strides and a bit.
        for (int length = 0; length < 5 * CompressibilitySample.Stride; length++)
        {
            var span = new byte[length];
            for (int i = 0; i < length; i++) span[i] = (byte)i;
            Assert.Equal(Reference(span), CompressibilitySample.DistinctSampledBytes(span));
        }
    }
}
