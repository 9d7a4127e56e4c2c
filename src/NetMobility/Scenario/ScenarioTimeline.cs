using NetMobility.Migration.Engine;

namespace NetMobility.Scenario;

/// <summary>A pre-copy round on the timeline: when it began, how long it took, what it sent and what the guest left dirty.</summary>
public readonly record struct TimelineRound(int Round, bool StopAndCopy, double StartMs, double DurationMs, long WireBytes, long DirtyPages);

/// <summary>A moment of the run marked on the timeline (the pause, the resume, the registration, the first packet).</summary>
public readonly record struct TimelineMark(string Name, double TimeMs);

/// <summary>One TCP session on the timeline: octets delivered over time, and where it stands now.</summary>
public sealed class TimelineSession(string name, int capacity)
{
    public string Name { get; } = name;

    /// <summary>Octets delivered to the receiving applications, once and in order, over time (megabytes).</summary>
    public TimelineSeries Delivered { get; } = new(name, "MB", capacity);

    public long BytesDelivered { get; internal set; }

    /// <summary>Segments both ends sent again.</summary>
    public long Retransmissions { get; internal set; }

    /// <summary>The last request's latency, for a session that measures one.</summary>
    public TimeSpan? LastLatency { get; internal set; }

    /// <summary>Request latencies, by the time the request was sent (milliseconds); empty for a session without requests.</summary>
    public TimelineSeries Latency { get; } = new($"{name} latency", "ms", capacity);
}

/// <summary>
/// What a scenario run looked like over time, recorded as it runs: the memory migration's progress and rounds, each
/// TCP session's octets delivered and request latency, the ping round trips, and the moments of the move. The run
/// feeds it through these methods (<see cref="Watch"/> and <see cref="WatchMigration"/> sample the sessions and the
/// engine on the virtual clock); <see cref="Sampled"/> tells a live view after each sample, and
/// <see cref="ScenarioTimelineSvg"/> draws it at the end. Times are milliseconds of virtual time from
/// <see cref="Start"/>, the origin of the scenario report's timeline. Every series is bounded
/// (<see cref="TimelineSeries"/>); recording a sample allocates nothing once a session is known.
/// </summary>
public sealed class ScenarioTimeline
{
    /// <summary>How often <see cref="Watch"/> and <see cref="WatchMigration"/> sample, in virtual time.</summary>
    public static readonly TimeSpan DefaultSampleInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Names of the marks <see cref="Record"/> lays down.</summary>
    public const string StartMark = "migration starts", PausedMark = "paused", RegistrationSentMark = "registration sent", ResumedMark = "resumed",
        RolledBackMark = "rolled back", RegisteredMark = "registered", FirstPacketMark = "first packet";

    private readonly int _capacity;
    private readonly List<TimelineSession> _sessions = [];
    private readonly List<TimelineRound> _rounds = [];
    private readonly List<TimelineMark> _marks = [];
    private readonly object _gate = new();
    private DateTimeOffset? _origin;

    public ScenarioTimeline(int capacity = TimelineSeries.DefaultCapacity)
    {
        _capacity = capacity;
        PingRtt = new TimelineSeries("ping", "ms", capacity);
    }

    /// <summary>Raised after each sample (on the thread that recorded it), for a live view: read the timeline's state there.</summary>
    public event Action<ScenarioTimeline>? Sampled;

    /// <summary>Where the run began on its virtual clock; null until <see cref="Start"/>.</summary>
    public DateTimeOffset? Origin => _origin;

    /// <summary>Virtual time from the origin to the newest sample.</summary>
    public TimeSpan Elapsed { get; private set; }

    public IReadOnlyList<TimelineSession> Sessions => _sessions;
    public IReadOnlyList<TimelineRound> Rounds => _rounds;
    public IReadOnlyList<TimelineMark> Marks => _marks;

    /// <summary>Ping round trips, by the time the request left (milliseconds).</summary>
    public TimelineSeries PingRtt { get; }

    public TimeSpan? LastPingRtt { get; private set; }

