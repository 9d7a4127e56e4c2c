using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>Keeps a copy of every packet a tunnel delivers, in delivery order.</summary>
internal sealed class RecordingSink : IInnerPacketSink
{
    public List<(EtherType Protocol, byte[] Payload)> Delivered { get; } = [];

    public void Deliver(EtherType protocol, ReadOnlySpan<byte> payload) => Delivered.Add((protocol, payload.ToArray()));

    /// <summary>The sequence number each test payload carries in its first four bytes, in delivery order.</summary>
    public uint[] Sequences() => Delivered.Select(d => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d.Payload)).ToArray();
}
