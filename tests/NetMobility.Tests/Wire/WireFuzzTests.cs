using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

/// <summary>
/// Mutated copies of valid packets (bytes flipped, cut short, grown) go through every parser and every accessor:
/// no exception may escape, a parse that fails consumes nothing, and options or extensions of a packet that parsed
/// read without error. Each run must see both outcomes, or it would prove nothing.
/// </summary>
public class WireFuzzTests
{
    private const int Rounds = 4000;

    // Seeds are the scapy vectors of the protocol tests.
    private static readonly string[] ArpSeeds = ["0001080006040001020000000001c0000201000000000000c0000202"];
    private static readonly string[] Ipv4Seeds =
    [
        "46b9001cabcd400001fd9542c0000201e0000016940400002200fa02",
        "4800002800080000400144ae0a0000010a00000201070b040a090909000000000800f7fd00010001",
    ];
    private static readonly string[] IcmpSeeds =
    [
        "090007d4010207080a01000100000000100e00070258ffe00a0100010a010002001301181804deadbeef",
        "090069f102020708c000020100000000c0000202ffffffff",
        "03048f2b00000578450005c812344000401136b5c0000201c63364079c40003505b4c62e",
        "08005435123400016162636465666768",
    ];
    private static readonly string[] UdpSeeds = ["01b201b2000dcc6168656c6c6f"];
    private static readonly Ipv4Address UdpSource = Ipv4Address.Parse("192.0.2.1");
    private static readonly Ipv4Address UdpDestination = Ipv4Address.Parse("198.51.100.7");
    private static readonly string[] TcpSeeds =
    [
        "9c4000500102030400000000a002faf0ddfa0000020405b40402080a0001e2400000000001030307",
        "00509c40000003e801020305d01801f6675100000101080a000000070001e24001010512000013880000177000001b5800001f40474554202f20485454502f312e300d0a0d0a",
    ];

    /// <summary>Runs one mutated buffer through a protocol; returns whether it parsed.</summary>
    private delegate bool Exercise(byte[] buffer);

    [Fact]
    public void Arp_survives_mutation() => Mutate(ArpSeeds, 826, buffer =>
    {
        bool ok = ArpMessage.TryParse(buffer, out var m, out int used, out var e);
        Check(ok, used, e, buffer.Length);
        _ = (m.IsGratuitous, m.IsProbe, m.EtherType);
        return ok;
    });

    [Fact]
    public void Ipv4_survives_mutation() => Mutate(Ipv4Seeds, 791, buffer =>
    {
        bool ok = Ipv4Header.TryParse(buffer, ChecksumPolicy.None, out _, out int used, out var e);
        Check(ok, used, e, buffer.Length);
        var optionsError = Ipv4Packet.TryCreate(buffer, ChecksumPolicy.None, out var packet, out _) ? Touch(packet) : WireError.None;
        Assert.Equal(WireError.None, optionsError);
        optionsError = Ipv4Packet.TryCreateQuoted(buffer, out var quoted, out _) ? Touch(quoted) : WireError.None;
        Assert.Equal(WireError.None, optionsError);
        return ok;
    });

    [Fact]
    public void Icmpv4_survives_mutation() => Mutate(IcmpSeeds, 792, buffer =>
    {
        bool ok = Icmpv4Message.TryParse(buffer, ChecksumPolicy.None, out _, out int used, out var e);
        Check(ok, used, e, buffer.Length);
        if (!Icmpv4Packet.TryCreate(buffer, ChecksumPolicy.None, out var packet, out _)) return false;
        _ = (packet.Type, packet.Code, packet.Checksum, packet.Identifier, packet.SequenceNumber, packet.NextHopMtu, packet.Lifetime, packet.IsChecksumValid);
        for (int i = 0; i < packet.RouterAddressCount; i++) _ = (packet.GetRouterAddress(i), packet.GetPreference(i));
        var extensions = packet.ReadExtensions();
        foreach (var extension in extensions) _ = (extension.Type, extension.Length, extension.Data.Length);
        Assert.Equal(WireError.None, extensions.Error);
        if (packet.TryGetMobilityAgentAdvertisement(out var mobility))
        {
            _ = (mobility.SequenceNumber, mobility.RegistrationLifetime, mobility.Flags);
            for (int i = 0; i < mobility.CareOfAddressCount; i++) _ = mobility.GetCareOfAddress(i);
        }
        packet.TryGetPrefixLengths(out _);
        var quotedOptionsError = packet.TryGetQuotedDatagram(out var quoted, out _) ? Touch(quoted) : WireError.None;
        Assert.Equal(WireError.None, quotedOptionsError);
        return true;
    });

