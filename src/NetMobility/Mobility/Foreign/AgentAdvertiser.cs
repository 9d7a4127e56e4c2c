using NetMobility.Wire;
using NetMobility.Mobility.Home;

namespace NetMobility.Mobility.Foreign;

/// <summary>Sends an ICMP message from the agent's address on the visitors' link, IP TTL 1 (RFC 5944 sec 2.1: an advertisement never leaves the link).</summary>
public interface IAdvertisementSender
{
    void SendAdvertisement(Ipv4Address destination, ReadOnlySpan<byte> icmpMessage);
}

/// <summary>
/// A foreign agent's Agent Advertisements (RFC 5944 sec 2.1 and 2.3): unsolicited ones every interval, and one in
/// answer to each Agent Solicitation. Sequence numbers start at 0 and after 0xFFFF go on at 256, so that 0-255
/// always mean the agent restarted (RFC 5944 sec 2.3.2). The flags follow the agent's options (R, F, H and B held on,
/// M and G from the encapsulations, T from the reverse tunnel policy, U from UDP tunnelling, RFC 3519 sec 3.4) and, for
/// B, whether its visitor list is full.
/// </summary>
public sealed class AgentAdvertiser : IDisposable
{
    /// <summary>Where the sequence goes after 0xFFFF (RFC 5944 sec 2.3.2).</summary>
    public const ushort SequenceWrap = 256;

    private const int MaxLength = 64;

    private ForeignAgentOptions _options;
    private readonly IAdvertisementSender _sender;
    private readonly Func<bool> _busy;
    private readonly ITimer _timer;
    private ushort _nextSequence;
    private bool _started;

    /// <param name="busy">Whether the agent takes no more visitors now (the B bit).</param>
    public AgentAdvertiser(ForeignAgentOptions options, IAdvertisementSender sender, Func<bool> busy, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        _sender = sender;
        _busy = busy;
        _timer = time.CreateTimer(static s => ((AgentAdvertiser)s!).Advertise(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The sequence number the next advertisement will carry.</summary>
    public ushort NextSequence => _nextSequence;

    public long Sent { get; private set; }

    /// <summary>The flags word of the Mobility Agent Advertisement Extension this agent sends now.</summary>
    public MobilityAgentFlags Flags
    {
        get
        {
            // RFC 5944 sec 2.1.1: each flag as the options say; M and G follow the encapsulations offered and T the reverse
            // tunnel policy, so that nothing is advertised that a request would be denied for.
            var flags = MobilityAgentFlags.None;
            if (_options.RegistrationRequired) flags |= MobilityAgentFlags.RegistrationRequired;
            if (_options.ForeignAgentService) flags |= MobilityAgentFlags.ForeignAgent;
            if (_options.AlsoHomeAgent) flags |= MobilityAgentFlags.HomeAgent;
            if (_options.Busy || _busy()) flags |= MobilityAgentFlags.Busy;
            flags |= MobileIpEncapsulation.AdvertisedFlags(_options.Encapsulations);
            if (_options.ReverseTunnel != ReverseTunnelPolicy.Unavailable) flags |= MobilityAgentFlags.ReverseTunneling;
            // RFC 3519 sec 3.4: U when the agent supports UDP tunnelling, which it does while it asks home agents for it.
            if (_options.UdpTunnel != UdpTunnelMode.Off && _options.AdvertiseUdpTunnelling) flags |= MobilityAgentFlags.UdpTunneling;
            return flags;
        }
    }

    /// <summary>Sends the first advertisement now and one every interval after it.</summary>
    public void Start()
    {
        _started = true;
        Advertise();
    }

    /// <summary>
    /// Takes new advertisement settings (interval, lifetime, destination, flags) while running: the next advertisement follows
    /// them, and a running schedule is re-armed at the new interval. The sequence goes on (nothing restarted).
    /// </summary>
    public void Change(ForeignAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        if (_started) _timer.Change(_options.AdvertisementInterval, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The settings advertisements follow now.</summary>
    public ForeignAgentOptions Options => _options;

    public void Stop()
    {
        _started = false;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Answers an Agent Solicitation from <paramref name="source"/> (RFC 5944 sec 2.3: at once, unicast to a soliciting
    /// node that has an address, else to the advertisement destination). False when the message is no solicitation.
    /// </summary>
    public bool OnSolicitation(Ipv4Address source, ReadOnlySpan<byte> icmpMessage)
    {
        if (!Icmpv4Packet.TryCreate(icmpMessage, ChecksumPolicy.Verify, out var icmp, out _) || icmp.Type != Icmpv4Type.RouterSolicitation) return false;
        Send(source.IsUnspecified ? _options.AdvertisementDestination : source);
        return true;
    }

    /// <summary>Writes the advertisement with sequence number <paramref name="sequence"/>; returns its length.</summary>
    public int Write(Span<byte> buffer, ushort sequence)
    {
        var writer = new AgentAdvertisementWriter(buffer, _options.AdvertisementLifetime);
        writer.AddRouterAddress(_options.Address, 0);
        writer.AddMobilityAgentAdvertisement(sequence, _options.MaxLifetime, Flags, [_options.CareOfAddress]);
        writer.AddPrefixLengths([(byte)_options.PrefixLength]);
        return writer.Finish();
    }

    public void Dispose()
    {
        Stop();
        _timer.Dispose();
    }

    private void Advertise()
    {
        if (!_started) return;
        Send(_options.AdvertisementDestination);
        _timer.Change(_options.AdvertisementInterval, Timeout.InfiniteTimeSpan);
    }

    private void Send(Ipv4Address destination)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        int length = Write(buffer, _nextSequence);
        _nextSequence = _nextSequence == ushort.MaxValue ? SequenceWrap : (ushort)(_nextSequence + 1);
        _sender.SendAdvertisement(destination, buffer[..length]);
        Sent++;
    }
}
