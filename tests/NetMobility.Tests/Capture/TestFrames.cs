namespace NetMobility.Tests.Capture;

/// <summary>
/// Packets for capture tests, produced with scapy 2.5.0 (bytes_hex of Ether()/ARP() and IP()/UDP()/ICMP()),
/// so that the interop tests hand Wireshark frames with correct checksums.
/// </summary>
internal static class TestFrames
{
    /// <summary>Ethernet broadcast ARP request: who has 10.0.0.2, tell 10.0.0.1 (02:00:00:00:00:01). 42 bytes.</summary>
    public static readonly byte[] ArpRequest = Hex.Bytes(
        "ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002");

    /// <summary>The reply: 10.0.0.2 is at 02:00:00:00:00:02. 42 bytes.</summary>
    public static readonly byte[] ArpReply = Hex.Bytes(
        "020000000001 020000000002 0806 0001 0800 06 04 0002 020000000002 0a000002 020000000001 0a000001");

    /// <summary>Gratuitous ARP request announcing 10.0.0.3 at 02:00:00:00:00:03. 42 bytes.</summary>
    public static readonly byte[] GratuitousArp = Hex.Bytes(
        "ffffffffffff 020000000003 0806 0001 0800 06 04 0001 020000000003 0a000003 000000000000 0a000003");

    /// <summary>Raw IPv4: 10.0.0.1:40000 -> 192.0.2.7:9999 UDP "netmobility". 39 bytes.</summary>
    public static readonly byte[] Ipv4Udp = Hex.Bytes(
        "4500 0027 0001 0000 4011 aebd 0a000001 c0000207 9c40 270f 0013 d259 6e65746d6f62696c697479");

    /// <summary>Raw IPv4: ICMP echo request 10.0.0.1 -> 192.0.2.7, id 0x1234 seq 1, "ping". 32 bytes.</summary>
    public static readonly byte[] Ipv4EchoRequest = Hex.Bytes(
        "4500 0020 0002 0000 4001 aed3 0a000001 c0000207 08 00 06fa 1234 0001 70696e67");

    /// <summary>The matching echo reply. 32 bytes.</summary>
    public static readonly byte[] Ipv4EchoReply = Hex.Bytes(
        "4500 0020 0003 0000 4001 aed2 c0000207 0a000001 00 00 0efa 1234 0001 70696e67");
}
