using NetMobility.Runtime;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Host;

/// <summary>
/// The link of one node interface whose device the kernel provides (TAP, AF_PACKET, libpcap), kept by the
/// daemon through failures: the node always has this link; the device under it may be missing (not there yet,
/// deleted, refused) and is opened again by <see cref="Check"/>, which the daemon calls on its loop every second.
/// While there is no device, sends are refused as <see cref="LinkDrop.Down"/>. <see cref="Counters"/> add up over every
/// device the link has had. Runs on the event loop, except <see cref="Counters"/>, which may be read from anywhere.
/// </summary>
public sealed class DeviceLink : IFrameLink, IDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(8);

    private readonly EventLoop _loop;
    private readonly DeviceLinkSpec _spec;
    private readonly FrameReceiver _fromDevice;
    private readonly long[] _innerDropsSeen = new long[Enum.GetValues<LinkDrop>().Length];
    private IFrameLink? _device;
    private TimeSpan _retry = FirstRetry;
    private long _retryAtTicks;
    private bool _up = true;
    private bool _everOpened;

    public DeviceLink(EventLoop loop, string name, MacAddress mac, int mtu, DeviceLinkSpec spec)
    {
        (_loop, _spec, Name, Mac, Mtu) = (loop, spec, name, mac, mtu);
        _fromDevice = OnDeviceFrame;
    }

    public string Name { get; }
    public MacAddress Mac { get; }
    public int Mtu { get; }
    public DeviceLinkSpec Spec => _spec;
    public FrameReceiver? Receiver { get; set; }
    public LinkCounters Counters { get; } = new();

    /// <summary>The open device, or null while there is none.</summary>
    public IFrameLink? Device => _device;

    /// <summary>Why the device is not open (the last refusal or fault), or null while it is.</summary>
    public string? Problem { get; private set; }

    /// <summary>Times a device was opened after the first (the interface came back).</summary>
    public int Reopened { get; private set; }

    /// <summary>Called on the loop when the device comes (true) or goes (false), with the reason when it goes.</summary>
    public Action<DeviceLink, bool, string?>? StateChanged { get; set; }

    public bool IsUp
    {
        get => _up;
        set
        {
            _up = value;
            if (_device is not null) _device.IsUp = value;
        }
    }

    /// <summary>Opens the device now; false (with <see cref="Problem"/> set and a retry scheduled) when it cannot be.</summary>
    public bool TryOpen()
    {
        if (_device is not null) return true;
        IFrameLink device;
        try
        {
            device = _spec.Open(_loop, Mac, Mtu);
        }
        catch (Exception e) when (e is LinkOpenException or TapException or InterfaceLinkException)
        {
            bool news = Problem != e.Message;
            Problem = e.Message;
            ScheduleRetry();
            if (news) StateChanged?.Invoke(this, false, e.Message);
            return false;
        }
        Array.Clear(_innerDropsSeen);
        device.IsUp = _up;
        device.Receiver = _fromDevice;
        if (_everOpened) Reopened++;
        _everOpened = true;
        _device = device;
        Problem = null;
        _retry = FirstRetry;
        StateChanged?.Invoke(this, true, null);
        return true;
    }

    /// <summary>
    /// The supervisor's tick: takes the device's drop counts over, closes a device that has failed for good, and opens
    /// one again when its retry is due.
    /// </summary>
    public void Check()
    {
        if (_device is { } device)
        {
            SyncDrops(device);
            if (_spec.FaultOf(device) is string fault) Close(fault);
            return;
        }
        if (_loop.Time.GetTimestamp() >= _retryAtTicks) TryOpen();
    }

    /// <summary>Lets the device go (the interface was deleted or failed); the link tries to open it again later.</summary>
    public void Close(string reason)
    {
        if (_device is not { } device) return;
        SyncDrops(device);
        _device = null;
        (device as IDisposable)?.Dispose();
        Problem = reason;
        ScheduleRetry();
        StateChanged?.Invoke(this, false, reason);
    }

    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (_device is not { } device)
        {
            Counters.CountDrop(LinkDrop.Down);
            return false;
        }
        if (device.Send(frame))
        {
            Counters.CountSent(frame.Length);
            return true;
        }
        SyncDrops(device);
        return false;
    }

    private void OnDeviceFrame(ReadOnlySpan<byte> frame)
    {
        Counters.CountReceived(frame.Length);
        Receiver?.Invoke(frame);
    }

    private void SyncDrops(IFrameLink device)
    {
        for (int i = 0; i < _innerDropsSeen.Length; i++)
        {
            long now = device.Counters.Drops((LinkDrop)i);
            if (now > _innerDropsSeen[i]) Counters.CountDrops((LinkDrop)i, now - _innerDropsSeen[i]);
            _innerDropsSeen[i] = now;
        }
    }

    private void ScheduleRetry()
    {
        _retryAtTicks = _loop.Time.GetTimestamp() + (long)(_retry.TotalSeconds * _loop.Time.TimestampFrequency);
        _retry = _retry * 2 > LastRetry ? LastRetry : _retry * 2;
    }

    public void Dispose()
    {
        var device = _device;
        _device = null;
        (device as IDisposable)?.Dispose();
    }

    public override string ToString() => $"{Name} ({_spec.Describe()}, {(_device is null ? "no device" : "open")})";
}
