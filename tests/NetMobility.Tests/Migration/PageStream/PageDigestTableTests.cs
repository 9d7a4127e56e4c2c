using NetMobility.Migration;
using NetMobility.Migration.PageStream;

namespace NetMobility.Tests.Migration.PageStream;

public class PageDigestTableTests
{
    private static byte[] Page(byte fill, int at = 0)
    {
        var page = new byte[MemoryImage.PageSize];
        page[at] = fill;
        return page;
    }

    [Fact]
    public void A_zero_image_has_digest_zero_and_a_zero_page_leaf_zero()
    {
        using var image = new MemoryImage(64 * MemoryImage.PageSize);
        Assert.Equal(new ImageDigest(UInt128.Zero), PageDigestTable.Compute(image));
        Assert.Equal(UInt128.Zero, PageDigestTable.Leaf(5, new byte[MemoryImage.PageSize]));
        Assert.NotEqual(UInt128.Zero, PageDigestTable.Leaf(5, Page(1)));
    }

    [Fact]
    public void The_table_follows_the_image_as_pages_change_in_any_order_and_lane()
    {
        using var image = new MemoryImage(100 * MemoryImage.PageSize);
        var table = new PageDigestTable(image.PageCount, laneCount: 3);
        var random = new Random(4);
        for (int step = 0; step < 500; step++)
        {
            int n = random.Next(image.PageCount);
            var page = image.GetPage(n);
            if (random.Next(4) == 0)
            {
                page.Clear();
                table.SetZero(n);
            }
            else
            {
                page[random.Next(page.Length)] = (byte)random.Next(1, 256);
                table.Set(n, page);
            }
        }
        Assert.Equal(PageDigestTable.Compute(image), table.Digest);
    }

    [Fact]
    public void Two_pages_that_swap_contents_change_the_digest()
    {
        var table = new PageDigestTable(8, laneCount: 2);
        table.Set(1, Page(0xAA));
        table.Set(2, Page(0xBB));
        var before = table.Digest;
        table.Set(1, Page(0xBB));
        table.Set(2, Page(0xAA));
        Assert.NotEqual(before, table.Digest);
    }

    [Fact]
    public void One_octet_changes_the_digest_and_changing_it_back_restores_it()
    {
        var table = new PageDigestTable(4, laneCount: 1);
        table.Set(3, Page(7, at: 4095));
        var digest = table.Digest;
        table.Set(3, Page(8, at: 4095));
        Assert.NotEqual(digest, table.Digest);
        table.Set(3, Page(7, at: 4095));
        Assert.Equal(digest, table.Digest);
    }
}
