using NetMobility.Migration;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public class PageCodecTests
{
    private const int PageSize = MemoryImage.PageSize;

    private static byte[] Ramp()
    {
        var page = new byte[PageSize];
        for (int i = 0; i < PageSize; i++) page[i] = (byte)(i ^ (i >> 8));
        return page;
    }

    [Fact]
    public void A_zero_page_is_sent_as_Zero_with_no_payload()
    {
        var encoder = new PageEncoder(new PageEncoderOptions());
        var dest = Hex.Poisoned(PageEncoder.MaxEncodedLength);
        Assert.Equal(PageEncoding.Zero, encoder.Encode(0, new byte[PageSize], dest, out int written));
        Assert.Equal(0, written);
        Assert.Equal(1, encoder.Stats.Pages(PageEncoding.Zero));

        var page = Ramp();
        Assert.True(PageDecoder.TryDecode(PageEncoding.Zero, dest.AsSpan(0, written), page, out var error), error);
        Assert.True(ZeroPage.IsZero(page));
    }

    [Fact]
    public void Uncompressed_options_send_a_page_raw_and_it_round_trips()
    {
        var encoder = new PageEncoder(PageEncoderOptions.Uncompressed);
        var source = Ramp();
        var dest = Hex.Poisoned(PageEncoder.MaxEncodedLength);
        Assert.Equal(PageEncoding.Raw, encoder.Encode(7, source, dest, out int written));
        Assert.Equal(PageSize, written);
        Assert.Equal(0xA5, dest[PageSize]);

        var page = Hex.Poisoned(PageSize);
        Assert.True(PageDecoder.TryDecode(PageEncoding.Raw, dest.AsSpan(0, written), page, out var error), error);
        Assert.Equal(source, page);
        Assert.Equal(PageSize, encoder.Stats.Bytes(PageEncoding.Raw));
        Assert.Equal(1.0, encoder.Stats.Ratio);
    }

    [Fact]
    public void Without_Zero_allowed_a_zero_page_goes_raw()
    {
        var encoder = new PageEncoder(new PageEncoderOptions { AllowedEncodings = [PageEncoding.Raw] });
        var dest = new byte[PageEncoder.MaxEncodedLength];
        Assert.Equal(PageEncoding.Raw, encoder.Encode(0, new byte[PageSize], dest, out int written));
        Assert.Equal(PageSize, written);
    }

    [Fact]
    public void Unchanged_leaves_the_page_as_it_was()
    {
        var page = Ramp();
        Assert.True(PageDecoder.TryDecode(PageEncoding.Unchanged, [], page, out var error), error);
        Assert.Equal(Ramp(), page);
    }

    [Theory]
    [InlineData(PageEncoding.Raw, 4095)]
    [InlineData(PageEncoding.Raw, 4097)]
    [InlineData(PageEncoding.Raw, 0)]
    [InlineData(PageEncoding.Zero, 1)]
    [InlineData(PageEncoding.Unchanged, 1)]
    [InlineData((PageEncoding)7, 0)]
    [InlineData((PageEncoding)255, 10)]
    public void Bad_payloads_are_refused_and_leave_the_page_untouched(PageEncoding encoding, int payloadLength)
    {
        var page = Ramp();
        Assert.False(PageDecoder.TryDecode(encoding, new byte[payloadLength], page, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.DoesNotContain('\n', error);
        Assert.Equal(Ramp(), page);
    }

    [Fact]
    public void Encode_refuses_a_short_destination()
    {
        var encoder = new PageEncoder(new PageEncoderOptions());
        Assert.Throws<ArgumentException>(() => encoder.Encode(0, new byte[PageSize], new byte[PageSize], out _));
    }
}

public class ZeroPageTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(4095)]
    public void A_single_non_zero_byte_anywhere_is_found(int at)
    {
        var page = new byte[MemoryImage.PageSize];
        Assert.True(ZeroPage.IsZero(page));
        page[at] = 0x80;
        Assert.False(ZeroPage.IsZero(page));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    public void Lengths_that_are_not_whole_blocks_are_scanned_too(int length)
    {
        var bytes = new byte[length + 1];
        Assert.True(ZeroPage.IsZero(bytes.AsSpan(0, length)));
        bytes[length] = 1;
        Assert.False(ZeroPage.IsZero(bytes));
    }
}
