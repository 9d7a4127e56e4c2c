using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>
/// Two GRE endpoints facing each other: what the left one transmits reaches the right one, either at once or
/// held back so a test can deliver it in any order with <see cref="Carry"/>.
/// </summary>
internal sealed class LoopbackPair
{
    private readonly List<byte[]> _inFlight = [];

    public LoopbackPair(GreTunnelOptions left, GreTunnelOptions right, TimeProvider? time = null, bool deliverImmediately = true)
    {
        time ??= new ManualTimeProvider();
        RightHost = new RecordingHost();
        Right = new GreTunnel(right, time, RightHost);
        LeftHost = new ForwardingHost(this, deliverImmediately);
        Left = new GreTunnel(left, time, LeftHost);
    }

    public GreTunnel Left { get; }
    public GreTunnel Right { get; }
    public ForwardingHost LeftHost { get; }
    public RecordingHost RightHost { get; }

    /// <summary>Delivers held packets to the right endpoint, by their index in transmission order.</summary>
    public void Carry(params int[] indices)
    {
        foreach (int i in indices) Right.Receive(_inFlight[i]);
    }

    internal sealed class ForwardingHost(LoopbackPair pair, bool immediately) : ITunnelHost
    {
        private readonly RecordingHost _record = new();

        public List<byte[]> Transmitted => _record.Transmitted;
        public List<(byte[] Packet, int Mtu)> TooBig => _record.TooBig;

        public void Transmit(ReadOnlySpan<byte> outerPacket)
        {
            _record.Transmit(outerPacket);
            if (immediately) pair.Right.Receive(outerPacket);
            else pair._inFlight.Add(outerPacket.ToArray());
        }

        public void Deliver(NetMobility.Wire.EtherType protocol, ReadOnlySpan<byte> payload) => _record.Deliver(protocol, payload);
        public void ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) => _record.ReportTooBig(innerPacket, mtu);
        public void ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) => _record.ReportUnreachable(innerPacket, code);
    }
}
