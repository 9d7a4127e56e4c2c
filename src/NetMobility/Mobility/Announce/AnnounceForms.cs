namespace NetMobility.Mobility.Announce;

/// <summary>Which frames each announcement round sends; any combination.</summary>
[Flags]
public enum AnnounceForms
{
    /// <summary>RFC 5227 sec 2.3 ARP Announcement: a broadcast request, sender and target IP both the address, target MAC zero.</summary>
    ArpRequest = 1,
    /// <summary>Gratuitous ARP reply (RFC 5944 sec 4.6): sender and target IP the address, sender and target MAC the hardware address.</summary>
    ArpReply = 2,
    /// <summary>RARP request for one's own address (RFC 903), broadcast, as QEMU's announce-self sends so that switches learn the port.</summary>
    Rarp = 4,
    All = ArpRequest | ArpReply | Rarp,
}
