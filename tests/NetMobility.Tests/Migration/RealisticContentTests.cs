using NetMobility.MemGen;
using NetMobility.Migration;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public class RealisticContentTests
{
    private const int Pages = 8192;

    [Fact]
    public void The_same_seed_gives_the_same_image_and_nothing_is_marked_dirty()
    {
        using var a = new MemoryImage(Pages * 4096L);
        using var b = new MemoryImage(Pages * 4096L);
        using var c = new MemoryImage(Pages * 4096L);
        RealisticContent.Fill(a, 3, ContentProfile.Typical);
        RealisticContent.Fill(b, 3, ContentProfile.Typical);
        RealisticContent.Fill(c, 4, ContentProfile.Typical);
        Assert.Equal(a.ComputeDigest(), b.ComputeDigest());
        Assert.NotEqual(a.ComputeDigest(), c.ComputeDigest());
        Assert.Equal(0, a.DirtyLog.CountDirty());
    }

    [Theory]
    [InlineData("typical")]
    [InlineData("fresh-boot")]
    [InlineData("dense")]
    public void Page_kinds_come_in_the_profile_shares(string name)
    {
        Assert.True(ContentProfile.TryFind(name, out var profile));
        using var image = new MemoryImage(Pages * 4096L);
        RealisticContent.Fill(image, 11, profile);
        int zero = 0, random = 0;
        for (int p = 0; p < Pages; p++)
        {
            var page = image.GetPage(p);
            if (ZeroPage.IsZero(page)) zero++;
            else if (CompressibilitySample.LooksIncompressible(page)) random++;
        }
        // Runs of 16 pages on average: about 500 runs, so shares land within a few points of the profile.
        Assert.InRange(zero / (double)Pages, profile.Zero / profile.Total - 0.07, profile.Zero / profile.Total + 0.07);
        Assert.InRange(random / (double)Pages, profile.Random / profile.Total - 0.07, profile.Random / profile.Total + 0.07);
    }

    [Fact]
    public void Unknown_profiles_and_bad_weights_are_refused()
    {
        Assert.False(ContentProfile.TryFind("nonsense", out _));
        using var image = new MemoryImage(4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => RealisticContent.Fill(image, 1, new ContentProfile("bad", -1, 1, 1, 1, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RealisticContent.Fill(image, 1, new ContentProfile("empty", 0, 0, 0, 0, 0)));
    }

    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("64K", 65536L)]
    [InlineData("256M", 268435456L)]
    [InlineData("1G", 1073741824L)]
    [InlineData("2GiB", 2147483648L)]
    [InlineData("8MB", 8388608L)]
    public void Sizes_parse_with_binary_suffixes(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out long parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-4096")]
    [InlineData("1.5G")]
    [InlineData("G")]
    [InlineData("99999999999T")]
    public void Bad_sizes_are_refused(string text) => Assert.False(ByteSize.TryParse(text, out _));
}
