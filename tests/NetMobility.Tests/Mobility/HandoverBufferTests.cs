using NetMobility.Mobility;
using NetMobility.Mobility.Home;

namespace NetMobility.Tests.Mobility;

public class HandoverBufferTests
{
    private sealed class Collect : IHeldPacketSink
    {
        public List<byte[]> Packets { get; } = [];
        public void Release(ReadOnlySpan<byte> packet) => Packets.Add(packet.ToArray());
    }

    private static byte[] Packet(int number, int length = 40)
    {
        var p = new byte[length];
        p.AsSpan().Fill((byte)number);
        return p;
    }

    [Fact]
    public void Releases_held_packets_in_arrival_order_and_empties()
    {
        using var buffer = new HandoverBuffer(maxPackets: 8, maxBytes: 1024);
        for (int i = 1; i <= 5; i++) Assert.True(buffer.TryHold(Packet(i, 10 + i)));
        Assert.Equal(5, buffer.Count);
        Assert.Equal(11 + 12 + 13 + 14 + 15, buffer.Bytes);

        var sink = new Collect();
        Assert.Equal(5, buffer.Release(sink));
        Assert.Equal([1, 2, 3, 4, 5], sink.Packets.Select(p => (int)p[0]));
        Assert.Equal([11, 12, 13, 14, 15], sink.Packets.Select(p => p.Length));
        Assert.Equal(0, buffer.Count);
        Assert.Equal(0, buffer.Bytes);
        Assert.Equal(5, buffer.Released);
        Assert.Equal(0, buffer.Dropped);

        Assert.Equal(0, buffer.Release(sink));
        Assert.True(buffer.TryHold(Packet(9)));
        buffer.Release(sink);
        Assert.Equal(9, sink.Packets[^1][0]);
    }

    [Fact]
    public void Drops_and_counts_what_passes_the_packet_bound()
    {
        using var buffer = new HandoverBuffer(maxPackets: 3, maxBytes: 1024);
        for (int i = 1; i <= 5; i++) buffer.TryHold(Packet(i));
        Assert.Equal(3, buffer.Count);
        Assert.Equal(2, buffer.Dropped);
        var sink = new Collect();
        buffer.Release(sink);
        Assert.Equal([1, 2, 3], sink.Packets.Select(p => (int)p[0]));
    }

    [Fact]
    public void Drops_a_packet_that_passes_the_byte_bound_but_keeps_taking_smaller_ones()
    {
        using var buffer = new HandoverBuffer(maxPackets: 10, maxBytes: 100);
        Assert.True(buffer.TryHold(Packet(1, 60)));
        Assert.False(buffer.TryHold(Packet(2, 50)));
        Assert.True(buffer.TryHold(Packet(3, 40)));
        Assert.Equal(100, buffer.Bytes);
        Assert.Equal(1, buffer.Dropped);
        var sink = new Collect();
        buffer.Release(sink);
        Assert.Equal([1, 3], sink.Packets.Select(p => (int)p[0]));
    }

    [Fact]
    public void Discard_counts_every_held_packet_as_dropped()
    {
        using var buffer = new HandoverBuffer(maxPackets: 10, maxBytes: 1000);
        buffer.TryHold(Packet(1));
        buffer.TryHold(Packet(2));
        Assert.Equal(2, buffer.Discard());
        Assert.Equal(2, buffer.Dropped);
        Assert.Equal(0, buffer.Count);
        var sink = new Collect();
        Assert.Equal(0, buffer.Release(sink));
    }

    [Fact]
    public void A_sink_cannot_hold_into_the_buffer_it_is_released_from()
    {
        using var buffer = new HandoverBuffer(maxPackets: 4, maxBytes: 1000);
        buffer.TryHold(Packet(1));
        buffer.TryHold(Packet(2));
        var sink = new Reholding(buffer);
        Assert.Throws<InvalidOperationException>(() => buffer.Release(sink));
        Assert.Equal(2, buffer.Dropped);
        Assert.Equal(0, buffer.Count);
        Assert.True(buffer.TryHold(Packet(3)));
    }

    private sealed class Reholding(HandoverBuffer buffer) : IHeldPacketSink
    {
        public void Release(ReadOnlySpan<byte> packet) => buffer.TryHold(packet);
    }
}
