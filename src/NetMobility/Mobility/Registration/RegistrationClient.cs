using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;

namespace NetMobility.Mobility.Registration;

/// <summary>
/// Registers a VM with its home agent on the VM's behalf, as the hypervisor does in a migration (the VM itself runs
/// no Mobile IP): after a move it finds the foreign agent (advertisement or solicitation), registers through it with
/// IP TTL 255 (RFC 3024 sec 4.1.1), retransmits with a doubling timeout (RFC 5944 sec 3.6.3), renews before the
/// lifetime ends, resynchronises on code 133 (RFC 5944 sec 5.7), and deregisters straight with the home agent when
/// the VM is back home (RFC 5944 sec 3.6.1.2). Timers come from the given <see cref="TimeProvider"/>; calls and timer
/// callbacks must come from one thread at a time (the node's event loop).
/// </summary>
public sealed class RegistrationClient : IDisposable
{
    private const int MaxRequestLength = 128;
    private const int ImmediateResyncs = 2;
    private static readonly Ipv4Address LimitedBroadcast = Ipv4Address.Broadcast;

    private readonly RegistrationClientOptions _options;
    private readonly IRegistrationClientHost _host;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private TimeSpan _backoff;
    private ulong _lastIdentification;
    private ulong _outstanding;
    private uint? _homeAgentNonce;
    private ushort _lifetime;
    private DateTimeOffset _sentAt;
    private int _resyncs;
    private Ipv4Address _homeAgent;
    private bool _leavingAway;

