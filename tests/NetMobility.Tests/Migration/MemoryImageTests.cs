using NetMobility.Migration.Workloads;
using NetMobility.Migration.Content;
using NetMobility.Migration;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public class MemoryImageTests
{
    [Fact]
    public void A_new_image_is_zero_filled_and_clean()
    {
        using var image = new MemoryImage(64 * MemoryImage.PageSize);
        Assert.Equal(64, image.PageCount);
        Assert.Equal(64L * 4096, image.MemoryBytes);
        for (int p = 0; p < image.PageCount; p++) Assert.True(ZeroPage.IsZero(image.GetPage(p)), $"page {p}");
        Assert.Equal(0, image.DirtyLog.CountDirty());
    }

    [Fact]
    public void Write_changes_the_bytes_and_marks_only_that_page()
    {
        using var image = new MemoryImage(8 * MemoryImage.PageSize);
        image.Write(5, 4090, [1, 2, 3, 4, 5, 6]);
        Assert.Equal("010203040506", Hex.Of(image.GetPage(5)[4090..]));
        Assert.True(image.DirtyLog.IsDirty(5));
        Assert.Equal(1, image.DirtyLog.CountDirty());
    }

    [Fact]
    public void GetPage_writes_mark_nothing()
    {
        using var image = new MemoryImage(8 * MemoryImage.PageSize);
        image.GetPage(3).Fill(0x42);
        Assert.Equal(0, image.DirtyLog.CountDirty());
        Assert.Equal(0x42, image.GetPage(3)[4095]);
        Assert.Equal(0, image.GetPage(4)[0]);
    }

    [Theory]
    [InlineData(0, 4097)]
    [InlineData(4096, 1)]
    [InlineData(-1, 1)]
    public void A_write_past_the_page_end_is_refused_and_changes_nothing(int offset, int length)
    {
        using var image = new MemoryImage(2 * MemoryImage.PageSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Write(1, offset, new byte[length]));
        Assert.Equal(0, image.DirtyLog.CountDirty());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4096)]
    [InlineData(4095)]
    [InlineData(4096 + 1)]
    public void Sizes_that_are_not_whole_pages_are_refused(long bytes) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryImage(bytes));

    [Fact]
    public void Pages_outside_the_image_are_refused()
    {
        using var image = new MemoryImage(2 * MemoryImage.PageSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.GetPage(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.GetPage(-1));
    }

    [Fact]
    public void Digest_is_sha256_of_the_bytes_in_page_order()
    {
        using var image = new MemoryImage(3 * MemoryImage.PageSize);
        image.GetPage(0)[0] = 1;
        image.GetPage(2)[4095] = 2;
        var flat = new byte[3 * 4096];
        flat[0] = 1;
        flat[^1] = 2;
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(flat), image.ComputeDigest());
    }

    [Fact]
    public void A_multi_gigabyte_image_costs_only_the_pages_touched()
    {
        // 4 GiB of lazily mapped zero pages: touching two pages must work without committing the rest.
        using var image = new MemoryImage(4L << 30);
        Assert.Equal(1 << 20, image.PageCount);
        image.Write(image.PageCount - 1, 0, [7]);
        Assert.Equal(7, image.GetPage(image.PageCount - 1)[0]);
        Assert.True(ZeroPage.IsZero(image.GetPage(image.PageCount / 2)));
    }

    [Fact]
    public void A_disposed_image_refuses_access()
    {
        var image = new MemoryImage(MemoryImage.PageSize);
        image.Dispose();
        Assert.Throws<ObjectDisposedException>(() => image.GetPage(0));
        Assert.Throws<ObjectDisposedException>(() => image.ComputeDigest());
    }

    [Fact]
    public void A_large_image_seeded_and_worked_on_costs_only_what_is_touched()
    {
        using var image = new MemoryImage(16L << 30);
        RealisticContent.Fill(image, 5, ContentProfile.Typical);
        var workload = new WebServerWorkload(5);
        workload.Advance(image, TimeSpan.FromMilliseconds(100));
        Span<byte> scratch = stackalloc byte[MemoryImage.PageSize];
        for (int p = 0; p < image.PageCount; p += 4096) image.ReadPage(p, scratch); // read as an encoder reads: nothing kept

        Assert.True(image.PagesMade > 1000, $"{image.PagesMade} pages made");
        // The pages made for small updates, and eight bytes of recipe a page: tens of MiB for 16 GiB.
        long budget = image.PageCount * 8L + (image.PagesMade + 1024) * MemoryImage.PageSize;
        Assert.True(image.ResidentBytes < budget, $"{image.ResidentBytes >> 20} MiB resident, budget {budget >> 20} MiB");
    }
}
