using NetMobility.Mobility;
using NetMobility.Wire;
using NetMobility.Mobility.Announce;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

public class AnnouncementTests
{
    // Reference frames built with scapy 2.5.0 and padded with zeros to 60 bytes (VM = 52:54:00:00:00:42, the scenario's VM):
    //   Ether(dst="ff:ff:ff:ff:ff:ff", src=VM)/ARP(op=1, hwsrc=VM, psrc="10.1.0.42", hwdst="00:00:00:00:00:00", pdst="10.1.0.42")
    //   Ether(dst="ff:ff:ff:ff:ff:ff", src=VM)/ARP(op=2, hwsrc=VM, psrc="10.1.0.42", hwdst=VM, pdst="10.1.0.42")
    //   Ether(dst="ff:ff:ff:ff:ff:ff", src=VM, type=0x8035)/ARP(op=3, hwsrc=VM, psrc="0.0.0.0", hwdst=VM, pdst="0.0.0.0")
    private const string ArpAnnouncement = "ffffffffffff525400000042080600010800060400015254000000420a01002a0000000000000a01002a000000000000000000000000000000000000";
    private const string ArpReply = "ffffffffffff525400000042080600010800060400025254000000420a01002a5254000000420a01002a000000000000000000000000000000000000";
    private const string Rarp = "ffffffffffff525400000042803500010800060400035254000000420000000052540000004200000000000000000000000000000000000000000000";

    [Fact]
    public void Qemu_default_schedule_sends_five_rounds_at_0_50_200_450_800_ms()
    {
        var clock = Clock();
        var link = new RecordingFrames(clock);
        using var announcement = new Announcement(link.Transmit, clock, VmMac, Home, AnnounceForms.Rarp);
        announcement.Start();
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal([0, 50, 200, 450, 800], link.Sent.Select(s => s.At.TotalMilliseconds));
        Assert.All(link.Sent, s => Assert.Equal(Rarp, Hex.Of(s.Frame)));
        Assert.False(announcement.IsRunning);
        Assert.Equal(5, announcement.RoundsSent);
        Assert.Equal(TimeSpan.FromMilliseconds(800), AnnounceSchedule.Qemu.Duration);
    }

    [Fact]
    public void Each_round_sends_every_form_asked_for_matching_scapy()
    {
        var clock = Clock();
        var link = new RecordingFrames(clock);
        using var announcement = new Announcement(link.Transmit, clock, VmMac, Home, AnnounceForms.All, AnnounceSchedule.Qemu with { Rounds = 1 });
        announcement.Start();
        Assert.Equal([ArpAnnouncement, ArpReply, Rarp], link.Sent.Select(s => Hex.Of(s.Frame)));

        Assert.True(EthernetFrame.TryCreate(link.Sent[0].Frame, out var frame, out _));
        Assert.True(ArpMessage.TryParse(frame.Payload, out var arp, out _, out _));
        Assert.True(arp.IsGratuitous);
        Assert.Equal(3, announcement.FramesSent);
    }

    [Fact]
    public void Pauses_grow_by_the_step_and_stop_at_the_maximum()
    {
        var schedule = new AnnounceSchedule { Rounds = 8, Initial = TimeSpan.FromMilliseconds(50), Step = TimeSpan.FromMilliseconds(100), Max = TimeSpan.FromMilliseconds(550) };
        Assert.Equal([50, 150, 250, 350, 450, 550, 550], Enumerable.Range(1, 7).Select(r => schedule.PauseAfter(r).TotalMilliseconds));
    }

    [Fact]
    public void A_schedule_can_be_stretched_to_outlast_linux_arp_locktime()
    {
        var outlasting = AnnounceSchedule.Qemu.Outlasting(AnnounceSchedule.LinuxLocktime);
        Assert.Equal(6, outlasting.Rounds);
        Assert.Equal(TimeSpan.FromMilliseconds(1250), outlasting.Duration);
        Assert.True(outlasting.Duration > AnnounceSchedule.LinuxLocktime);

        var clock = Clock();
        var link = new RecordingFrames(clock);
        using var announcement = new Announcement(link.Transmit, clock, VmMac, Home, AnnounceForms.ArpRequest, outlasting);
        announcement.Start();
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([0, 50, 200, 450, 800, 1250], link.Sent.Select(s => s.At.TotalMilliseconds));
        // A neighbour that took the first round and locked its entry for 1 s still sees a round after the lock ends.
        Assert.Contains(link.Sent, s => s.At > AnnounceSchedule.LinuxLocktime);
    }

    [Fact]
    public void An_agent_announcing_for_a_node_sends_from_its_own_ethernet_address()
    {
        var clock = Clock();
        var link = new RecordingFrames(clock);
        var agentMac = MacAddress.Parse("02:00:00:00:01:02");
        using var announcement = new Announcement(link.Transmit, clock, VmMac, Home, AnnounceForms.ArpReply, AnnounceSchedule.Qemu with { Rounds = 1 }, agentMac);
        announcement.Start();
        Assert.True(EthernetFrame.TryCreate(link.Sent.Single().Frame, out var frame, out _));
        Assert.Equal(agentMac, frame.Source);
        Assert.True(ArpMessage.TryParse(frame.Payload, out var arp, out _, out _));
        Assert.Equal(VmMac, arp.SenderMac);
        Assert.Equal(VmMac, arp.TargetMac);
    }

    [Fact]
    public void Cancel_stops_the_rounds_and_start_begins_again()
    {
        var clock = Clock();
        var link = new RecordingFrames(clock);
        using var announcement = new Announcement(link.Transmit, clock, VmMac, Home, AnnounceForms.Rarp);
        announcement.Start();
        clock.Advance(TimeSpan.FromMilliseconds(60));
        announcement.Cancel();
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, link.Sent.Count);
        Assert.False(announcement.IsRunning);

        announcement.Start();
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(7, link.Sent.Count);
    }

    [Fact]
    public void Refused_frames_are_counted_and_the_rounds_go_on()
    {
        var clock = Clock();
        var link = new RecordingFrames(clock) { Refuse = true };
        using var announcement = new Announcement(link.Transmit, clock, VmMac, Home, AnnounceForms.ArpRequest | AnnounceForms.Rarp);
        announcement.Start();
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, announcement.FramesRefused);
        Assert.Equal(0, announcement.FramesSent);
        Assert.Equal(5, announcement.RoundsSent);
    }

    [Fact]
    public void An_arp_form_without_an_address_is_refused()
    {
        var clock = Clock();
        var link = new RecordingFrames(clock);
        Assert.Throws<ArgumentException>(() => new Announcement(link.Transmit, clock, VmMac, Ipv4Address.Any, AnnounceForms.ArpRequest));
        using var rarpOnly = new Announcement(link.Transmit, clock, VmMac, Ipv4Address.Any, AnnounceForms.Rarp);
        Assert.Throws<ArgumentException>(() => new Announcement(link.Transmit, clock, VmMac, Home, AnnounceForms.Rarp, AnnounceSchedule.Qemu with { Rounds = 0 }));
    }
}
