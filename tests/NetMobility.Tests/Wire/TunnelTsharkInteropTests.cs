using System.Buffers.Binary;
using System.Diagnostics;
using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

/// <summary>
/// The tunnel codecs' own output, written to a capture and read back by Wireshark's tshark (Debian package
/// <c>tshark</c>, installed by .ci/run): every frame decodes with the fields we meant and nothing malformed.
/// </summary>
public class TunnelTsharkInteropTests
{
    private static readonly MacAddress Router = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly MacAddress Host = MacAddress.Parse("02:00:00:00:00:02");
    private static readonly Ipv4Address HomeAgent = Ipv4Address.Parse("10.0.0.1");
    private static readonly Ipv4Address CareOf = Ipv4Address.Parse("198.51.100.7");
    private static readonly byte[] Inner = Hex.Bytes("45000020000100004001aed40a000001c0000207080006fa1234000170696e67");

    [Fact]
    public void Tshark_decodes_what_the_codecs_emit()
    {
        var frames = new List<byte[]>();
        foreach (bool c in new[] { false, true })
            foreach (bool k in new[] { false, true })
                foreach (bool s in new[] { false, true })
                    frames.Add(GreFrame(new GreHeader(EtherType.Ipv4, k ? 0x01020304u : null, s ? 7u : null, c)));
        frames.Add(MobileIpFrame(BuildRequest));
        frames.Add(MobileIpFrame(BuildReply));
        frames.Add(IpInIpFrame());

        var rows = RunTshark(frames,
            "frame.number", "ip.proto", "gre.flags.checksum", "gre.checksum.status", "gre.key", "gre.sequence_number",
            "mip.type", "mip.coa", "mip.auth.spi", "mip.ext.utrq.encaptype", "mip.ext.utrp.keepalive", "mip.code",
            "ip.checksum.status", "_ws.malformed", "_ws.expert.severity");
        Assert.Equal(frames.Count, rows.Count);

        for (int i = 0; i < 8; i++)
        {
            bool c = i >= 4, k = (i & 2) != 0, s = (i & 1) != 0;
            var r = rows[i];
            Assert.Equal("47", r["ip.proto"].Split(',')[0]);
            Assert.Equal(c ? "1" : "0", r["gre.flags.checksum"]);
            Assert.Equal(c ? "1" : "", r["gre.checksum.status"]); // 1: good
            Assert.Equal(k ? "0x01020304" : "", r["gre.key"]);
            Assert.Equal(s ? "7" : "", r["gre.sequence_number"]);
        }

        var request = rows[8];
        Assert.Equal("1", request["mip.type"]);
        Assert.Equal("198.51.100.7", request["mip.coa"]);
        Assert.Equal("0x00000100,0x00000101,0x00000102", request["mip.auth.spi"]);
        Assert.Equal("4", request["mip.ext.utrq.encaptype"]);

        var reply = rows[9];
        Assert.Equal("3", reply["mip.type"]);
        Assert.Equal("1", reply["mip.code"]);
        Assert.Equal("110", reply["mip.ext.utrp.keepalive"]);
        Assert.Equal("0x00000100", reply["mip.auth.spi"]);

        Assert.Equal("4,1", rows[10]["ip.proto"]);
        Assert.Equal("1,1", rows[10]["ip.checksum.status"]);

        Assert.All(rows, r => Assert.Equal("", r["_ws.malformed"]));
        Assert.All(rows, r => Assert.DoesNotContain("8388608", r["_ws.expert.severity"])); // PI_ERROR
    }

    private static int BuildRequest(Span<byte> buffer)
    {
        var w = new MobileIpMessageWriter(buffer);
        w.Write(new RegistrationRequest(RegistrationFlags.Gre | RegistrationFlags.ReverseTunnel, 1800, Ipv4Address.Parse("10.0.0.42"), HomeAgent, CareOf, 0xe3a1b2c3d4e5f607UL));
        w.WriteEncapsulatingDeliveryStyle();
        w.Write(new UdpTunnelRequestExtension(IpProtocol.IpInIp));
        w.WriteExtension((MobileIpExtensionType)200, Hex.Bytes("abcd"));
        w.WriteAuthentication(MobileIpExtensionType.MobileHomeAuthentication, 256, MobileIpAuthenticationAlgorithm.HmacMd5, MobileIpVectors.MobileHomeKey);
        w.WriteAuthentication(MobileIpExtensionType.MobileForeignAuthentication, 257, MobileIpAuthenticationAlgorithm.HmacMd5, MobileIpVectors.MobileForeignKey);
        w.WriteAuthentication(MobileIpExtensionType.ForeignHomeAuthentication, 258, MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix, MobileIpVectors.ForeignHomeKey);
        return w.Length;
    }