    public RegistrationClient(RegistrationClientOptions options, IRegistrationClientHost host, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        _host = host;
        _time = time;
        _homeAgent = options.HomeAgent;
        _timer = time.CreateTimer(static s => ((RegistrationClient)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public RegistrationClientOptions Options => _options;
    public RegistrationState State { get; private set; }

    /// <summary>The code of the last reply taken, or null before the first.</summary>
    public RegistrationReplyCode? LastCode { get; private set; }

    /// <summary>The foreign agent on the VM's current link, once one advertised itself.</summary>
    public ForeignAgentInfo? Agent { get; private set; }

    /// <summary>The home agent requests go to: the configured one, or the one a 136 reply named.</summary>
    public Ipv4Address HomeAgent => _homeAgent;

    /// <summary>Lifetime the home agent granted to the registration in force, seconds.</summary>
    public ushort GrantedLifetime { get; private set; }

    /// <summary>When the registration in force runs out (counted from when its request went out, RFC 5944 sec 3.6.2.2).</summary>
    public DateTimeOffset? RegisteredUntil { get; private set; }

    /// <summary>How far the home agent's clock is ahead of this one, learnt from a 133 reply (RFC 5944 sec 5.7.1).</summary>
    public TimeSpan ClockOffset { get; private set; }

    public long RequestsSent { get; private set; }
    public long Retransmissions { get; private set; }
    public long SolicitationsSent { get; private set; }

    /// <summary>Replies that were not for the request outstanding, or failed authentication, and were dropped.</summary>
    public long RepliesDropped { get; private set; }

    /// <summary>Raised after every change of <see cref="State"/>.</summary>
    public event Action<RegistrationClient>? StateChanged;

    /// <summary>The VM now runs on a foreign link: find the agent there and register through it.</summary>
    public void MovedAway()
    {
        Agent = null;
        _leavingAway = false;
        RegisteredUntil = null;
        _backoff = _options.SolicitationInterval;
        SetState(RegistrationState.Discovering);
        Solicit();
    }

    /// <summary>The VM is back on its home link: deregister every binding (lifetime 0, care-of address the home address).</summary>
    public void ReturnedHome()
    {
        Agent = null;
        _leavingAway = false;
        if (State == RegistrationState.AtHome) return;
        Deregister();
    }

    /// <summary>
    /// The VM arrives on its home link from another host, whose client registered it: deregister every binding, whatever
    /// this client knew (it never saw the VM away).
    /// </summary>
    public void ArrivedHome()
    {
        Agent = null;
        _leavingAway = false;
        Deregister();
    }

    /// <summary>
    /// The VM's host stops hosting it on this foreign link (it shuts down): the binding for this care-of address is
    /// deregistered through the foreign agent (lifetime 0, RFC 5944 sec 3.6.1.2 and 3.8.2.2), so that the home agent stops
    /// tunnelling into a host that is going. The request is relayed as a registration is (one hop, the flags the agent
    /// takes); the reply ends in <see cref="RegistrationState.Deregistered"/>. False when there is nothing to deregister:
    /// no registration through an agent is in force or being renewed.
    /// </summary>
    public bool LeaveAway()
    {
        if (State is not (RegistrationState.Registered or RegistrationState.Registering) || Agent is null || RegisteredUntil is null) return false;
        _leavingAway = true;
        Deregister();
        return true;
    }

    private void Deregister()
    {
        RegisteredUntil = null;
        _backoff = _options.InitialRetransmission;
        SetState(RegistrationState.Deregistering);
        SendRequest(retransmission: false);
    }

    /// <summary>
    /// An ICMP router advertisement heard on the VM's link, from <paramref name="source"/> at <paramref name="sourceMac"/>.
    /// A foreign agent's (F bit, a care-of address) becomes <see cref="Agent"/>; while discovering, registration starts.
    /// An agent whose sequence number fell below 256 has restarted and lost its visitors (RFC 5944 sec 2.3.2): register again.
    /// </summary>
    public bool OnAdvertisement(Ipv4Address source, MacAddress sourceMac, ReadOnlySpan<byte> icmpMessage)
    {
        if (!Icmpv4Packet.TryCreate(icmpMessage, ChecksumPolicy.Verify, out var icmp, out _)
            || !icmp.TryGetMobilityAgentAdvertisement(out var extension)
            || (extension.Flags & MobilityAgentFlags.ForeignAgent) == 0
            || extension.CareOfAddressCount == 0)
            return false;
        if (State is RegistrationState.AtHome or RegistrationState.Deregistering or RegistrationState.Deregistered) return true;

        var previous = Agent;
        var agent = new ForeignAgentInfo(source, sourceMac, extension.GetCareOfAddress(0), extension.RegistrationLifetime, extension.Flags, extension.SequenceNumber);
        Agent = agent;
        bool restarted = previous is { } p && p.Address == agent.Address && agent.Sequence < AgentAdvertiser.SequenceWrap && agent.Sequence < p.Sequence;
        bool busy = (agent.Flags & MobilityAgentFlags.Busy) != 0;
        if ((State == RegistrationState.Discovering || (restarted && State == RegistrationState.Registered)) && !busy)
        {
            _backoff = _options.InitialRetransmission;
            SetState(RegistrationState.Registering);
            SendRequest(retransmission: false);
        }
        return true;
    }

    /// <summary>A registration reply addressed to the VM. False when it was not taken (not for the request out, or not authentic).</summary>
    public bool OnReply(ReadOnlySpan<byte> message, in RegistrationAddressing from)
    {
        if (State is not (RegistrationState.Registering or RegistrationState.Deregistering)
            || !RegistrationReplyPacket.TryCreate(message, out var view, out _)
            || view.HomeAddress != _options.HomeAddress
            // RFC 5944 sec 3.6.2.1: the low-order 32 bits of the Identification must be those of the request.
            || (uint)view.Identification != (uint)_outstanding
            || !IsAuthentic(message, view))
        {
            RepliesDropped++;
            return false;
        }
        var code = view.Code;
        LastCode = code;
        if (code.IsAccepted())
        {
            Accepted(view);
            return true;
        }
        switch (code)
        {
            case RegistrationReplyCode.HomeAgentIdentificationMismatch:
                Resynchronise(view.Identification);
                break;
            case RegistrationReplyCode.ForeignAgentRequestedLifetimeTooLong when view.Lifetime > 0:
                // RFC 5944 sec 3.7.2.3: the reply names the longest lifetime the agent takes.
                _lifetime = view.Lifetime;
                SendRequest(retransmission: false);
                break;
            case RegistrationReplyCode.HomeAgentUnknownHomeAgentAddress when view.HomeAgent != _homeAgent:
                _homeAgent = view.HomeAgent;
                SendRequest(retransmission: false);
                break;
            case RegistrationReplyCode.ForeignAgentRegistrationTimeout:
            case RegistrationReplyCode.ForeignAgentInsufficientResources:
            case RegistrationReplyCode.ForeignAgentHomeNetworkUnreachable:
            case RegistrationReplyCode.ForeignAgentHomeAgentHostUnreachable:
            case RegistrationReplyCode.ForeignAgentHomeAgentPortUnreachable:
            case RegistrationReplyCode.ForeignAgentHomeAgentUnreachable:
            case RegistrationReplyCode.HomeAgentInsufficientResources:
                // Conditions that pass: the retransmission timer tries again.
                break;
            default:
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                SetState(RegistrationState.Denied);
                break;
        }
        return true;
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>
    /// RFC 5944 sec 3.6.2.1: a reply must carry a valid Mobile-Home authenticator, except a denial by the foreign agent,
    /// which cannot make one; a foreign agent sharing an association with the node must have added a valid Mobile-Foreign one.
    /// </summary>
    private bool IsAuthentic(ReadOnlySpan<byte> message, RegistrationReplyPacket view)
    {
        bool byForeignAgent = (byte)view.Code is >= 64 and < 128;
        if (view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var mobileHome))
        {
            if (!AuthenticationExtension.TryParse(mobileHome.Data(message), out var spi, out _, out _)
                || spi.Spi != _options.Association.Spi || !_options.Association.Verify(message, mobileHome))
                return false;
        }
        else if (!byForeignAgent)
        {
            return false;
        }
        if (_options.ForeignAgentAssociation is { } foreign && State == RegistrationState.Registering)
        {
            return view.Extensions.TryFind(MobileIpExtensionType.MobileForeignAuthentication, out var mobileForeign)
                && foreign.Verify(message, mobileForeign);
        }
        return true;
    }

    private void Accepted(RegistrationReplyPacket view)
    {
        if (_options.Association.Replay == ReplayProtection.Nonces) _homeAgentNonce = (uint)(view.Identification >> 32);
        _resyncs = 0;
        if (State == RegistrationState.Deregistering)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            GrantedLifetime = 0;
            RegisteredUntil = null;
            SetState(_leavingAway ? RegistrationState.Deregistered : RegistrationState.AtHome);
            return;
        }
        GrantedLifetime = view.Lifetime;
        if (view.Lifetime == RegistrationRequest.InfiniteLifetime)
        {
            RegisteredUntil = DateTimeOffset.MaxValue;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        else
        {
            var lifetime = TimeSpan.FromSeconds(view.Lifetime);
            RegisteredUntil = _sentAt + lifetime;
            var renewAt = _sentAt + lifetime * _options.RenewalPoint;
            _timer.Change(Max(renewAt - _time.GetUtcNow(), TimeSpan.Zero), Timeout.InfiniteTimeSpan);
        }
        SetState(RegistrationState.Registered);
    }

    /// <summary>RFC 5944 sec 5.7: a 133 hands over the home agent's clock (timestamps) or its next nonce (nonces); send again at once.</summary>
    private void Resynchronise(ulong identification)
    {
        if (_options.Association.Replay == ReplayProtection.Nonces)
        {
            _homeAgentNonce = (uint)(identification >> 32);
        }
        else
        {
            var now = _time.GetUtcNow();
            ClockOffset = TimeSpan.FromSeconds(unchecked((int)((uint)(identification >> 32) - MobileIpTimestamp.Seconds(now))));
        }
        // Twice at once at most: a home agent that keeps answering 133 gets the ordinary retransmission pace.
        if (_resyncs++ < ImmediateResyncs) SendRequest(retransmission: false);
    }

    private void OnTimer()
    {
        switch (State)
        {
            case RegistrationState.Discovering:
                Solicit();
                break;
            case RegistrationState.Registering:
            case RegistrationState.Deregistering:
                SendRequest(retransmission: true);
                break;
            case RegistrationState.Registered:
                // Renewal, before the lifetime ends.
                _backoff = _options.InitialRetransmission;
                SetState(RegistrationState.Registering);
                SendRequest(retransmission: false);
                break;
        }
    }

    private void Solicit()
    {
        Span<byte> icmp = stackalloc byte[Icmpv4Message.HeaderLength];
        Icmpv4Message.RouterSolicitation().Emit(icmp);
        SolicitationsSent++;
        _timer.Change(_backoff, Timeout.InfiniteTimeSpan);
        _backoff = Min(_backoff * 2, _options.MaxSolicitationInterval);
        _host.SendSolicitation(_options.HomeAddress, _options.Mac, icmp);
    }

    private void SendRequest(bool retransmission)
    {
        bool deregistering = State == RegistrationState.Deregistering && !_leavingAway;
        if (!deregistering && Agent is null) return;
        var now = _time.GetUtcNow();
        if (!retransmission && !deregistering && !_leavingAway && _lifetime == 0) _lifetime = LifetimeFor(Agent!.Value);
        var request = deregistering
            ? new RegistrationRequest(RegistrationFlags.None, 0, _options.HomeAddress, _homeAgent, _options.HomeAddress, NextIdentification(now))
            : new RegistrationRequest(FlagsFor(Agent!.Value), _lifetime, _options.HomeAddress, _homeAgent, Agent.Value.CareOfAddress, NextIdentification(now));

        Span<byte> buffer = stackalloc byte[MaxRequestLength];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(request);
        _options.Association.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        if (!deregistering)
        {
            // RFC 3024 sec 3.3: the delivery style extension follows the Mobile-Home authenticator, for the foreign agent to consume.
            if (_options.EncapsulatingDelivery && (request.Flags & RegistrationFlags.ReverseTunnel) != 0) writer.WriteEncapsulatingDeliveryStyle();
            _options.ForeignAgentAssociation?.Authenticate(ref writer, MobileIpExtensionType.MobileForeignAuthentication);
        }

        var to = deregistering
            // Home again: straight to the home agent (RFC 5944 sec 3.6.1.1).
            ? new RegistrationAddressing(_options.HomeAddress, _options.SourcePort, _homeAgent, RegistrationAddressing.Port, LinkSource: _options.Mac)
            // Through the foreign agent, one hop: TTL 255 (RFC 3024 sec 4.1.1), framed to its hardware address.
            : new RegistrationAddressing(_options.HomeAddress, _options.SourcePort, Agent!.Value.Address, RegistrationAddressing.Port,
                RegistrationAddressing.OneHopTimeToLive, _options.Mac, Agent.Value.Mac);
        _outstanding = request.Identification;
        _sentAt = now;
        RequestsSent++;
        if (retransmission) Retransmissions++;

        // RFC 5944 sec 3.6.3: the timeout doubles, and never exceeds the lifetime asked for. Armed before sending,
        // so that a reply handled before the send returns re-arms it for the renewal instead.
        var wait = _backoff;
        var ceiling = deregistering || _leavingAway ? _options.MaxRetransmission : Min(_options.MaxRetransmission, TimeSpan.FromSeconds(Math.Max((int)request.Lifetime, 1)));
        _backoff = Min(_backoff * 2, ceiling);
        _timer.Change(Min(wait, ceiling), Timeout.InfiniteTimeSpan);
        _host.SendRegistration(to, writer.Written);
    }

    /// <summary>RFC 5944 sec 3.6.1.2: no longer than the agent advertises.</summary>
    private ushort LifetimeFor(in ForeignAgentInfo agent) => Math.Min(_options.Lifetime, agent.MaxLifetime);

    /// <summary>The flags asked for, less what the agent does not advertise (T, G, M).</summary>
    private RegistrationFlags FlagsFor(in ForeignAgentInfo agent)
    {
        var flags = _options.Flags;
        if ((agent.Flags & MobilityAgentFlags.ReverseTunneling) == 0) flags &= ~RegistrationFlags.ReverseTunnel;
        if ((agent.Flags & MobilityAgentFlags.GreEncapsulation) == 0) flags &= ~RegistrationFlags.Gre;
        if ((agent.Flags & MobilityAgentFlags.MinimalEncapsulation) == 0) flags &= ~RegistrationFlags.MinimalEncapsulation;
        return flags;
    }

    /// <summary>RFC 5944 sec 5.7: the time of day on the home agent's clock, always increasing; or the home agent's nonce and a new one of ours.</summary>
    private ulong NextIdentification(DateTimeOffset now)
    {
        ulong identification;
        if (_options.Association.Replay == ReplayProtection.Nonces)
        {
            identification = ((ulong)_homeAgentNonce.GetValueOrDefault() << 32) | _options.NonceSource();
        }
        else
        {
            identification = MobileIpTimestamp.From(now + ClockOffset);
            if (_lastIdentification != 0 && unchecked((long)(identification - _lastIdentification)) <= 0) identification = _lastIdentification + 1;
        }
        _lastIdentification = identification;
        return identification;
    }

    private void SetState(RegistrationState state)
    {
        if (state is RegistrationState.Registering or RegistrationState.Deregistering && State != state) _lifetime = 0;
        State = state;
        StateChanged?.Invoke(this);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
