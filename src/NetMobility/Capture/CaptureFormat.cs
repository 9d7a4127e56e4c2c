namespace NetMobility.Capture;

/// <summary>The two capture file formats this toolkit reads and writes.</summary>
public enum CaptureFormat
{
    /// <summary>Classic libpcap savefile (draft-ietf-opsawg-pcap).</summary>
    Pcap,
    /// <summary>PCAP Next Generation (draft-ietf-opsawg-pcapng).</summary>
    Pcapng,
}
