using System.Buffers.Binary;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>A tunnel host that keeps a copy of everything the endpoint hands it.</summary>
internal sealed class RecordingHost : ITunnelHost
{
    public List<byte[]> Transmitted { get; } = [];
    public List<(EtherType Protocol, byte[] Payload)> Delivered { get; } = [];
    public List<(byte[] Packet, int Mtu)> TooBig { get; } = [];
    public List<(byte[] Packet, Icmpv4UnreachableCode Code)> Unreachable { get; } = [];

    public void Transmit(ReadOnlySpan<byte> outerPacket) => Transmitted.Add(outerPacket.ToArray());
    public void Deliver(EtherType protocol, ReadOnlySpan<byte> payload) => Delivered.Add((protocol, payload.ToArray()));
    public void ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) => TooBig.Add((innerPacket.ToArray(), mtu));
    public void ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) => Unreachable.Add((innerPacket.ToArray(), code));

    /// <summary>The ICMP echo sequence number of each delivered inner IPv4 packet (20-byte header, echo at offset 26).</summary>
    public int[] DeliveredEchoSequences() => Delivered.Select(d => (int)BinaryPrimitives.ReadUInt16BigEndian(d.Payload.AsSpan(26))).ToArray();
}
