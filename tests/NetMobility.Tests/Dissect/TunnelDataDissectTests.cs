using NetMobility.Capture;
using NetMobility.Dissect;

namespace NetMobility.Tests.Dissect;

/// <summary>RFC 3519 sec 3.3 tunnel data in <c>netmob decode</c>: what follows the header is decoded as its Next Header says.</summary>
public class TunnelDataDissectTests
{
    /// <summary>
    /// The home agent's GRE inside UDP from the home-agent-udp-gre replay case (built by scapy): the GRE header (RFC 2784)
    /// and the inner IPv4 packet behind the tunnel data header, where tshark 4.0 reads IPv4 at once and reports a bogus version.
    /// </summary>
    [Fact]
    public void Gre_behind_a_tunnel_data_header_is_decoded_down_to_the_inner_packet()
    {
        using var reader = CaptureReader.Open(RepositoryFiles.Path("captures", "replay", "home-agent-udp-gre", "expected.pcap"));
        var fields = new FieldList();
        int greInside = 0;
        while (reader.Read(out var record))
        {
            fields.Clear();
            FrameDissector.Dissect(record.Data.Span, record.LinkType, fields);
            Assert.False(fields.Malformed, fields.Error);
            if (!fields.ValuesOf("mip.nattt.nexthdr").Any(v => v.Integer == 47)) continue;
            greInside++;
            Assert.Equal([0x0800UL], fields.ValuesOf("gre.proto").Select(v => v.Integer));
            Assert.Equal(["10.1.0.2", "10.3.0.10"], fields.ValuesOf("ip.src").Select(v => v.String));
            Assert.Equal([8UL], fields.ValuesOf("icmp.type").Select(v => v.Integer));
        }
        Assert.Equal(1, greInside);
    }
}