    private static int BuildReply(Span<byte> buffer)
    {
        var w = new MobileIpMessageWriter(buffer);
        w.Write(new RegistrationReply(RegistrationReplyCode.AcceptedNoSimultaneousBindings, 1800, Ipv4Address.Parse("10.0.0.42"), HomeAgent, 0xe3a1b2c3d4e5f607UL));
        w.Write(new UdpTunnelReplyExtension(UdpTunnelReplyExtension.WillTunnel, 110));
        w.WriteAuthentication(MobileIpExtensionType.MobileHomeAuthentication, 256, MobileIpAuthenticationAlgorithm.HmacMd5, MobileIpVectors.MobileHomeKey);
        return w.Length;
    }

    private static byte[] GreFrame(GreHeader gre)
    {
        var packet = new byte[gre.Length + Inner.Length];
        Inner.CopyTo(packet, gre.Length);
        gre.EmitPacket(packet, Inner.Length, ChecksumPolicy.Compute);
        return Frame(IpProtocol.Gre, packet);
    }

    private static byte[] MobileIpFrame(SpanFunc build)
    {
        var message = new byte[256];
        int length = build(message);
        var udp = new byte[8 + length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 434);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), 434);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        message.AsSpan(0, length).CopyTo(udp.AsSpan(8)); // UDP checksum 0: none, allowed over IPv4 (RFC 768)
        return Frame(IpProtocol.Udp, udp);
    }

    private delegate int SpanFunc(Span<byte> buffer);

    private static byte[] IpInIpFrame()
    {
        var frame = new byte[EthernetHeader.UntaggedLength + IpInIp.OuterHeaderLength + Inner.Length];
        new EthernetHeader(Host, Router, EtherType.Ipv4).Emit(frame);
        var packet = frame.AsSpan(EthernetHeader.UntaggedLength);
        Inner.CopyTo(packet[IpInIp.OuterHeaderLength..]);
        new Ipv4Header(HomeAgent, CareOf, IpProtocol.IpInIp, Inner.Length, 64, 9).Emit(packet);
        return frame;
    }

    private static byte[] Frame(IpProtocol protocol, byte[] payload)
    {
        var frame = new byte[EthernetHeader.UntaggedLength + 20 + payload.Length];
        new EthernetHeader(Host, Router, EtherType.Ipv4).Emit(frame);
        var ip = frame.AsSpan(EthernetHeader.UntaggedLength, 20);
        Hex.Bytes("4500 0000 0001 0000 40").CopyTo(ip);
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + payload.Length));
        ip[9] = (byte)protocol;
        HomeAgent.Write(ip[12..]);
        CareOf.Write(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip));
        payload.CopyTo(frame, EthernetHeader.UntaggedLength + 20);
        return frame;
    }

    /// <summary>Writes a classic pcap (microsecond, Ethernet link type) and returns tshark's fields per frame.</summary>
    private static List<Dictionary<string, string>> RunTshark(List<byte[]> frames, params string[] fields)
    {
        string path = Path.Combine(Path.GetTempPath(), $"netmob-tunnel-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var file = File.Create(path))
            {
                file.Write(Hex.Bytes("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000"));
                Span<byte> record = stackalloc byte[16];
                for (int i = 0; i < frames.Count; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(1_700_000_000 + i));
                    BinaryPrimitives.WriteUInt32LittleEndian(record[4..], 0);
                    BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)frames[i].Length);
                    BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)frames[i].Length);
                    file.Write(record);
                    file.Write(frames[i]);
                }
            }

            var start = new ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-r", path, "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=," })
                start.ArgumentList.Add(a);
            foreach (var f in fields) { start.ArgumentList.Add("-e"); start.ArgumentList.Add(f); }
            using var tshark = Process.Start(start)!;
            var stderr = tshark.StandardError.ReadToEndAsync();
            string output = tshark.StandardOutput.ReadToEnd();
            tshark.WaitForExit();
            Assert.True(tshark.ExitCode == 0, stderr.Result);

            var rows = new List<Dictionary<string, string>>();
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var values = line.Split('\t');
                var row = new Dictionary<string, string>();
                for (int i = 0; i < fields.Length; i++) row[fields[i]] = i < values.Length ? values[i] : "";
                rows.Add(row);
            }
            return rows;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
