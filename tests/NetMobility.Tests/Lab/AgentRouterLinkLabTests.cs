using NetMobility.Lab.Site;
using static NetMobility.Tests.Lab.AgentLab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The two-agent lab of <see cref="AgentDaemonLabTests"/> with the routers' links between the sites on veth pairs instead
/// of TAPs, the daemons (separate processes) holding their ends as AF_PACKET sockets or through libpcap with a capture
/// filter: the kernel's ping and TCP reach the VM at home, at the foreign site and home again, and the captures the
/// daemons take open in tshark with no malformed frame.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class AgentRouterLinkLabTests
{
    [Theory]
    [InlineData(RouterLinks.Packet, "packet")]
    [InlineData(RouterLinks.Pcap, "pcap")]
    public async Task Kernel_ping_and_tcp_reach_the_vm_at_home_away_and_home_again_over_veth_links(RouterLinks links, string kind)
    {
        LabPrerequisites.Require();
        LabPrerequisites.RequireEthtool();
        if (links == RouterLinks.Pcap) LabPrerequisites.RequirePcap();
        using var lab = new AgentLab(links: links);
        await lab.StartAsync();

        foreach (string socket in new[] { lab.HomeSocket, lab.ForeignSocket, lab.Topology.Socket("wan") })
        {
            var status = Status(socket);
            var devices = status.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("device").GetString()!.StartsWith(kind + " ", StringComparison.Ordinal)).ToList();
            Assert.True(devices.Count > 0, $"{socket}: no {kind} link in {status.GetProperty("links")}");
            Assert.All(devices, l => Assert.Equal("up", l.GetProperty("state").GetString()));
        }

        lab.PingAndTransfer("at home");
        await lab.MoveAwayAsync();
        lab.PingAndTransfer("away");
        var binding = Assert.Single(Status(lab.HomeSocket).GetProperty("bindings").EnumerateArray());
        Assert.Equal("198.51.100.1", binding.GetProperty("careOf").GetString());
        Assert.True(Status(lab.HomeSocket).GetProperty("counters").GetProperty("homeAgent").GetProperty("reverseTunnelled").GetInt64() > 0,
            "nothing came back through the reverse tunnel");
        await lab.MoveHomeAsync();
        lab.PingAndTransfer("home again");

        await lab.StopAndCheckCaptureAsync(lab.Home!, "home");
        await lab.StopAndCheckCaptureAsync(lab.Wan!, "wan");
        await lab.StopAndCheckCaptureAsync(lab.Foreign!, "foreign");
        // The daemons let their interfaces be: the veth ends are where the lab put them.
        Assert.Contains(LabTopology.DaemonEnd(lab.Topology.HomeTap), NetMobility.Lab.NetNamespace.Existing(lab.Topology.Routers).Ip("link", "show"));
    }
}
