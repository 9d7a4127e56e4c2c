using System.Text;
using BenchmarkDotNet.Attributes;
using NetMobility.Wire;

namespace NetMobility.Benchmarks;

/// <summary>
/// Per-packet costs of the tunnel codecs: GRE with checksum over a full-size payload, the minimal
/// encapsulation rewrite, and a Mobile IP registration parse with its HMAC-MD5 check. None should allocate.
/// </summary>
[MemoryDiagnoser]
public class TunnelCodecBenchmarks
{
    private const int PayloadLength = 1400;
    private static readonly GreHeader KeyedGre = new(EtherType.Ipv4, Key: 42, SequenceNumber: 7, ChecksumPresent: true);
    private static readonly byte[] MobileHomeKey = Encoding.ASCII.GetBytes("mn-ha shared key");

    private readonly byte[] _gre = new byte[GreHeader.MaxLength + PayloadLength];
    private readonly byte[] _datagram = new byte[20 + PayloadLength + 12];
    private byte[] _request = [];

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_gre);
        KeyedGre.EmitPacket(_gre, PayloadLength, ChecksumPolicy.Compute);

        new Random(2).NextBytes(_datagram);
        _datagram[0] = 0x45;
        _datagram[2] = (20 + PayloadLength) >> 8;
        _datagram[3] = (20 + PayloadLength) & 0xFF;
        _datagram[6] = 0; _datagram[7] = 0;

        var buffer = new byte[256];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(new RegistrationRequest(RegistrationFlags.Gre | RegistrationFlags.ReverseTunnel, 1800,
            Ipv4Address.Parse("10.0.0.42"), Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("198.51.100.7"), 0xe3a1b2c3d4e5f607UL));
        writer.WriteEncapsulatingDeliveryStyle();
        writer.WriteAuthentication(MobileIpExtensionType.MobileHomeAuthentication, 0x100, MobileIpAuthenticationAlgorithm.HmacMd5, MobileHomeKey);
        _request = writer.Written.ToArray();
    }

    [Benchmark]
    public int GreEmitWithChecksum() => KeyedGre.EmitPacket(_gre, PayloadLength, ChecksumPolicy.Compute);

    [Benchmark]
    public int GreParseAndVerify() =>
        GreHeader.TryParse(_gre, ChecksumPolicy.Verify, out _, out int used, out _) ? used : -1;

    [Benchmark]
    public int MinimalEncapsulateAndDecapsulate()
    {
        MinimalEncapsulation.TryEncapsulate(_datagram, 20 + PayloadLength, new Ipv4Address(0x0A000001), new Ipv4Address(0xC6336407), out int length, out _);
        MinimalEncapsulation.TryDecapsulate(_datagram, length, ChecksumPolicy.Verify, out int restored, out _);
        return restored;
    }

    [Benchmark]
    public bool RegistrationParseAndAuthenticate()
    {
        if (!RegistrationRequestPacket.TryCreate(_request, out var message, out _)) return false;
        return message.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var auth)
            && MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, MobileHomeKey, _request, auth);
    }
}
