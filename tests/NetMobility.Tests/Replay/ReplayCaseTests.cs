using System.Globalization;
using NetMobility.Replay;
using NetMobility.Tests.Interop;
using NetMobility.Wire;

namespace NetMobility.Tests.Replay;

/// <summary>
/// Every case under captures/replay (built by captures/replay/make.py with scapy): the input goes through
/// <see cref="Replayer.Run"/>, the code path of <c>netmob replay</c>, and what comes out must be the expected
/// capture frame by frame: same interface, link type, time to the nanosecond and bytes. tshark must read the
/// output without a malformed frame or an expert warning, where it can decode the frame: tshark 4.0 reads whatever
/// follows an RFC 3519 tunnel data header as IPv4 without looking at its Next Header, so a frame carrying GRE there
/// (Next Header 47, sec 3.3) or a minimal forwarding header (55) shows as "Bogus IP version"; those frames, and only
/// those, are excused.
/// </summary>
public class ReplayCaseTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(RepositoryFiles.Path("captures", "replay")).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Replaying_the_input_gives_the_expected_capture(string name)
    {
        string folder = RepositoryFiles.Path("captures", "replay", name);
        string input = Directory.GetFiles(folder, "in.*").Single();
        string expected = Directory.GetFiles(folder, "expected.*").Single();
        string output = Path.Combine(Directory.CreateTempSubdirectory("netmob-replay-").FullName, "out" + Path.GetExtension(expected));

        var summary = Replayer.Run(input, Path.Combine(folder, "config.json"), output, MobilityRoles.AddTo(new ReplayRoles()));

        var want = CapturedFrame.ReadAll(expected);
        var got = CapturedFrame.ReadAll(output);
        Assert.Equal(CapturedFrame.ReadAll(input).Count, summary.FramesIn);
        for (int i = 0; i < Math.Min(want.Count, got.Count); i++)
            Assert.True(want[i] == got[i], $"frame {i + 1} differs:\n expected {want[i]}\n got      {got[i]}");
        Assert.Equal(want.Count, got.Count);
        var problems = Tshark.Problems(output).Where(p => !CarriesNonIpInsideUdp(got[int.Parse(p[..p.IndexOf(':')], CultureInfo.InvariantCulture) - 1])).ToList();
        Assert.Empty(problems);
    }

    /// <summary>An Ethernet frame with an RFC 3519 tunnel data message (UDP, type 4) whose Next Header is GRE or minimal encapsulation.</summary>
    private static bool CarriesNonIpInsideUdp(CapturedFrame frame)
    {
        var bytes = Hex.Bytes(frame.Hex);
        return EthernetFrame.TryCreate(bytes, out var ethernet, out _) && ethernet.EtherType == EtherType.Ipv4
            && Ipv4Packet.TryCreate(ethernet.Payload, ChecksumPolicy.None, out var ip, out _) && ip.Protocol == IpProtocol.Udp
            && UdpDatagram.TryCreate(ip.Payload, out var udp, out _)
            && TunnelDataPacket.TryCreate(udp.Payload, out var data, out _)
            && data.NextHeader is IpProtocol.Gre or IpProtocol.MinimalEncapsulation;
    }

    [Fact]
    public void Tshark_flags_gre_or_minimal_encapsulation_inside_a_tunnel_data_message_and_nothing_else_in_those_cases()
    {
        // The excuse above is no blanket: in each case with GRE or minimal encapsulation inside UDP, tshark flags exactly
        // the frames that carry it.
        foreach (var name in new[] { "home-agent-udp-gre", "foreign-agent-udp-gre", "home-agent-udp-minimal", "foreign-agent-udp-minimal" })
        {
            string expected = Directory.GetFiles(RepositoryFiles.Path("captures", "replay", name), "expected.*").Single();
            var frames = CapturedFrame.ReadAll(expected);
            var flagged = Tshark.Problems(expected).Select(p => int.Parse(p[..p.IndexOf(':')], CultureInfo.InvariantCulture)).Distinct().Order().ToList();
            var nonIpInside = Enumerable.Range(1, frames.Count).Where(i => CarriesNonIpInsideUdp(frames[i - 1])).ToList();
            Assert.NotEmpty(nonIpInside);
            Assert.Equal(nonIpInside, flagged);
        }
    }

    [Fact]
    public void Every_case_has_its_three_files_and_the_generator_is_there()
    {
        Assert.True(File.Exists(RepositoryFiles.Path("captures", "replay", "make.py")));
        var folders = Directory.GetDirectories(RepositoryFiles.Path("captures", "replay"));
        Assert.True(folders.Length >= 8);
        foreach (var folder in folders)
        {
            Assert.Single(Directory.GetFiles(folder, "in.*"));
            Assert.Single(Directory.GetFiles(folder, "expected.*"));
            Assert.True(File.Exists(Path.Combine(folder, "config.json")), folder);
        }
    }
}
