using System.IO.Pipelines;
using NetMobility.Runtime;

namespace NetMobility.Migration.Transports;

/// <summary>One duplex in-memory connection: a forward and a return pipe with their timed ends.</summary>
internal sealed class PathConnection
{
    // Backpressure: a writer more than 4 MiB ahead of its reader waits (the pipe's pause threshold).
    private static readonly PipeOptions Options = new(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, useSynchronizationContext: false);

    private readonly Pipe _forward = new(Options), _back = new(Options);
    private volatile bool _severed;

    public PathConnection(PathModel model, TimeProvider clock, ManualTimeProvider? virtualClock, PathTimeline forward, PathTimeline back, long dropAfter, string name)
    {
        var source = new PathEndpoint(model, clock, virtualClock, isSource: true, this);
        var destination = new PathEndpoint(model, clock, virtualClock, isSource: false, this);
        var forwardMarks = new ArrivalMarks();
        var backMarks = new ArrivalMarks();
        SourceEnd = new InMemoryChannel(new TimedPipeReader(_back.Reader, backMarks, source),
            new TimedPipeWriter(_forward.Writer, forward, forwardMarks, source, dropAfter), source, name);
        DestinationEnd = new InMemoryChannel(new TimedPipeReader(_forward.Reader, forwardMarks, destination),
            new TimedPipeWriter(_back.Writer, back, backMarks, destination, long.MaxValue), destination, name);
    }

    public InMemoryChannel SourceEnd { get; }
    public InMemoryChannel DestinationEnd { get; }
    public bool IsSevered => _severed;

    public void Sever()
    {
        if (_severed) return;
        _severed = true;
        // Wake whoever waits on either pipe; they see the cut and fail.
        _forward.Reader.CancelPendingRead();
        _back.Reader.CancelPendingRead();
        _forward.Writer.CancelPendingFlush();
        _back.Writer.CancelPendingFlush();
    }

    public void ThrowIfSevered()
    {
        if (_severed) throw new IOException("the link went down");
    }
}

