using FsCheck;
using FsCheck.Fluent;
using NetMobility.Capture;

namespace NetMobility.Tests.Capture;

public class PcapngRoundTripTests
{
    private static CaptureReader Reopen(MemoryStream stream)
    {
        stream.Position = 0;
        return CaptureReader.Open(stream, "mem.pcapng");
    }

    [Fact]
    public void Writer_emits_the_blocks_of_the_draft_byte_for_byte()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapngWriter(stream, leaveOpen: true))
        {
            Assert.Equal(0, writer.AddInterface(LinkType.RawIpv4, 65535, resolution: TimestampResolution.Microseconds));
            Assert.Equal(1, writer.AddInterface(LinkType.Ethernet, 1500, "eth0"));
            writer.Write(0, 1_700_000_000_123_456_000L, TestFrames.Ipv4EchoRequest);
            writer.Write(1, 1_700_000_000_123_456_789L, TestFrames.ArpRequest.AsSpan(0, 41), 42);
        }
        var expected =
            // SHB (sec 4.1): byte-order magic, 1.0, section length -1, no options.
            "0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000"
            // IDB (sec 4.2): link type 228, snaplen 65535, microseconds: no if_tsresol needed.
            + "01000000 14000000 e400 0000 ffff0000 14000000"
            // IDB: Ethernet, snaplen 1500, if_name "eth0", if_tsresol 9, opt_endofopt.
            + "01000000 28000000 0100 0000 dc050000 0200 0400 65746830 0900 0100 09000000 00000000 28000000"
            // EPB (sec 4.3): interface 0, 1700000000123456 us = 0x00060a24_18202240, 32 of 32 bytes.
            + "06000000 40000000 00000000 240a0600 40222018 20000000 20000000" + Hex.Of(TestFrames.Ipv4EchoRequest) + "40000000"
            // EPB: interface 1, 1700000000123456789 ns = 0x17979cfe_3d85cd15, 41 of 42 bytes, 3 bytes padding.
            + "06000000 4c000000 01000000 fe9c9717 15cd853d 29000000 2a000000" + Hex.Of(TestFrames.ArpRequest.AsSpan(0, 41)) + "000000 4c000000";
        Assert.Equal(Hex.Of(Hex.Bytes(expected)), Hex.Of(stream.ToArray()));
    }

    [Fact]
    public void Several_interfaces_keep_their_link_types_resolutions_and_names()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapngWriter(stream, "netmob tests", leaveOpen: true))
        {
            int eth = writer.AddInterface(LinkType.Ethernet, name: "home0");
            int tun = writer.AddInterface(LinkType.RawIpv4, 128, "gre1", TimestampResolution.Microseconds);
            int slow = writer.AddInterface(LinkType.Ethernet, resolution: TimestampResolution.PowerOfTwo(10));
            writer.Write(eth, 1_700_000_000_000_000_001L, TestFrames.GratuitousArp);
            writer.Write(tun, 1_700_000_000_000_001_999L, TestFrames.Ipv4Udp);
            writer.Write(slow, 1_700_000_000_500_000_000L, TestFrames.ArpReply);
            writer.Write(eth, 1_700_000_002_000_000_000L, TestFrames.ArpRequest);
            Assert.Equal(4, writer.RecordsWritten);
            Assert.Equal(3, writer.Interfaces.Count);
        }
        using var reader = Reopen(stream);
        var expected = new (int Interface, LinkType Link, long Nanoseconds, byte[] Data)[]
        {
            (0, LinkType.Ethernet, 1_700_000_000_000_000_001L, TestFrames.GratuitousArp),
            (1, LinkType.RawIpv4, 1_700_000_000_000_001_000L, TestFrames.Ipv4Udp), // cut to the microsecond
            (2, LinkType.Ethernet, 1_700_000_000_500_000_000L, TestFrames.ArpReply), // 512/1024 s exactly
            (0, LinkType.Ethernet, 1_700_000_002_000_000_000L, TestFrames.ArpRequest),
        };
        foreach (var e in expected)
        {
            Assert.True(reader.Read(out var r));
            Assert.Equal((e.Interface, e.Link, e.Nanoseconds), (r.InterfaceIndex, r.LinkType, r.TimestampNanoseconds));
            Assert.Equal(Hex.Of(e.Data), Hex.Of(r.Data.Span));
        }
        Assert.False(reader.Read(out _));
        Assert.Equal(
            [
                new CaptureInterface(LinkType.Ethernet, (uint)PcapngWriter.DefaultSnapLength, TimestampResolution.Nanoseconds, 0, "home0"),
                new CaptureInterface(LinkType.RawIpv4, 128, TimestampResolution.Microseconds, 0, "gre1"),
                new CaptureInterface(LinkType.Ethernet, (uint)PcapngWriter.DefaultSnapLength, TimestampResolution.PowerOfTwo(10)),
            ],
            reader.Interfaces);
    }

    [Fact]
    public void Packets_longer_than_the_interface_snap_length_are_cut()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapngWriter(stream, leaveOpen: true))
        {
            writer.AddInterface(LinkType.Ethernet, 16);
            writer.Write(0, 1, TestFrames.ArpRequest);
        }
        using var reader = Reopen(stream);
        Assert.True(reader.Read(out var r));
        Assert.Equal(Hex.Of(TestFrames.ArpRequest.AsSpan(0, 16)), Hex.Of(r.Data.Span));
        Assert.Equal(42, r.OriginalLength);
    }

    [Fact]
    public void Concatenated_files_read_as_several_sections()
    {
        var first = new MemoryStream();
        using (var writer = new PcapngWriter(first, leaveOpen: true))
        {
            writer.AddInterface(LinkType.Ethernet);
            writer.Write(0, 10, TestFrames.ArpRequest);
        }
        var second = new MemoryStream();
        using (var writer = new PcapngWriter(second, leaveOpen: true))
        {
            writer.AddInterface(LinkType.RawIpv4);
            writer.Write(0, 20, TestFrames.Ipv4Udp);
        }
        var joined = new MemoryStream(CaptureBytes.Concat(first.ToArray(), second.ToArray()));
        using var reader = Reopen(joined);
        Assert.True(reader.Read(out var a));
        Assert.Equal((LinkType.Ethernet, 10L), (a.LinkType, a.TimestampNanoseconds));
        Assert.True(reader.Read(out var b));
        Assert.Equal((LinkType.RawIpv4, 20L, 0), (b.LinkType, b.TimestampNanoseconds, b.InterfaceIndex));
        Assert.Equal(1, ((PcapngReader)reader).SectionIndex);
        Assert.False(reader.Read(out _));
    }

    [Fact]
    public void DateTimeOffset_timestamps_from_a_clock_are_kept_to_the_tick()
    {
        var clock = new DateTimeOffset(2031, 12, 31, 23, 59, 59, TimeSpan.FromHours(2)).AddTicks(9_999_999);
        var stream = new MemoryStream();
        using (var writer = new PcapngWriter(stream, leaveOpen: true))
        {
            writer.AddInterface(LinkType.Ethernet);
            writer.Write(0, clock, TestFrames.ArpRequest);
        }
        using var reader = Reopen(stream);
        Assert.True(reader.Read(out var r));
        Assert.Equal(clock, r.Timestamp);
    }

    [Fact]
    public void Writer_refuses_what_the_file_cannot_hold()
    {
        using var writer = new PcapngWriter(new MemoryStream());
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(0, 1, TestFrames.ArpRequest)); // no interface yet
        writer.AddInterface(LinkType.Ethernet, resolution: TimestampResolution.PowerOfTen(19));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(0, -1, TestFrames.ArpRequest));
        // 10^-19 s units overflow 64 bits after about 1.8 seconds.
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(0, 2_000_000_000L, TestFrames.ArpRequest));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(0, 1, TestFrames.ArpRequest, 41));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddInterface(LinkType.Ethernet, 0));
        Assert.Equal(0, writer.RecordsWritten);
    }

    [Fact]
    public void Dispose_flushes_and_closes_an_owned_stream_but_not_a_borrowed_one()
    {
        var owned = new MemoryStream();
        new PcapngWriter(owned).Dispose();
        Assert.False(owned.CanWrite);

        var borrowed = new MemoryStream();
        var writer = new PcapngWriter(borrowed, leaveOpen: true);
        writer.Dispose();
        Assert.True(borrowed.CanWrite);
        Assert.Equal(28, borrowed.Length);
        Assert.Throws<ObjectDisposedException>(() => writer.AddInterface(LinkType.Ethernet));
    }

    [Fact]
    public void Any_records_on_any_interfaces_read_back_the_same()
    {
        var record = from iface in Gen.Choose(0, 2)
                     from nanoseconds in Gen.Choose(0, int.MaxValue).Select(s => s * 1_000_000_000L)
                     from fraction in Gen.Choose(0, 999_999_999)
                     from data in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())
                     from extra in Gen.Choose(0, 1000)
                     select (Interface: iface, Nanoseconds: nanoseconds + fraction, Data: data, Original: (long)data.Length + extra);
        Prop.ForAll(Gen.ArrayOf(record).ToArbitrary(), records =>
        {
            var stream = new MemoryStream();
            using (var writer = new PcapngWriter(stream, leaveOpen: true))
            {
                writer.AddInterface(LinkType.Ethernet);
                writer.AddInterface(LinkType.RawIpv4, resolution: TimestampResolution.PowerOfTwo(32));
                writer.AddInterface(LinkType.Raw, resolution: TimestampResolution.PowerOfTen(9));
                foreach (var r in records) writer.Write(r.Interface, r.Nanoseconds, r.Data, r.Original);
            }
            using var reader = Reopen(stream);
            foreach (var r in records)
            {
                Assert.True(reader.Read(out var back));
                Assert.Equal((r.Interface, r.Nanoseconds, r.Original), (back.InterfaceIndex, back.TimestampNanoseconds, back.OriginalLength));
                Assert.Equal(r.Data, back.Data.ToArray());
            }
            Assert.False(reader.Read(out _));
        }).QuickCheckThrowOnFailure();
    }
}
