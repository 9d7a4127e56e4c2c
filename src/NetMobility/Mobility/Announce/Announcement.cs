using NetMobility.Wire;

namespace NetMobility.Mobility.Announce;

/// <summary>Puts a whole Ethernet frame on a link; false when the link refuses it. The span is valid only during the call.</summary>
public delegate bool FrameTransmitter(ReadOnlySpan<byte> frame);

/// <summary>
/// One announcement of an address at a hardware address, repeated on an <see cref="AnnounceSchedule"/>:
/// after a VM migrated (the hypervisor announces it on its new link, as QEMU does), when a home agent starts
/// answering for a node away from home, and when the node comes back (RFC 5944 sec 4.6). Each round sends the
/// <see cref="AnnounceForms"/> asked for, broadcast, from <see cref="EthernetSource"/>. Timers come from the
/// given <see cref="TimeProvider"/>.
/// </summary>
public sealed class Announcement : IDisposable
{
    /// <summary>Frames are padded to the Ethernet minimum of 60 bytes (no FCS), as QEMU builds its RARP.</summary>
    public const int FrameLength = 60;

    private readonly FrameTransmitter _transmit;
    private readonly ITimer _timer;
    private readonly object _gate = new();
    private int _roundsSent;
    private bool _running;

    /// <param name="ethernetSource">Source of the Ethernet header; the announced hardware address when null. A home agent announcing a node's own address on its behalf sends from its own.</param>
    public Announcement(FrameTransmitter transmit, TimeProvider time, MacAddress mac, Ipv4Address address, AnnounceForms forms,
        AnnounceSchedule? schedule = null, MacAddress? ethernetSource = null)
    {
        ArgumentNullException.ThrowIfNull(transmit);
        schedule ??= AnnounceSchedule.Qemu;
        if (schedule.Validate() is string problem) throw new ArgumentException(problem, nameof(schedule));
        if (forms == 0 || (forms & ~AnnounceForms.All) != 0) throw new ArgumentOutOfRangeException(nameof(forms), forms, "no announcement form chosen");
        if ((forms & (AnnounceForms.ArpRequest | AnnounceForms.ArpReply)) != 0 && address.IsUnspecified)
            throw new ArgumentException("an ARP announcement needs an address", nameof(address));
        _transmit = transmit;
        Mac = mac;
        Address = address;
        Forms = forms;
        Schedule = schedule;
        EthernetSource = ethernetSource ?? mac;
        _timer = time.CreateTimer(static s => ((Announcement)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public MacAddress Mac { get; }
    public Ipv4Address Address { get; }
    public AnnounceForms Forms { get; }
    public AnnounceSchedule Schedule { get; }
    public MacAddress EthernetSource { get; }

    public int RoundsSent
    {
        get { lock (_gate) return _roundsSent; }
    }

    /// <summary>Frames the link took.</summary>
    public long FramesSent { get; private set; }

    /// <summary>Frames the link refused.</summary>
    public long FramesRefused { get; private set; }

    public bool IsRunning
    {
        get { lock (_gate) return _running; }
    }

    /// <summary>Sends the first round now and arms the timer for the rest; a running announcement starts over.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _roundsSent = 0;
            _running = true;
        }
        SendRound();
    }

    public void Cancel()
    {
        lock (_gate) _running = false;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        Cancel();
        _timer.Dispose();
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (!_running) return;
        }
        SendRound();
    }

    private void SendRound()
    {
        Span<byte> frame = stackalloc byte[FrameLength];
        if ((Forms & AnnounceForms.ArpRequest) != 0) Send(frame, ArpMessage.Announcement(Mac, Address));
        if ((Forms & AnnounceForms.ArpReply) != 0) Send(frame, ArpMessage.Reply(Mac, Address, Mac, Address));
        if ((Forms & AnnounceForms.Rarp) != 0) Send(frame, ArpMessage.ReverseRequest(Mac));
        int round;
        lock (_gate)
        {
            round = ++_roundsSent;
            if (round >= Schedule.Rounds) _running = false;
            if (!_running) return;
        }
        _timer.Change(Schedule.PauseAfter(round), Timeout.InfiniteTimeSpan);
    }

    private void Send(Span<byte> frame, in ArpMessage message)
    {
        frame.Clear();
        int header = new EthernetHeader(MacAddress.Broadcast, EthernetSource, message.EtherType).Emit(frame);
        message.Emit(frame[header..]);
        if (_transmit(frame)) FramesSent++;
        else FramesRefused++;
    }
}
