using NetMobility.Migration;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public sealed class MemoryImageFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netmob-image-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Dump(byte[] bytes)
    {
        var path = Path.Combine(_dir, $"dump-{bytes.Length}.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Pattern(int length)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte)(i * 7 + 1);
        return b;
    }

    [Fact]
    public void A_dump_without_a_size_is_rounded_up_to_whole_pages()
    {
        var bytes = Pattern(4096 + 100);
        using var image = MemoryImage.FromFile(Dump(bytes));
        Assert.Equal(2, image.PageCount);
        Assert.Equal(Hex.Of(bytes.AsSpan(0, 4096)), Hex.Of(image.GetPage(0)));
        Assert.Equal(Hex.Of(bytes.AsSpan(4096)), Hex.Of(image.GetPage(1)[..100]));
        Assert.True(ZeroPage.IsZero(image.GetPage(1)[100..]));
        Assert.Equal(0, image.DirtyLog.CountDirty());
    }

    [Fact]
    public void A_smaller_dump_fills_the_start_and_the_rest_stays_zero()
    {
        var bytes = Pattern(3 * 4096);
        using var image = MemoryImage.FromFile(Dump(bytes), 8 * 4096);
        Assert.Equal(8, image.PageCount);
        Assert.Equal(Hex.Of(bytes.AsSpan(8192, 4096)), Hex.Of(image.GetPage(2)));
        for (int p = 3; p < 8; p++) Assert.True(ZeroPage.IsZero(image.GetPage(p)));
    }

    [Fact]
    public void A_larger_dump_is_an_error_unless_truncation_is_asked_for()
    {
        var path = Dump(Pattern(4 * 4096));
        Assert.False(MemoryImage.TryFromFile(path, 2 * 4096, truncate: false, out var image, out var error));
        Assert.Null(image);
        Assert.Contains("16384 bytes, more than the 8192-byte image", error);

        using var truncated = MemoryImage.FromFile(path, 2 * 4096, truncate: true);
        Assert.Equal(2, truncated.PageCount);
        Assert.Equal(Hex.Of(Pattern(4 * 4096).AsSpan(4096, 4096)), Hex.Of(truncated.GetPage(1)));
    }

    [Fact]
    public void A_missing_file_gives_a_one_line_error_naming_it()
    {
        var path = Path.Combine(_dir, "nope.bin");
        var ex = Assert.Throws<InvalidDataException>(() => MemoryImage.FromFile(path));
        Assert.StartsWith(path + ": cannot read the memory dump", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void An_empty_dump_without_a_size_is_an_error()
    {
        Assert.False(MemoryImage.TryFromFile(Dump([]), null, false, out _, out var error));
        Assert.EndsWith("the dump is empty and no image size was given", error);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(5000L)]
    public void A_size_that_is_not_whole_pages_is_an_error(long size)
    {
        Assert.False(MemoryImage.TryFromFile(Dump(Pattern(10)), size, false, out _, out var error));
        Assert.Contains("image", error);
    }

    [Fact]
    public void SaveToFile_and_FromFile_round_trip()
    {
        using var image = new MemoryImage(4 * 4096);
        image.GetPage(1).Fill(0x11);
        image.GetPage(3)[17] = 0x99;
        var path = Path.Combine(_dir, "saved.bin");
        image.SaveToFile(path);
        Assert.Equal(4 * 4096, new FileInfo(path).Length);
        using var back = MemoryImage.FromFile(path);
        Assert.Equal(image.ComputeDigest(), back.ComputeDigest());
    }
}
