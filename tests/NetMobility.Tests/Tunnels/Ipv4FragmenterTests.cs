using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

public class Ipv4FragmenterTests
{
    // Options: loose source route (type 131, copied flag set) with one address, then record route (type 7,
    // not copied) with room for one address, then end-of-list padding: 7 + 7 + 2 = 16 bytes.
    private static readonly byte[] Options = Hex.Bytes("83 07 04 c0000205  07 07 04 00000000  00 00");

    private static byte[] Packet(int dataLength, bool moreFragments = false, ushort offset = 0)
    {
        OptionBytes.TryCreate(Options, out var options);
        var header = new Ipv4Header(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.9.0.1"), IpProtocol.Udp, dataLength,
            TimeToLive: 33, Identification: 0x4242, MoreFragments: moreFragments, FragmentOffset: offset, Dscp: 10, Options: options);
        var packet = new byte[header.BufferLength];
        header.Emit(packet);
        for (int i = 0; i < dataLength; i++) packet[header.Length + i] = (byte)(i % 251);
        return packet;
    }

    private static List<byte[]> Fragment(byte[] packet, int mtu)
    {
        Assert.True(Ipv4Packet.TryCreate(packet, ChecksumPolicy.Verify, out var view, out _));
        Assert.True(Ipv4Fragmenter.TryCreate(view, mtu, out var fragmenter));
        int count = fragmenter.Count;
        var result = new List<byte[]>();
        var buffer = Hex.Poisoned(mtu);
        while (fragmenter.TryNext(buffer, out int written)) result.Add(buffer[..written]);
        Assert.Equal(count, result.Count);
        return result;
    }

    [Fact]
    public void Fragments_carry_all_options_first_and_only_copied_ones_after()
    {
        var packet = Packet(200);
        var fragments = Fragment(packet, 100);
        // First: 36-byte header, 64 bytes of data (100 - 36 rounded down to 8). Later: 28-byte header, 72 bytes.
        Assert.Equal([100, 100, 92], fragments.Select(f => f.Length));
        var data = new List<byte>();
        for (int i = 0; i < fragments.Count; i++)
        {
            Assert.True(Ipv4Packet.TryCreate(fragments[i], ChecksumPolicy.Verify, out var f, out _));
            Assert.Equal(i == 0 ? Hex.Of(Options) : "830704c0000205" + "00", Hex.Of(f.Options));
            Assert.Equal(0x4242, f.Identification);
            Assert.Equal(33, f.TimeToLive);
            Assert.Equal(10, f.Dscp);
            Assert.Equal(IpProtocol.Udp, f.Protocol);
            Assert.Equal(i < fragments.Count - 1, f.MoreFragments);
            Assert.False(f.DontFragment);
            Assert.Equal(data.Count / 8, f.FragmentOffset);
            data.AddRange(f.Payload.ToArray());
        }
        Assert.Equal(Hex.Of(packet.AsSpan(36)), Hex.Of(data.ToArray()));
    }

    [Fact]
    public void A_fragment_is_cut_further_keeping_its_offset_and_more_fragments_flag()
    {
        var fragments = Fragment(Packet(160, moreFragments: true, offset: 100), 120);
        Assert.True(Ipv4Packet.TryCreate(fragments[^1], ChecksumPolicy.Verify, out var last, out _));
        Assert.True(last.MoreFragments);
        Assert.True(Ipv4Packet.TryCreate(fragments[0], ChecksumPolicy.Verify, out var first, out _));
        Assert.Equal(100, first.FragmentOffset);
    }

    [Fact]
    public void Refuses_df_packets_empty_packets_and_an_mtu_without_room_for_data()
    {
        var df = TestPackets.Echo(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2"), 0, 100, dontFragment: true);
        Assert.True(Ipv4Packet.TryCreate(df, ChecksumPolicy.Verify, out var dfView, out _));
        Assert.False(Ipv4Fragmenter.TryCreate(dfView, 68, out _));

        var bare = new byte[20];
        new Ipv4Header(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2"), IpProtocol.Udp, 0).Emit(bare);
        Assert.True(Ipv4Packet.TryCreate(bare, ChecksumPolicy.Verify, out var bareView, out _));
        Assert.False(Ipv4Fragmenter.TryCreate(bareView, 68, out _));

        Assert.True(Ipv4Packet.TryCreate(Packet(100), ChecksumPolicy.Verify, out var withOptions, out _));
        Assert.False(Ipv4Fragmenter.TryCreate(withOptions, 43, out _));
        Assert.True(Ipv4Fragmenter.TryCreate(withOptions, 44, out _));
    }
}
