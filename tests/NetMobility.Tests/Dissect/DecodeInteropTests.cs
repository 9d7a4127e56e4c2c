using System.Text.Json;
using NetMobility.Cli;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Dissect;

/// <summary>
/// Packets built by scapy, decoded by <c>netmob decode</c> and by tshark: every field both decoders name
/// must have the same values, frame by frame, occurrence by occurrence.
/// </summary>
public class DecodeInteropTests
{
    // Packets a mobility deployment puts on the wire, built by an independent builder.
    private const string Packets = """
        def agent_advertisement(flags, coas, seq):
            ext = struct.pack('!BBHHH', 16, 6 + 4 * len(coas), seq, 1800, flags) + b''.join(inet_aton(a) for a in coas)
            ext += struct.pack('!BB', 19, 1) + bytes([24])
            icmp = struct.pack('!BBHBBH', 9, 0, 0, 1, 2, 1800) + inet_aton('192.168.2.1') + struct.pack('!i', 0) + ext
            icmp = icmp[:2] + struct.pack('!H', checksum(icmp)) + icmp[4:]
            return Ether(src='02:00:00:00:02:01', dst='ff:ff:ff:ff:ff:ff')/IP(src='192.168.2.1', dst='224.0.0.1', ttl=1, proto=1)/Raw(icmp)
        def rrq(flags, exts=b''):
            return Ether()/IP(src='192.168.2.1', dst='10.0.0.1', ttl=255)/UDP(sport=434, dport=434)/MobileIP()/MobileIPRRQ(flags=flags, lifetime=1800, homeaddr='10.0.0.5', haaddr='10.0.0.1', coaddr='192.168.2.1', id=0x0123456789abcdef)/Raw(exts)
        mnha = struct.pack('!BBI', 32, 20, 0x100) + bytes(range(16))
        fha = struct.pack('!BBI', 34, 20, 0x200) + bytes(range(16, 32))
        utrq = struct.pack('!BBBBBBH', 144, 6, 0, 0, 0x80, 4, 0)
        utrp = struct.pack('!BBBBHH', 44, 6, 0, 0, 0x8000, 110)
        inner = IP(src='10.0.0.9', dst='10.0.0.5', ttl=63)/ICMP(type=8, id=7, seq=3)/b'payload'
        packets = [
            Ether(src='02:00:00:00:00:01', dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='10.0.0.1', pdst='10.0.0.2'),
            Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')/ARP(op=2, hwsrc='02:00:00:00:00:02', psrc='10.0.0.2', hwdst='02:00:00:00:00:01', pdst='10.0.0.1'),
            Ether(src='02:00:00:00:00:05', dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, hwsrc='02:00:00:00:00:05', psrc='10.0.0.5', pdst='10.0.0.5'),
            Ether(src='02:00:00:00:00:05', dst='ff:ff:ff:ff:ff:ff', type=0x8035)/ARP(op=3, hwsrc='02:00:00:00:00:05', hwdst='02:00:00:00:00:05'),
            Ether()/Dot1Q(vlan=100, prio=5)/IP(src='10.0.0.9', dst='10.0.0.5')/ICMP(type=0, id=7, seq=3),
            agent_advertisement(0x1500 | 0x0400 | 0x0100, ['192.168.2.1'], 7),
            agent_advertisement(0xffe0, ['192.168.2.1', '192.168.2.2'], 65535),
            Ether()/IP(src='192.168.2.77', dst='224.0.0.11', ttl=1)/ICMP(type=10),
            rrq(0x80 | 0x08 | 0x02, mnha),
            rrq(0x40 | 0x20 | 0x10 | 0x01, mnha + fha),
            rrq(0x02, utrq + mnha),
            Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/UDP(sport=434, dport=434)/MobileIP()/MobileIPRRP(code=0, lifetime=1800, homeaddr='10.0.0.5', haaddr='10.0.0.1', id=0x0123456789abcdef)/Raw(mnha),
            Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/UDP(sport=434, dport=434)/MobileIP()/MobileIPRRP(code=133, lifetime=0, homeaddr='10.0.0.5', haaddr='10.0.0.1', id=42)/Raw(utrp + mnha),
            Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/UDP(sport=434, dport=434)/MobileIP(type=4)/MobileIPTunnelData(nexthdr=4)/inner,
        ]
        for c in (0, 1):
            for k in (0, 1):
                for s in (0, 1):
                    packets.append(Ether()/IP(src='10.0.0.1', dst='192.168.2.1', tos=0x10, flags='DF')/GRE(chksum_present=c, key_present=k, key=0xdeadbeef, seqnum_present=s, sequence_number=2**32 - 1)/inner)
        packets.append(Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/GRE(proto=0x6558, key_present=1, key=9)/Ether(src='02:00:00:00:00:05', dst='02:00:00:00:00:09')/inner)
        packets.append(Ether()/IP(src='10.0.0.1', dst='192.168.2.1', proto=4)/inner)
        packets.append(Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/ICMP(type=3, code=4, nexthopmtu=1476)/IP(src='10.0.0.9', dst='10.0.0.5', flags='DF', len=1500)/ICMP(type=8))
        packets.append(Ether()/IP(src='10.0.0.1', dst='10.0.0.9')/ICMP(type=11, code=0)/IP(src='10.0.0.9', dst='10.0.0.5', ttl=1)/UDP(sport=5000, dport=6000))
        packets.append(Ether()/IP(src='10.0.0.9', dst='10.0.0.5')/UDP(sport=5000, dport=6000)/b'data')
        packets.append(Ether()/IP(src='10.0.0.9', dst='10.0.0.5')/UDP(sport=5000, dport=6000, chksum=0)/b'data')
        """;

