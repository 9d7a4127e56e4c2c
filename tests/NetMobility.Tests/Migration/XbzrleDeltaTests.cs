using NetMobility.Migration;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public class XbzrleDeltaTests
{
    private const int PageSize = MemoryImage.PageSize;

    // The format of QEMU's docs/devel/migration/xbzrle.rst: (zero run ULEB128, non-zero run ULEB128, new bytes)*,
    // runs measured on old XOR new, an unchanged tail not encoded.
    [Theory]
    [InlineData(10, "010203", "0a 03 010203")]                 // one short change inside the page
    [InlineData(0, "ff", "00 01 ff")]                            // a change at offset 0: empty first zero run
    [InlineData(200, "aabb", "c801 02 aabb")]                    // offset 200 needs a two-byte ULEB128 (0xc8 0x01)
    [InlineData(4094, "0102", "fe1f 02 0102")]                   // the last two bytes: 4094 = 0x1ffe
    public void Encodes_single_changes_to_the_documented_bytes(int offset, string changeHex, string expectedHex)
    {
        var previous = new byte[PageSize];
        var current = new byte[PageSize];
        Hex.Bytes(changeHex).CopyTo(current, offset);
        var destination = Hex.Poisoned(PageSize);
        int n = XbzrleDelta.Encode(previous, current, destination, PageSize);
        Assert.Equal(expectedHex.Replace(" ", ""), Hex.Of(destination.AsSpan(0, n)));

        Assert.True(XbzrleDelta.TryApply(destination.AsSpan(0, n), previous, out var error), error);
        Assert.Equal(current, previous);
    }

    [Fact]
    public void Short_unchanged_stretches_stay_inside_the_literal_and_long_ones_split_it()
    {
        var previous = new byte[PageSize];
        var current = new byte[PageSize];
        // Changed at 0,1 then 2 equal bytes then changed at 4: one literal of 5 bytes (splitting would cost 2 length bytes).
        current[0] = 1; current[1] = 2; current[4] = 5;
        // Changed at 100, then 3 equal bytes, changed at 104: split in two.
        current[100] = 7; current[104] = 8;
        var destination = new byte[PageSize];
        int n = XbzrleDelta.Encode(previous, current, destination, PageSize);
        Assert.Equal("00 05 0102000005  5f 01 07  03 01 08".Replace(" ", ""), Hex.Of(destination.AsSpan(0, n)));
    }

    [Fact]
    public void Equal_pages_encode_to_nothing_and_an_empty_delta_changes_nothing()
    {
        var page = TestPages.Text(1);
        Assert.Equal(0, XbzrleDelta.Encode(page, page, new byte[PageSize], PageSize));
        var copy = (byte[])page.Clone();
        Assert.True(XbzrleDelta.TryApply([], copy, out _));
        Assert.Equal(page, copy);
    }

    [Fact]
    public void Gives_up_past_the_limit()
    {
        var previous = TestPages.Random(1);
        var current = TestPages.Random(2);
        Assert.Equal(-1, XbzrleDelta.Encode(previous, current, new byte[PageSize], PageSize / 2));
        var small = (byte[])previous.Clone();
        small[10] ^= 1;
        Assert.Equal(-1, XbzrleDelta.Encode(previous, small, new byte[PageSize], 2));
        Assert.Equal(3, XbzrleDelta.Encode(previous, small, new byte[PageSize], 3));
    }

    [Theory]
    [InlineData("0a", "unchanged run at page offset 0 has no changed run after it")]
    [InlineData("0a 03 0102", "changed run of 3 bytes is truncated after 2")]
    [InlineData("0a 00", "empty changed run")]
    [InlineData("00 01 ff 00 01 ee", "empty unchanged run at page offset 1")]
    [InlineData("80", "truncated run length")]
    [InlineData("8080 01", "run length longer than two bytes")]
    [InlineData("ff1f 02 0102", "runs reach past the page end")]     // 4095 + 2 > 4096
    [InlineData("00 8120 ff", "runs reach past the page end")]        // a changed run of 4097
    public void Bad_deltas_are_refused_and_leave_the_page_untouched(string payloadHex, string reason)
    {
        var page = TestPages.Heap(3);
        var before = (byte[])page.Clone();
        Assert.False(XbzrleDelta.TryApply(Hex.Bytes(payloadHex), page, out var error));
        Assert.Contains(reason, error);
        Assert.Equal(before, page);
        Assert.False(PageDecoder.TryDecode(PageEncoding.Delta, Hex.Bytes(payloadHex), page, out _));
        Assert.Equal(before, page);
    }
}