    [Fact]
    public void Udp_survives_mutation() => Mutate(UdpSeeds, 768, buffer =>
    {
        bool ok = UdpHeader.TryParse(buffer, UdpSource, UdpDestination, ChecksumPolicy.Verify, out _, out int used, out var e);
        Check(ok, used, e, buffer.Length);
        if (UdpDatagram.TryCreate(buffer, out var datagram, out _))
            _ = (datagram.SourcePort, datagram.DestinationPort, datagram.Length, datagram.HasChecksum, datagram.Payload.Length);
        return ok;
    });

    [Fact]
    public void Tcp_survives_mutation() => Mutate(TcpSeeds, 9293, buffer =>
    {
        bool ok = TcpHeader.TryParse(buffer, out var header, out int used, out var e);
        Check(ok, used, e, buffer.Length);
        _ = (header.MaxSegmentSize, header.WindowScale, header.SackPermitted, header.Timestamps);
        if (!TcpSegment.TryCreate(buffer, out var segment, out _)) return false;
        _ = (segment.SourcePort, segment.SequenceNumber, segment.Flags, segment.Window, segment.UrgentPointer, segment.Payload.Length);
        var options = segment.ReadOptions();
        foreach (var option in options)
        {
            _ = option.Kind switch
            {
                TcpOptionKind.MaxSegmentSize => option.MaxSegmentSize,
                TcpOptionKind.WindowScale => option.WindowScale,
                TcpOptionKind.Timestamps => (int)option.Timestamps.Value,
                TcpOptionKind.Sack => option.SackBlockCount > 0 ? (int)option.GetSackBlock(option.SackBlockCount - 1).Right : 0,
                _ => option.Data.Length,
            };
        }
        Assert.Equal(WireError.None, options.Error);
        return true;
    });

    private static WireError Touch(Ipv4Packet packet)
    {
        _ = (packet.Version, packet.HeaderLength, packet.Dscp, packet.Ecn, packet.TotalLength, packet.Identification,
             packet.IsFragment, packet.TimeToLive, packet.Protocol, packet.Source, packet.Destination, packet.Payload.Length);
        var options = packet.ReadOptions();
        foreach (var option in options) _ = (option.Type, option.IsCopied, option.Data.Length);
        return options.Error;
    }

    private static void Check(bool ok, int used, WireError error, int length)
    {
        Assert.Equal(ok, error == WireError.None);
        Assert.InRange(used, ok ? 1 : 0, ok ? length : 0);
    }

    private static void Mutate(string[] seeds, int seed, Exercise exercise)
    {
        var rng = new Random(seed);
        int parsed = 0;
        for (int round = 0; round < Rounds; round++)
        {
            var original = Hex.Bytes(seeds[rng.Next(seeds.Length)]);
            var buffer = new byte[Math.Max(0, original.Length + rng.Next(-8, 9))];
            original.AsSpan(0, Math.Min(original.Length, buffer.Length)).CopyTo(buffer);
            int flips = rng.Next(0, 4);
            for (int i = 0; i < flips && buffer.Length > 0; i++) buffer[rng.Next(buffer.Length)] = (byte)rng.Next(256);
            if (exercise(buffer)) parsed++;
        }
        Assert.InRange(parsed, 1, Rounds - 1);
    }
}
