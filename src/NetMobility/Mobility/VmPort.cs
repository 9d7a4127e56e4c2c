using NetMobility.Links;
using NetMobility.Runtime;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;
using NetMobility.Mobility.Announce;

namespace NetMobility.Mobility;

/// <summary>
/// A VM's network port as its hypervisor runs it: the link of the VM's interface, plugged into whichever host
/// link the VM runs on. The hypervisor registers on the VM's behalf (the VM runs no Mobile IP): it feeds the
/// <see cref="RegistrationClient"/> the agent advertisements and registration replies that reach the port,
/// sends its requests and solicitations from the VM's hardware and home addresses, announces the VM on each
/// new link, and holds what the VM sends after a move until the registration is in force, so that nothing is
/// lost to a path that is not there yet. Runs on the event loop.
/// </summary>
public sealed class VmPort : IFrameLink, IRegistrationClientHost, IHeldPacketSink, IDisposable
{
    private readonly VmPortOptions _options;
    private readonly TimeProvider _time;
    private readonly HandoverBuffer _held;
    private readonly HandoverBuffer _incoming;
    private bool _holdingIncoming;
    private readonly Dictionary<uint, MacAddress> _neighbours = [];
    private readonly FrameReceiver _fromPort;
    private readonly byte[] _frame;
    private (RegistrationAddressing Addressing, byte[] Message)? _awaitingAddress;
    private Announcement? _announcement;
    private IFrameLink? _port;
    private ushort _identification;

    public VmPort(EventLoop loop, string name, RegistrationClientOptions registration, VmPortOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(registration);
        _options = options ?? new VmPortOptions();
        Name = name;
        Mac = registration.Mac;
        Mtu = _options.Mtu;
        HomeAddress = registration.HomeAddress;
        _time = new LoopTimeProvider(loop);
        _held = new HandoverBuffer(_options.HeldFrames, _options.HeldBytes);
        _incoming = new HandoverBuffer(_options.HeldFrames, _options.HeldBytes);
        _frame = new byte[EthernetHeader.UntaggedLength + Mtu];
        _fromPort = OnPortFrame;
        Client = new RegistrationClient(registration, this, _time);
        Client.StateChanged += OnRegistrationState;
    }

    public string Name { get; }

    /// <summary>The VM's hardware address.</summary>
    public MacAddress Mac { get; }

    public Ipv4Address HomeAddress { get; }
    public int Mtu { get; }
    public bool IsUp { get; set; } = true;

    /// <summary>Where frames for the VM go: the VM's node.</summary>
    public FrameReceiver? Receiver { get; set; }

    public LinkCounters Counters { get; } = new();
    public RegistrationClient Client { get; }
    public VmLocation Location { get; private set; }

    /// <summary>The host link the port is plugged into, if any.</summary>
    public IFrameLink? Port => _port;

    /// <summary>Frames the VM sent while its registration was not in force yet, held or sent on since.</summary>
    public HandoverBuffer Held => _held;

    /// <summary>Frames for the VM that reached its port at the destination before it resumed there, held and delivered on resume.</summary>
    public HandoverBuffer HeldForVm => _incoming;

    /// <summary>Plugs the port into the VM's home link, as at boot: no announcement, no registration.</summary>
    public void StartAtHome(IFrameLink port)
    {
        Plug(port);
        Location = VmLocation.Home;
    }

    /// <summary>
    /// The VM, paused for stop-and-copy, is coming to a foreign link: the destination host plugs its port there before
    /// it runs and registers it through the link's foreign agent now, so that the home agent's tunnel is in place when
    /// it resumes. Until <see cref="ResumeAway"/> on the same link, what reaches the port for the VM is held (as a
    /// paused guest's receive queue holds it), the registration's own messages aside.
    /// </summary>
    public void RegisterAhead(IFrameLink port)
    {
        Plug(port);
        Location = VmLocation.Away;
        _holdingIncoming = true;
        Client.MovedAway();
    }

