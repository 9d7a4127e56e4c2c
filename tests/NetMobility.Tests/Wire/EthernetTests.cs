using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class EthernetTests
{
    // An ARP request frame header: broadcast destination, EtherType 0x0806.
    private static readonly byte[] Untagged = Hex.Bytes("ffffffffffff 020000000001 0806 0001");
    // The same with an 802.1Q tag: PCP 5, VID 100.
    private static readonly byte[] Tagged = Hex.Bytes("ffffffffffff 020000000001 8100 a064 0806 0001");

    [Fact]
    public void Deconstructs_an_untagged_frame()
    {
        Assert.True(EthernetFrame.TryCreate(Untagged, out var f, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(MacAddress.Broadcast, f.Destination);
        Assert.Equal("02:00:00:00:00:01", f.Source.ToString());
        Assert.Equal(EtherType.Arp, f.EtherType);
        Assert.Null(f.VlanId);
        Assert.Equal(14, f.HeaderLength);
        Assert.Equal(new byte[] { 0, 1 }, f.Payload.ToArray());
    }

    [Fact]
    public void Deconstructs_a_tagged_frame()
    {
        Assert.True(EthernetHeader.TryParse(Tagged, out var h, out int used, out _));
        Assert.Equal(18, used);
        Assert.Equal((ushort)100, h.VlanId);
        Assert.Equal(5, h.Priority);
        Assert.Equal(EtherType.Arp, h.EtherType);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Emits_exactly_the_parsed_bytes(bool tagged)
    {
        var wire = tagged ? Tagged : Untagged;
        Assert.True(EthernetHeader.TryParse(wire, out var h, out int used, out _));
        var buffer = Hex.Poisoned(h.Length);
        Assert.Equal(used, h.Emit(buffer));
        Assert.Equal(Hex.Of(wire.AsSpan(0, used)), Hex.Of(buffer));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ffffffffffff020000000001 08")]
    [InlineData("ffffffffffff020000000001 8100 a064 08")]
    public void Rejects_truncated_frames_and_consumes_nothing(string hex)
    {
        Assert.False(EthernetHeader.TryParse(Hex.Bytes(hex), out var h, out int used, out var e));
        Assert.Equal(WireError.Truncated, e);
        Assert.Equal(0, used);
        Assert.Equal(default, h);
    }

    [Theory]
    [InlineData("aa:bb:cc:dd:ee:ff", 0xaabbccddeeffUL)]
    [InlineData("02-00-00-00-00-01", 0x020000000001UL)]
    public void Mac_addresses_parse_from_text(string text, ulong value)
    {
        Assert.True(MacAddress.TryParse(text, out var mac));
        Assert.Equal(value, mac.Value);
    }

    [Theory]
    [InlineData("aa:bb:cc:dd:ee")]
    [InlineData("aa:bb:cc:dd:ee:fg")]
    [InlineData("aabbccddeeff00000")]
    public void Mac_addresses_reject_bad_text(string text) => Assert.False(MacAddress.TryParse(text, out _));
}