    private static readonly string[] Compared =
    [
        "eth.dst", "eth.src", "eth.type", "vlan.id", "vlan.priority", "vlan.etype",
        "arp.hw.type", "arp.proto.type", "arp.hw.size", "arp.proto.size", "arp.opcode",
        "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4",
        "ip.version", "ip.hdr_len", "ip.dsfield", "ip.len", "ip.id", "ip.flags.df", "ip.flags.mf", "ip.frag_offset",
        "ip.ttl", "ip.proto", "ip.checksum", "ip.src", "ip.dst",
        "icmp.type", "icmp.code", "icmp.checksum", "icmp.ident", "icmp.seq", "icmp.mtu",
        "icmp.num_addrs", "icmp.addr_entry_size", "icmp.lifetime", "icmp.router_address", "icmp.pref_level",
        "icmp.mip.type", "icmp.mip.length", "icmp.mip.seq", "icmp.mip.life", "icmp.mip.flags",
        "icmp.mip.r", "icmp.mip.b", "icmp.mip.h", "icmp.mip.f", "icmp.mip.m", "icmp.mip.g", "icmp.mip.v",
        "icmp.mip.rt", "icmp.mip.u", "icmp.mip.x", "icmp.mip.coa", "icmp.mip.prefixlength",
        "udp.srcport", "udp.dstport", "udp.length", "udp.checksum",
        "gre.flags.checksum", "gre.flags.key", "gre.flags.sequence_number", "gre.flags.version", "gre.proto",
        "gre.checksum", "gre.key", "gre.sequence_number",
        "mip.type", "mip.flags", "mip.s", "mip.b", "mip.d", "mip.m", "mip.g", "mip.v", "mip.t", "mip.x",
        "mip.code", "mip.life", "mip.homeaddr", "mip.haaddr", "mip.coa", "mip.ext.type", "mip.ext.len",
        "mip.auth.spi", "mip.auth.auth", "mip.nattt.nexthdr",
        "mip.ext.utrq.subtype", "mip.ext.utrq.f", "mip.ext.utrq.r", "mip.ext.utrq.encaptype",
        "mip.ext.utrp.subtype", "mip.ext.utrp.code", "mip.ext.utrp.f", "mip.ext.utrp.keepalive",
    ];

    [Fact]
    public void Netmob_decode_agrees_with_tshark_on_scapy_built_packets()
    {
        var pcap = Scapy.WritePcap("packets", "from scapy.layers.mobileip import *\nimport struct\nfrom socket import inet_aton\n" + Packets);
        try
        {
            var ours = DecodeToJson(pcap);
            var theirs = Tshark.Fields(pcap, Compared);
            Assert.Equal(theirs.Count, ours.Count);

            var seen = new HashSet<string>();
            for (int frame = 0; frame < ours.Count; frame++)
            {
                var json = ours[frame];
                Assert.False(json.TryGetProperty("malformed", out _), $"frame {frame + 1}: {json}");
                foreach (var name in Compared)
                {
                    bool weHave = json.TryGetProperty(name, out var value);
                    bool theyHave = theirs[frame].TryGetValue(name, out var expected);
                    // mip.ident: tshark shows it as an NTP timestamp, netmob as the 64-bit integer; compared in another test.
                    if (!theyHave) { Assert.False(weHave, $"frame {frame + 1}: {name} = {value} but tshark has no such field"); continue; }
                    Assert.True(weHave, $"frame {frame + 1}: tshark has {name} = {string.Join(",", expected!)} but netmob decode has not");
                    var actual = Values(value);
                    Assert.True(expected!.SequenceEqual(actual), $"frame {frame + 1}: {name}: tshark [{string.Join(",", expected!)}], netmob decode [{string.Join(",", actual)}]");
                    seen.Add(name);
                }
            }
            // Every compared field occurred at least once, so no part of the comparison is vacuous.
            Assert.Empty(Compared.Except(seen));
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    [Fact]
    public void Mobile_ip_identification_is_the_64_bit_integer()
    {
        var pcap = Scapy.WritePcap("[Ether()/IP()/UDP(sport=434, dport=434)/MobileIP()/MobileIPRRQ(id=0xfedcba9876543210)]", "from scapy.layers.mobileip import *");
        try
        {
            var frame = Assert.Single(DecodeToJson(pcap));
            Assert.Equal(0xfedcba9876543210UL, frame.GetProperty("mip.ident").GetUInt64());
            Assert.Equal(1, frame.GetProperty("frame").GetInt32());
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    internal static List<JsonElement> DecodeToJson(string pcap)
    {
        using var output = new MemoryStream();
        Assert.Equal(0, DecodeCommand.Run(pcap, output));
        var text = System.Text.Encoding.UTF8.GetString(output.ToArray());
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static string[] Values(JsonElement value)
    {
        var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToArray() : [value];
        return items.Select(v => v.ValueKind switch
        {
            JsonValueKind.True => "1",
            JsonValueKind.False => "0",
            JsonValueKind.Number => v.GetRawText(),
            _ => Tshark.Normalise(v.GetString()!),
        }).ToArray();
    }
}