    /// <summary>The VM is paused for a move: its port is pulled; what reaches the old link for it from now on is not its to see.</summary>
    public void Pause()
    {
        _holdingIncoming = false;
        _incoming.Discard();
        _announcement?.Dispose();
        _announcement = null;
        if (_port is not null) _port.Receiver = null;
        _port = null;
        Location = VmLocation.Unplugged;
    }

    /// <summary>
    /// The VM resumes on a foreign link: announced there (RARP, as QEMU does), its registration started through the
    /// link's foreign agent, and what it sends held until that registration is in force.
    /// </summary>
    public void ResumeAway(IFrameLink port)
    {
        if (_holdingIncoming && ReferenceEquals(port, _port))
        {
            // Registered ahead from this link: the VM now takes what was held for it, in order.
            _holdingIncoming = false;
            Announce(_options.AwayForms, _options.AwaySchedule);
            _incoming.Release(new ToVm(this));
            return;
        }
        Plug(port);
        Location = VmLocation.Away;
        Announce(_options.AwayForms, _options.AwaySchedule);
        Client.MovedAway();
    }

    /// <summary>The VM resumes on its home link: announced with gratuitous ARP and RARP, its bindings deregistered.</summary>
    public void ResumeHome(IFrameLink port) => ResumeHome(port, fromAnotherHost: false);

    /// <summary>
    /// As <see cref="ResumeHome(IFrameLink)"/>; with <paramref name="fromAnotherHost"/> the VM comes from a host whose port
    /// registered it (this port never saw it away), and its bindings are deregistered all the same.
    /// </summary>
    public void ResumeHome(IFrameLink port, bool fromAnotherHost)
    {
        Plug(port);
        Location = VmLocation.Home;
        Announce(_options.HomeForms, _options.HomeSchedule);
        ReleaseHeld();
        if (fromAnotherHost) Client.ArrivedHome();
        else Client.ReturnedHome();
    }

