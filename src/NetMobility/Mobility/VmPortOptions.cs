using NetMobility.Mobility.Announce;

namespace NetMobility.Mobility;

/// <summary>How a hypervisor runs a VM's port across a move.</summary>
public sealed record VmPortOptions
{
    /// <summary>IP MTU of the VM's interface.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>Frames the VM sends after a move and before its registration is in force, held and sent on in order once it is.</summary>
    public int HeldFrames { get; init; } = 256;

    public int HeldBytes { get; init; } = 256 * 1024;

    /// <summary>What announces the VM on a foreign link: RARP, as QEMU's announce-self, so the switch learns its port.</summary>
    public AnnounceForms AwayForms { get; init; } = AnnounceForms.Rarp;

    public AnnounceSchedule AwaySchedule { get; init; } = AnnounceSchedule.Qemu;

    /// <summary>
    /// What announces the VM back home: gratuitous ARP as request and reply, so every cache that pointed at the home
    /// agent points at the VM again, and RARP for the switch.
    /// </summary>
    public AnnounceForms HomeForms { get; init; } = AnnounceForms.All;

    /// <summary>Outlasts Linux's 1 s ARP locktime: a neighbour that took the home agent's last announcement still takes a later round.</summary>
    public AnnounceSchedule HomeSchedule { get; init; } = AnnounceSchedule.Qemu.Outlasting(AnnounceSchedule.LinuxLocktime);
}
