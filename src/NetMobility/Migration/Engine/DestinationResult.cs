using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Engine;

/// <summary>
/// How a migration ended at the destination. When <see cref="Committed"/>, the caller owns <see cref="Image"/>
/// (the VM runs here) and disposes it; otherwise the image, if any, was discarded.
/// </summary>
public sealed class DestinationResult
{
    public required bool Committed { get; init; }
    public PageStreamError Error { get; init; }
    public string Message { get; init; } = "";
    public MemoryImage? Image { get; init; }
    public byte[] DeviceState { get; init; } = [];
    public ImageDigest Digest { get; init; }
    /// <summary>From the end of stream on every channel to ready written: the destination's part of the downtime.</summary>
    public TimeSpan VerifyTime { get; init; }
    /// <summary>From commit received to the VM running here.</summary>
    public TimeSpan ResumeTime { get; init; }
    public required VmOwnership Ownership { get; init; }
    /// <summary>Connections accepted (more than the channel count when connections were resumed).</summary>
    public int Connections { get; init; }
}

/// <summary>How the destination receives: its clock, its limits, and a hook to inject faults in tests.</summary>
public sealed record DestinationOptions
{
    /// <summary>
    /// Runs on each page just after it is applied and before it counts in the image digest, with its page number
    /// (a test or the scenario's failed verification corrupts a byte here: the digest then tells).
    /// </summary>
    public PageApplied? AfterPageApplied { get; init; }

    /// <summary>Runs just before the digests are compared, once every channel has ended (a test stalls the destination here).</summary>
    public Action? BeforeVerify { get; init; }

    /// <summary>The clock the destination times its verification and resumption with (reported to the source).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// How long a connection may stay silent before it counts as lost (a source gone without closing it), and how long
    /// to hold a session with no connection open before dropping it (the source gone for good); null to wait for the
    /// source as long as the destination runs.
    /// </summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>
    /// Makes the image the received pages are written into, for the memory size the source announced (checked against
    /// <see cref="MaxMemoryBytes"/> first); a new zero-filled image when null. A QEMU destination maps its guest's RAM
    /// file here, so that pages land in place. The image is disposed when the migration is not committed here.
    /// An exception from it refuses the stream (<see cref="PageStreamError.ImageRefused"/>), naming it; the message of an
    /// <see cref="ImageRefusedException"/> is told to the source as it is.
    /// </summary>
    public Func<long, MemoryImage>? CreateImage { get; init; }

    /// <summary>
    /// Runs the VM here once commit has arrived (a QEMU destination: QMP <c>cont</c>), before the source is told it
    /// runs; its time is the destination's resume time in the report. Null: the caller runs the VM after the result.
    /// </summary>
    public Func<CancellationToken, Task>? ResumeVm { get; init; }

    /// <summary>
    /// Loads the whole device state received into the destination's hypervisor once the image digest matched, before
    /// ready goes to the source (a QEMU destination: its incoming migration stream, until QEMU says it loaded it). Its
    /// time counts in the destination's verify time. A throw refuses the stream with an error record
    /// (<see cref="PageStreamError.DeviceStateNotLoaded"/>, the exception's message): the source resumes the VM there.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, CancellationToken, Task>? LoadDeviceState { get; init; }

    /// <summary>The largest device state the destination takes (all its chunks together, in one array): 64 MiB unless told otherwise.</summary>
    public long MaxDeviceStateBytes { get; init; } = ForwardStreamHandler.DefaultMaxDeviceStateLength;

    /// <summary>
    /// Runs when the image is verified, just before ready goes to the source, with the device state received (the
    /// destination's hypervisor may register the VM's new place here, before it runs).
    /// </summary>
    public Action<byte[]>? Verified { get; init; }

    /// <summary>
    /// Every step runs on the thread that completes the transport's read or write (a simulation's event loop): no
    /// connection is served on a thread of its own and no signal moves to the thread pool (see
    /// <see cref="SourceOptions.SingleThreaded"/>).
    /// </summary>
    public bool SingleThreaded { get; init; }

    /// <summary>The largest memory the destination agrees to receive.</summary>
    public long MaxMemoryBytes { get; init; } = MemoryImage.MaxMemoryBytes;
}

/// <summary>A hook on one page the destination has just applied.</summary>
public delegate void PageApplied(int pageNumber, Span<byte> page);