    /// <summary>The memory migration's newest progress, while it runs; null before it began.</summary>
    public MigrationProgress? Migration { get; private set; }

    /// <summary>The memory migration is over (its rounds are recorded or its engine finished).</summary>
    public bool MigrationFinished { get; private set; }

    /// <summary>Sets the origin: times are recorded from here. A second call is refused: the timeline has one origin.</summary>
    public void Start(DateTimeOffset origin)
    {
        if (_origin is not null) throw new InvalidOperationException("the timeline has already started");
        _origin = origin;
    }

    public void SessionProgress(string session, DateTimeOffset at, long bytesDelivered, long retransmissions)
    {
        var s = Session(session);
        s.BytesDelivered = bytesDelivered;
        s.Retransmissions = retransmissions;
        s.Delivered.Add(Ms(at), bytesDelivered / 1e6);
    }

    /// <summary>A request of <paramref name="session"/> sent at <paramref name="sent"/> got its whole response after <paramref name="latency"/>.</summary>
    public void RequestLatency(string session, DateTimeOffset sent, TimeSpan latency)
    {
        var s = Session(session);
        s.LastLatency = latency;
        s.Latency.Add(Ms(sent), latency.TotalMilliseconds);
    }

    /// <summary>An echo request sent at <paramref name="sent"/> was answered after <paramref name="rtt"/>.</summary>
    public void PingReply(DateTimeOffset sent, TimeSpan rtt)
    {
        LastPingRtt = rtt;
        PingRtt.Add(Ms(sent), rtt.TotalMilliseconds);
    }

    public void Round(int round, bool stopAndCopy, DateTimeOffset start, TimeSpan duration, long wireBytes, long dirtyPages) =>
        _rounds.Add(new TimelineRound(round, stopAndCopy, Ms(start), duration.TotalMilliseconds, wireBytes, dirtyPages));

    public void Mark(string name, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _marks.Add(new TimelineMark(name, Ms(at)));
    }

    /// <summary>The engine's progress at <paramref name="at"/>.</summary>
    public void MigrationProgress(DateTimeOffset at, in MigrationProgress progress)
    {
        Advance(at);
        Migration = progress;
    }

    /// <summary>Moves <see cref="Elapsed"/> to <paramref name="at"/> (never back) and tells the live view.</summary>
    public void Sample(DateTimeOffset at)
    {
        Advance(at);
        Sampled?.Invoke(this);
    }

    /// <summary>
    /// Samples the scenario's sessions every <paramref name="interval"/> of the loop's virtual time, from now: octets
    /// delivered and retransmissions of each, and every request latency and ping reply since the last sample.
    /// The origin is now if not set. Dispose to stop.
    /// </summary>
    public IDisposable Watch(Runtime.EventLoop loop, BulkSession bulk, RequestSession requests, PingSeries ping, TimeSpan? interval = null)
    {
        if (_origin is null) Start(loop.Time.GetUtcNow());
        return new ScenarioSampler(this, loop, bulk, requests, ping, interval ?? DefaultSampleInterval);
    }

    /// <summary>
    /// Samples the memory migration's progress every <paramref name="interval"/> of <paramref name="clock"/>'s time.
    /// The migration may run on a clock of its own: its time is laid on the timeline from the newest sample on.
    /// Dispose when the migration is over (that marks it finished). Thread-safe: the engine's channels may move the clock.
    /// </summary>
    public IDisposable WatchMigration(TimeProvider clock, Func<MigrationProgress> read, TimeSpan? interval = null)
    {
        if (_origin is null) Start(clock.GetUtcNow());
        return new MigrationWatch(this, clock, read, interval ?? DefaultSampleInterval);
    }

