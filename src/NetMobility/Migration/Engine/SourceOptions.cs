using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.Engine;

/// <summary>How the source engine migrates.</summary>
public sealed record SourceOptions
{
    /// <summary>Parallel connections; pages go to channel page mod N. 2 by default, like QEMU's multifd.</summary>
    public int Channels { get; init; } = 2;

    /// <summary>The page encoder each channel uses (each channel has its own, with its own delta cache).</summary>
    public PageEncoderOptions Encoder { get; init; } = new();

    public int MaxPagesPerBatch { get; init; } = BatchLimits.DefaultMaxPages;

    /// <summary>Batches a channel may have sent and not yet had acknowledged; the bound on what a resume sends again.</summary>
    public int WindowBatches { get; init; } = BatchPlan.DefaultWindowBatches;

    /// <summary>How the channels group the pages of a round into batches (shared with the bench's simulator).</summary>
    public BatchPlan Batches => new()
    {
        Channels = Channels, Limits = BatchLimits.Default with { MaxPages = MaxPagesPerBatch }, WindowBatches = WindowBatches,
    };

    /// <summary>
    /// Device state for the stop-and-copy round (the network layer's part of the VM), sent in chunks of at most 64 KiB
    /// (docs/page-stream.md sec 3.4); nothing is sent when empty. <see cref="CaptureDeviceState"/> takes its place when given.
    /// </summary>
    public ReadOnlyMemory<byte> DeviceState { get; init; }

    /// <summary>How many times in a migration a dropped connection is reopened before the migration is given up.</summary>
    public int MaxResumes { get; init; } = 8;

    /// <summary>
    /// The wait before reconnecting a dropped channel, times the number of tries so far (0: at once, as over an
    /// in-memory link). Over a network a short wait lets a route or a relay come back.
    /// </summary>
    public TimeSpan ResumeBackoff { get; init; }

    /// <summary>What the report names the transport ("memory 1 Gbit/s virtual", "tcp 127.0.0.1:4000").</summary>
    public string TransportName { get; init; } = "";

    /// <summary>
    /// How long, on the source's clock, to wait for the destination's answer to a stream header, and for its
    /// ready with the VM paused; past it the connection counts as lost, or the source rolls back and resumes
    /// the VM here.
    /// </summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long, after commit, to wait for the destination's word that the VM runs there (for the report's
    /// downtime; the VM is already released): past it the resumption is reported as not confirmed.
    /// </summary>
    public TimeSpan ResumedTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The resume token of the migration; random when not given.</summary>
    public Guid? ResumeToken { get; init; }

    /// <summary>How the engine learns which pages changed: the image's dirty log (the default) or by comparing contents.</summary>
    public DirtyTracking DirtyTracking { get; init; } = DirtyTracking.Log;

    /// <summary>
    /// Takes the VM's device state from its hypervisor, with the VM paused (a QEMU guest: its own migration stream with
    /// <c>x-ignore-shared</c>, a few hundred KB); it then travels in the page stream like <see cref="DeviceState"/>, which
    /// it replaces. Started as soon as the VM is paused, so that the hypervisor writes it while the last scan and the
    /// last pages go; runs once per migration (a resume sends the same octets again). What of its time the last scan and
    /// pages do not cover is the switchover's device-state part. A throw fails the migration, which resumes the VM at the
    /// source once the capture has ended.
    /// </summary>
    public Func<CancellationToken, Task<ReadOnlyMemory<byte>>>? CaptureDeviceState { get; init; }

    /// <summary>
    /// Runs when the destination's ready has come and the VM is released to it, before commit goes out (a home network
    /// told here that the move is done).
    /// </summary>
    public Action? Released { get; init; }

    /// <summary>
    /// Every step of the migration runs on the thread that completes the transport's read, write or timer (a
    /// simulation's event loop): the channels are not sent on threads of their own and no signal moves to the thread
    /// pool, so a transport on a simulated network, in its virtual time, sees the engine only between its own events.
    /// </summary>
    public bool SingleThreaded { get; init; }
}
