using NetMobility.Scenario;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Scenario;

/// <summary>The captures of a scenario, read by tshark (Wireshark's dissectors, which no one here wrote).</summary>
public class ScenarioCaptureTests
{
    [Fact]
    public async Task The_captures_open_in_tshark_with_no_malformed_frame_and_show_the_handover()
    {
        var directory = Directory.CreateTempSubdirectory("netmob-scenario-").FullName;
        try
        {
            // 1 % WAN loss, so that both ends have something to retransmit.
            var report = await new LiveMigrationScenario(MovedScenario.Options with { CaptureDirectory = directory, WanLoss = 0.01, Seed = 3 }).RunAsync();
            string home = Path.Combine(directory, "home.pcapng"), wan = Path.Combine(directory, "wan.pcapng"), foreign = Path.Combine(directory, "foreign.pcapng");
            string correspondent = Path.Combine(directory, "correspondent.pcapng");
            Assert.Equal([home, wan, foreign, correspondent], report.Captures);
            Assert.Equal(ScenarioReport.Moved, report.Outcome);

            foreach (var capture in report.Captures)
            {
                var problems = Problems(capture);
                Assert.True(problems.Count == 0, $"{capture}: {string.Join("; ", problems)}");
            }

            // Home link, as the home router sees it: the home agent's gratuitous ARP for the VM's address (its own
            // hardware address, not the VM's), then the correspondent's packets going into the GRE tunnel.
            var homeFrames = Tshark.Fields(home, ["arp.isgratuitous", "arp.src.proto_ipv4", "arp.src.hw_mac", "gre.proto", "ip.dst"]);
            Assert.Contains(homeFrames, f => Has(f, "arp.isgratuitous", "1") && Has(f, "arp.src.proto_ipv4", "10.1.0.42") && !Has(f, "arp.src.hw_mac", "52:54:00:00:00:42"));
            Assert.Contains(homeFrames, f => f.TryGetValue("ip.dst", out var dst) && dst.SequenceEqual(["10.2.0.1", "10.1.0.42"]) && Has(f, "gre.proto", "2048"));

            // WAN: the registration through the foreign agent (request 1, reply 3), GRE both ways.
            var wanFrames = Tshark.Fields(wan, ["mip.type", "mip.coa", "gre.proto", "ip.src"]);
            Assert.Contains(wanFrames, f => Has(f, "mip.type", "1") && Has(f, "mip.coa", "10.2.0.1"));
            Assert.Contains(wanFrames, f => Has(f, "mip.type", "3"));
            Assert.Contains(wanFrames, f => f.TryGetValue("ip.src", out var src) && src.SequenceEqual(["10.2.0.1", "10.1.0.42"]) && Has(f, "gre.proto", "2048"));
            Assert.True(wanFrames.Count(f => f.ContainsKey("gre.proto")) >= report.HomeAgent.Tunnelled + report.ForeignAgent.ReverseTunnelled);
            // The page stream crosses the same WAN, from the source host to the destination host: every octet the engine wrote.
            var stream = Tshark.Run("-r", wan, "-Y", $"ip.src == 10.1.0.3 && tcp.dstport == {MemoryPhase.MigrationPort}", "-T", "fields", "-e", "tcp.len")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(l => long.Parse(l, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(stream >= report.Memory.WireBytes, $"{stream} octets of page stream on the WAN, {report.Memory.WireBytes} written");

            // Foreign link: the VM announced (RARP from its own address), its registration request, then the correspondent's packets, decapsulated.
            var foreignFrames = Tshark.Fields(foreign, ["eth.src", "eth.type", "mip.homeaddr", "tcp.dstport", "ip.dst", "icmp.type", "udp.dstport"]);
            Assert.Contains(foreignFrames, f => Has(f, "eth.type", "32821") && Has(f, "eth.src", "52:54:00:00:00:42"));
            Assert.Contains(foreignFrames, f => Has(f, "mip.homeaddr", "10.1.0.42"));
            Assert.Equal(report.ForeignAgent.Delivered, foreignFrames.Count(f => Has(f, "ip.dst", "10.1.0.42") && (f.ContainsKey("tcp.dstport") || Has(f, "icmp.type", "8"))));

            // The correspondent's link, where each of its segments shows once: TCP streams whose retransmissions, by
            // tshark's own analysis, are the correspondent's endpoint counters (a resend tshark calls out-of-order
            // included: captured at the sender, which never reorders, it is a retransmission).
            int Count(string filter) => Tshark.Run("-r", correspondent, "-Y", filter, "-T", "fields", "-e", "frame.number")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.Equal(2, Count("tcp.flags.syn == 1 && tcp.flags.ack == 0"));
            const string resent = "(tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.out_of_order)";
            Assert.True(report.Bulk.Client.Retransmissions > 0, $"{report.Bulk.Client}");
            Assert.Equal(report.Bulk.Client.Retransmissions, Count($"tcp.srcport == {LiveMigrationScenario.BulkClientPort} && {resent}"));
            Assert.Equal(report.Requests.Client.Retransmissions, Count($"tcp.srcport == {LiveMigrationScenario.RequestClientPort} && {resent}"));
            Assert.Equal(0, Count("tcp.flags.reset == 1"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // Expert info (epan/proto.h): severities PI_WARN 0x00400000 and PI_ERROR 0x00800000; group PI_SEQUENCE 0x02000000.
    private const long Warning = 0x00400000, Error = 0x00800000, SequenceGroup = 0x02000000;

    /// <summary>
    /// Malformed frames, expert errors, and warnings outside tshark's sequence analysis, as "frame: message". Sequence
    /// warnings are what a vantage point on a tunnel's path shows by nature: the home router sees each of the
    /// correspondent's segments twice, on its way to the home agent and again inside GRE ("suspected retransmission"),
    /// and sees the home agent claim the VM's address ("duplicate IP address", proxy ARP as RFC 5944 sec 4.6 has it);
    /// an agent solicitation carries IP TTL 1 (RFC 5944 sec 2.2), which tshark flags in the same group.
    /// </summary>
    private static List<string> Problems(string capture)
    {
        string output = ExternalProcess.RunChecked(Tshark.Program, ["-r", capture, "-T", "fields", "-E", "occurrence=a", "-E", "separator=\t",
            "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            // The page stream carries guest memory, whose text pages Wireshark's heuristics would take for HTTP: it is data.
            "-d", $"tcp.port=={MemoryPhase.MigrationPort},data",
            "-e", "frame.number", "-e", "_ws.malformed", "-e", "_ws.expert.severity", "-e", "_ws.expert.group", "-e", "_ws.expert.message"]);
        var problems = new List<string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var c = line.Split('\t');
            if (c.Length > 1 && c[1].Length > 0) problems.Add($"{c[0]}: malformed: {c[1]}");
            if (c.Length < 4 || c[2].Length == 0) continue;
            var severities = c[2].Split(',');
            var groups = c[3].Split(',');
            for (int i = 0; i < severities.Length; i++)
            {
                long severity = long.Parse(severities[i], System.Globalization.CultureInfo.InvariantCulture);
                long group = i < groups.Length ? long.Parse(groups[i], System.Globalization.CultureInfo.InvariantCulture) : 0;
                if (severity >= Error || (severity == Warning && group != SequenceGroup))
                    problems.Add($"{c[0]}: {(c.Length > 4 ? c[4] : "")}");
            }
        }
        return problems;
    }

    private static bool Has(Dictionary<string, string[]> frame, string field, string value) =>
        frame.TryGetValue(field, out var values) && values.Contains(value);
}