    /// <summary>
    /// What only the finished run knows, laid on the timeline: the memory migration's rounds (as its report times them:
    /// the live ones back to back up to the pause, the stop-and-copy ones from it) and the marks of the move: pause, registration sent, resume (or
    /// rollback), registration accepted, first correspondent packet at the VM.
    /// </summary>
    public void Record(ScenarioReport report)
    {
        if (_origin is not DateTimeOffset origin) throw new InvalidOperationException("the timeline has not started");
        DateTimeOffset At(double ms) => origin + TimeSpan.FromMilliseconds(ms);
        var t = report.Timeline;
        // The report times each round, not the gaps: the channels' opening comes before the first round, next to
        // nothing between rounds. So the live rounds are laid back to back up to the pause, and the stop-and-copy
        // rounds from it.
        double live = report.Memory.Rounds.Where(r => !r.StopAndCopy).Sum(r => r.DurationMs + r.ScanMs);
        var start = At(t.PausedMs is double p && p - live >= t.MigrationStartMs ? p - live : t.MigrationStartMs);
        foreach (var r in report.Memory.Rounds)
        {
            if (r.StopAndCopy && t.PausedMs is double pause && At(pause) > start) start = At(pause);
            Round(r.Round, r.StopAndCopy, start, TimeSpan.FromMilliseconds(r.DurationMs), r.WireBytes, r.DirtyPages);
            start += TimeSpan.FromMilliseconds(r.DurationMs + r.ScanMs);
        }
        MigrationFinished = true;
        Mark(StartMark, At(t.MigrationStartMs));
        if (t.PausedMs is double paused) Mark(PausedMark, At(paused));
        if (t.RegistrationStartedMs is double registering) Mark(RegistrationSentMark, At(registering));
        if (t.RolledBackMs is double back) Mark(RolledBackMark, At(back));
        else if (t.ResumedMs is double resumed)
        {
            Mark(ResumedMark, At(resumed));
            if (report.Handover.ResumeToRegisteredMs is double registered) Mark(RegisteredMark, At(resumed + registered));
            if (report.Handover.ResumeToFirstDeliveredMs is double first) Mark(FirstPacketMark, At(resumed + first));
        }
    }

    private void Advance(DateTimeOffset at)
    {
        var elapsed = at - (_origin ?? at);
        if (elapsed > Elapsed) Elapsed = elapsed;
    }

    private double Ms(DateTimeOffset at) => _origin is DateTimeOffset origin
        ? (at - origin).TotalMilliseconds
        : throw new InvalidOperationException("the timeline has not started");

    private TimelineSession Session(string name)
    {
        foreach (var s in _sessions)
            if (s.Name == name) return s;
        var session = new TimelineSession(name, _capacity);
        _sessions.Add(session);
        return session;
    }

    private void Finished() => MigrationFinished = true;

    /// <summary>Engine progress sampled on the migration's clock (possibly its own, moved by several channels at once).</summary>
    private sealed class MigrationWatch : IDisposable
    {
        private readonly ScenarioTimeline _timeline;
        private readonly TimeProvider _clock;
        private readonly Func<MigrationProgress> _read;
        private readonly DateTimeOffset _clockStart, _timelineStart;
        private readonly ITimer _timer;

        public MigrationWatch(ScenarioTimeline timeline, TimeProvider clock, Func<MigrationProgress> read, TimeSpan interval)
        {
            _timeline = timeline;
            _clock = clock;
            _read = read;
            _clockStart = clock.GetUtcNow();
            _timelineStart = timeline._origin!.Value + timeline.Elapsed;
            _timer = clock.CreateTimer(static s => ((MigrationWatch)s!).OnTick(), this, interval, interval);
        }

        private void OnTick()
        {
            lock (_timeline._gate)
            {
                var at = _timelineStart + (_clock.GetUtcNow() - _clockStart);
                _timeline.MigrationProgress(at, _read());
                _timeline.Sample(at);
            }
        }

        /// <summary>Stops sampling, after a last sample of where the migration ended (a last round may be shorter than the interval).</summary>
        public void Dispose()
        {
            _timer.Dispose();
            lock (_timeline._gate)
            {
                _timeline.MigrationProgress(_timelineStart + (_clock.GetUtcNow() - _clockStart), _read());
                _timeline.Finished();
            }
        }
    }
}
