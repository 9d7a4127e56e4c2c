using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// A gretap tunnel (GRE protocol type 0x6558) as an Ethernet link: frames sent into it are encapsulated and
/// leave by the routes of the node the tunnel lives on; frames decapsulated from it are delivered to
/// <see cref="Receiver"/> by work items on that node's loop. Attach it to a node as an interface, or bridge
/// it onto a segment. Its MTU is the tunnel MTU (the underlay's less 20 + GRE + 14). Created by <see cref="NodeTunnels"/>.
/// </summary>
public sealed class GretapLink : IFrameLink, ITunnelHost, IDisposable
{
    private readonly Node _underlay;
    private readonly InboundQueue _inbound;
    private bool _sending;

    internal GretapLink(Node underlay, string name, MacAddress mac, GreTunnelOptions options, int queueCapacity)
    {
        if (options.Mode != GreMode.Ethernet) throw new ArgumentException("a gretap link needs a GRE tunnel in Ethernet mode", nameof(options));
        _underlay = underlay;
        Name = name;
        Mac = mac;
        _inbound = new InboundQueue(underlay.Loop, queueCapacity, DeliverFrame);
        Tunnel = new GreTunnel(options, new LoopTimeProvider(underlay.Loop), this);
    }

    public string Name { get; }
    public MacAddress Mac { get; }
    public GreTunnel Tunnel { get; }
    public int Mtu => Tunnel.Mtu;
    public bool IsUp { get; set; } = true;
    public FrameReceiver? Receiver { get; set; }
    public LinkCounters Counters { get; } = new();

    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (!FrameCheck.IsSendable(frame, Mtu, out var reason))
        {
            Counters.CountDrop(reason);
            return false;
        }
        if (!IsUp)
        {
            Counters.CountDrop(LinkDrop.Down);
            return false;
        }
        if (_sending)
        {
            Tunnel.Counters.Drop(TunnelDropReason.Loop);
            return false;
        }
        long sent = Tunnel.Counters.PacketsOut;
        _sending = true;
        try
        {
            Tunnel.Send(frame);
        }
        finally
        {
            _sending = false;
        }
        if (Tunnel.Counters.PacketsOut == sent)
        {
            // Only a tagged frame gets past the check above and still outgrows the underlay.
            Counters.CountDrop(LinkDrop.TooBig);
            return false;
        }
        Counters.CountSent(frame.Length);
        return true;
    }

    void ITunnelHost.Transmit(ReadOnlySpan<byte> outerPacket) => _underlay.SendIp(outerPacket);

    void IInnerPacketSink.Deliver(EtherType protocol, ReadOnlySpan<byte> payload)
    {
        if (!IsUp)
        {
            Counters.CountDrop(LinkDrop.Down);
            return;
        }
        if (!_inbound.TryPost(payload)) Counters.CountDrop(LinkDrop.QueueFull);
    }

    void ITunnelHost.ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) => InnerSenderReport.SendTooBig(_underlay, innerPacket, mtu);

    void ITunnelHost.ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) => InnerSenderReport.Send(_underlay, innerPacket, code);

    private void DeliverFrame(ReadOnlySpan<byte> frame)
    {
        if (!IsUp)
        {
            Counters.CountDrop(LinkDrop.Down);
            return;
        }
        Counters.CountReceived(frame.Length);
        Receiver?.Invoke(frame);
    }

    public void Dispose() => Tunnel.Dispose();

    public override string ToString() => $"{Name} (gretap {Tunnel.Local} -> {Tunnel.Remote}, {Mac}, MTU {Mtu})";
}
