using System.Buffers.Binary;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Tests.Links;

/// <summary>
/// Frames as a packet socket hands them over from a sender with checksum offload (TP_STATUS_CSUMNOTREADY): the
/// transport checksum field holds the pseudo-header's sum only (RFC 768, RFC 9293 sec 3.1 pseudo-header).
/// </summary>
public sealed class PartialChecksumTests
{
    private static readonly Ipv4Address Source = Ipv4Address.Parse("10.1.0.2"), Destination = Ipv4Address.Parse("10.2.0.2");

    [Theory]
    [InlineData(17, 8, 6)]
    [InlineData(6, 20, 16)]
    [InlineData(17, 8, 6, true)]
    public void A_partial_checksum_is_completed_to_the_one_the_segment_needs(byte protocol, int headerLength, int checksumAt, bool vlan = false)
    {
        var frame = Frame(protocol, headerLength, checksumAt, vlan, out int segmentAt);
        Assert.True(PartialChecksum.Complete(frame));
        var segment = frame.AsSpan(segmentAt);
        Assert.Equal(0xFFFF, InternetChecksum.Fold(InternetChecksum.Accumulate(InternetChecksum.PseudoHeader(Source, Destination, protocol, segment.Length), segment)));
        if (protocol == 17) Assert.True(UdpDatagram.TryCreate(segment, Source, Destination, ChecksumPolicy.Verify, out _, out _));
        else Assert.True(TcpSegment.TryCreate(segment, Source, Destination, ChecksumPolicy.Verify, out _, out _));
    }

    [Fact]
    public void Frames_without_a_transport_checksum_are_left_as_they_are()
    {
        var icmp = Frame(1, 8, 2, false, out _);
        var fragment = Frame(17, 8, 6, false, out _);
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(14 + 6), 0x0010); // a later fragment: offset 128 octets
        var arp = new byte[42];
        BinaryPrimitives.WriteUInt16BigEndian(arp.AsSpan(12), 0x0806);
        var truncated = Frame(6, 20, 16, false, out _)[..(14 + 20 + 10)];
        foreach (var frame in new[] { icmp, fragment, arp, truncated })
        {
            var before = frame.ToArray();
            Assert.False(PartialChecksum.Complete(frame));
            Assert.Equal(before, frame);
        }
    }

    /// <summary>Ethernet (optionally 802.1Q), IPv4, a transport header and 37 octets of payload, the checksum field holding the pseudo-header's folded sum.</summary>
    private static byte[] Frame(byte protocol, int headerLength, int checksumAt, bool vlan, out int segmentAt)
    {
        int ethernet = vlan ? 18 : 14, segmentLength = headerLength + 37;
        var frame = new byte[ethernet + 20 + segmentLength];
        if (vlan)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), 0x0800);
        }
        else BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        new Ipv4Header(Source, Destination, (IpProtocol)protocol, segmentLength, 64).Emit(frame.AsSpan(ethernet));
        segmentAt = ethernet + 20;
        var segment = frame.AsSpan(segmentAt);
        for (int i = 0; i < segment.Length; i++) segment[i] = (byte)(i * 7 + 3);
        if (protocol == 17) BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)segment.Length);
        if (protocol == 6) segment[12] = 0x50; // data offset 5 words
        ushort pseudo = InternetChecksum.Fold(InternetChecksum.PseudoHeader(Source, Destination, protocol, segment.Length));
        BinaryPrimitives.WriteUInt16BigEndian(segment[checksumAt..], pseudo);
        return frame;
    }
}
