using System.Buffers;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Net;

/// <summary>
/// One interface of a <see cref="Node"/>: an Ethernet link (<see cref="Link"/>) or a point-to-point
/// datagram link such as a tunnel (<see cref="PacketLink"/>), with an address and the prefix of the
/// network it sits on. Created by <see cref="Node.AddInterface(IFrameLink, Ipv4Address, int)"/>.
/// </summary>
public sealed class NetInterface
{
    internal NetInterface(Node node, int index, IFrameLink? link, IPacketLink? packetLink, Ipv4Address address, int prefixLength)
    {
        Node = node;
        Index = index;
        Link = link;
        PacketLink = packetLink;
        Address = address;
        Prefix = new Ipv4Prefix(address, prefixLength);
    }

    public Node Node { get; }
    internal int Index { get; }

    /// <summary>The Ethernet link, or null for a datagram link.</summary>
    public IFrameLink? Link { get; }

    /// <summary>The datagram link, or null for an Ethernet link.</summary>
    public IPacketLink? PacketLink { get; }

    public string Name => Link?.Name ?? PacketLink!.Name;

    /// <summary>The interface's hardware address; zero on a datagram link.</summary>
    public MacAddress Mac => Link?.Mac ?? MacAddress.Zero;

    public Ipv4Address Address { get; }
    public Ipv4Prefix Prefix { get; }
    public int Mtu => Link?.Mtu ?? PacketLink!.Mtu;
    public bool IsUp => Link?.IsUp ?? PacketLink!.IsUp;

    /// <summary>Drop packets whose source does not route back out of this interface (RFC 3704 sec 2.2, strict uRPF).</summary>
    public bool IngressFilter { get; set; }

    /// <summary>Accept unicast frames for any hardware address, as the port owner of a bridged guest does.</summary>
    public bool Promiscuous { get; set; }

    /// <summary>True for the limited broadcast and this network's directed broadcast.</summary>
    public bool IsBroadcast(Ipv4Address address) =>
        address.IsBroadcast || (Prefix.Length < 31 && address == Prefix.Broadcast);

    /// <summary>
    /// Sends a frame with this interface's hardware address as source: ARP, gratuitous announcements, or a
    /// frame an agent builds itself. False when the interface is not Ethernet or the link refuses it.
    /// </summary>
    public bool SendFrame(MacAddress destination, EtherType etherType, ReadOnlySpan<byte> payload)
    {
        if (Link is null) return false;
        int length = EthernetHeader.UntaggedLength + payload.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            new EthernetHeader(destination, Mac, etherType).Emit(buffer);
            payload.CopyTo(buffer.AsSpan(EthernetHeader.UntaggedLength));
            return Link.Send(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override string ToString() => $"{Name} {Address}/{Prefix.Length}";
}