    /// <summary>A frame from the VM.</summary>
    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (!IsUp || _port is null)
        {
            Counters.CountDrop(LinkDrop.Down);
            return false;
        }
        if (Location == VmLocation.Away && Client.State != RegistrationState.Registered)
        {
            if (!_held.TryHold(frame))
            {
                Counters.CountDrop(LinkDrop.QueueFull);
                return false;
            }
            return true;
        }
        if (!_port.Send(frame)) return false;
        Counters.CountSent(frame.Length);
        return true;
    }

    public void Dispose()
    {
        Pause();
        Client.Dispose();
        _held.Dispose();
        _incoming.Dispose();
    }

    private void Plug(IFrameLink port)
    {
        Pause();
        _port = port;
        port.Receiver = _fromPort;
    }

    private void Announce(AnnounceForms forms, AnnounceSchedule schedule)
    {
        _announcement?.Dispose();
        _announcement = new Announcement(TransmitOnPort, _time, Mac, HomeAddress, forms, schedule);
        _announcement.Start();
    }

    private bool TransmitOnPort(ReadOnlySpan<byte> frame) => _port is not null && _port.Send(frame);

    private void OnRegistrationState(RegistrationClient client)
    {
        if (client.State == RegistrationState.Registered) ReleaseHeld();
    }

    private void ReleaseHeld()
    {
        if (_held.Count > 0) _held.Release(this);
    }

    void IHeldPacketSink.Release(ReadOnlySpan<byte> frame)
    {
        if (_port is not null && _port.Send(frame)) Counters.CountSent(frame.Length);
    }

    /// <summary>
    /// A frame reaching the VM. Agent advertisements go to the registration client (and on to the VM, which has no
    /// use for them), registration replies for the VM's port go to the client alone; everything else to the VM.
    /// </summary>
    private void OnPortFrame(ReadOnlySpan<byte> frame)
    {
        if (!IsUp) return;
        Counters.CountReceived(frame.Length);
        if (EthernetFrame.TryCreate(frame, out var ethernet, out _))
        {
            if (ethernet.EtherType == EtherType.Arp) Learn(ethernet.Payload);
            else if (ethernet.EtherType == EtherType.Ipv4 && TakeForClient(ethernet)) return;
        }
        if (_holdingIncoming) _incoming.TryHold(frame); // one that does not fit is counted by the buffer
        else Receiver?.Invoke(frame);
    }

    private readonly struct ToVm(VmPort port) : IHeldPacketSink
    {
        public void Release(ReadOnlySpan<byte> frame) => port.Receiver?.Invoke(frame);
    }

    private bool TakeForClient(EthernetFrame ethernet)
    {
        if (!Ipv4Packet.TryCreate(ethernet.Payload, ChecksumPolicy.Verify, out var ip, out _)) return false;
        if (ip.Protocol == IpProtocol.Icmp && Icmpv4Packet.TryCreate(ip.Payload, ChecksumPolicy.Verify, out var icmp, out _)
            && icmp.Type == Icmpv4Type.RouterAdvertisement)
        {
            Client.OnAdvertisement(ip.Source, ethernet.Source, ip.Payload);
            return false;
        }
        if (ip.Protocol != IpProtocol.Udp || ip.Destination != HomeAddress
            || !UdpDatagram.TryCreate(ip.Payload, ip.Source, ip.Destination, ChecksumPolicy.Verify, out var udp, out _)
            || udp.DestinationPort != Client.Options.SourcePort
            || udp.Payload.IsEmpty || udp.Payload[0] != (byte)MobileIpMessageType.RegistrationReply)
            return false;
        Client.OnReply(udp.Payload, new RegistrationAddressing(ip.Source, udp.SourcePort, ip.Destination, udp.DestinationPort, ip.TimeToLive,
            ethernet.Source, ethernet.Destination));
        return true;
    }

    /// <summary>Hardware addresses of neighbours, from the ARP that passes, so a request to the home agent can be framed.</summary>
    private void Learn(ReadOnlySpan<byte> payload)
    {
        if (!ArpMessage.TryParse(payload, out var arp, out _, out _) || arp.SenderIp.IsUnspecified || arp.SenderIp == HomeAddress) return;
        _neighbours[arp.SenderIp.Value] = arp.SenderMac;
        if (_awaitingAddress is { } waiting && waiting.Addressing.Destination == arp.SenderIp)
        {
            _awaitingAddress = null;
            SendRegistration(waiting.Addressing, waiting.Message);
        }
    }

    public void SendRegistration(in RegistrationAddressing addressing, ReadOnlySpan<byte> message)
    {
        if (_port is null) return;
        var destination = addressing.LinkDestination;
        if (destination is null && _neighbours.TryGetValue(addressing.Destination.Value, out var known)) destination = known;
        if (destination is not MacAddress mac)
        {
            // Not known yet: ask as the VM would, and send once the answer passes the port.
            _awaitingAddress = (addressing, message.ToArray());
            SendArpRequest(addressing.Destination);
            return;
        }
        int length = MobilityFrames.WriteUdp(_frame, mac, Mac, addressing, ++_identification, message);
        _port.Send(_frame.AsSpan(0, length));
    }

    /// <summary>RFC 5944 sec 2.2: an Agent Solicitation is a router solicitation with IP TTL 1.</summary>
    public void SendSolicitation(Ipv4Address source, MacAddress linkSource, ReadOnlySpan<byte> icmpMessage)
    {
        if (_port is null) return;
        var header = new Ipv4Header(source, Ipv4Address.Broadcast, IpProtocol.Icmp, icmpMessage.Length, TimeToLive: 1, Identification: ++_identification);
        int length = MobilityFrames.WriteIp(_frame, MacAddress.Broadcast, linkSource, header, icmpMessage);
        _port.Send(_frame.AsSpan(0, length));
    }

    private void SendArpRequest(Ipv4Address target)
    {
        var frame = _frame.AsSpan(0, EthernetHeader.UntaggedLength + ArpMessage.PacketLength);
        new EthernetHeader(MacAddress.Broadcast, Mac, EtherType.Arp).Emit(frame);
        ArpMessage.Request(Mac, HomeAddress, target).Emit(frame[EthernetHeader.UntaggedLength..]);
        _port!.Send(frame);
    }
}
