using NetMobility.Migration.PageStream;
using NetMobility.Migration.Transports;

namespace NetMobility.Migration.Engine;

/// <summary>
/// The destination side of a migration: takes the source's connections, rebuilds the image, verifies its
/// digest (kept as pages are applied), answers ready, and runs the VM only on commit. A connection that drops (lost or cut inside a
/// record) keeps the session for the source to resume; any other fault refuses the stream with an error
/// record and drops the session. One instance, one migration.
/// </summary>
public sealed class MigrationDestination(DestinationOptions? options = null) : IReceiverHost
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource<DestinationResult> _result = new(SignalOptionsFor(options));
    private ReceiverSession? _session;
    // A refusal made when verifying, kept until a connection still open carried it (the source may have been cut off).
    private ErrorRecord? _refusal;
    private bool _refusalHeld;
    private readonly TaskCompletionSource _refusalSent = new(SignalOptionsFor(options));
    private int _connections;
    private int _open;
    private long _idleGeneration;

    public DestinationOptions Options { get; } = options ?? new DestinationOptions();

    private static TaskCreationOptions SignalOptionsFor(DestinationOptions? options) =>
        options is { SingleThreaded: true } ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously;
    internal bool IsFinished => _result.Task.IsCompleted;
    bool IReceiverHost.IsFinished => IsFinished;

    /// <summary>Serves connections from <paramref name="listener"/> until the VM is committed here or the stream is refused.</summary>
    public async Task<DestinationResult> ReceiveAsync(IChannelListener listener, CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var served = new List<Task>();
        var accepting = AcceptAsync(listener, served, stop.Token);
        try
        {
            var result = await _result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _refusalHeld)) await HoldRefusalAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (OperationCanceledException) when (_result.Task.IsCompletedSuccessfully)
        {
            // Cancelled while the outcome was already decided (a refusal the source answered by giving up at
            // once): the outcome stands.
            return _result.Task.Result;
        }
        finally
        {
            stop.Cancel();
            await accepting.ConfigureAwait(false);
            Task[] all;
            lock (served) all = [.. served];
            await Task.WhenAll(all).ConfigureAwait(false);
            if (!_result.Task.IsCompletedSuccessfully || !_result.Task.Result.Committed) _session?.Image.Dispose();
        }
    }

    /// <summary>How long a refusal made when verifying is kept for a source cut off from it, with no idle timeout set.</summary>
    public static readonly TimeSpan RefusalHold = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After a refusal made when verifying that no open connection carried (the main connection was cut): connections are
    /// still taken, so that the source, resuming to hear the answer to its end of stream, hears the refusal rather than
    /// giving up for want of an answer; for <see cref="DestinationOptions.IdleTimeout"/> (or <see cref="RefusalHold"/>).
    /// </summary>
    private async Task HoldRefusalAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _refusalSent.Task.WaitAsync(Options.IdleTimeout ?? RefusalHold, Options.Clock, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    private async Task AcceptAsync(IChannelListener listener, List<Task> served, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            IMigrationChannel channel;
            try
            {
                channel = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            Interlocked.Increment(ref _open);
            Interlocked.Increment(ref _idleGeneration);
            lock (served) served.Add(ServeAsync(channel, cancellationToken));
        }
    }

    private async Task ServeAsync(IMigrationChannel channel, CancellationToken cancellationToken)
    {
        if (!Options.SingleThreaded) await Task.Yield();
        var sink = new ReceiverChannel(this, channel);
        using (var reader = new RecordReader(channel.Input))
        using (var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            ReadOutcome outcome;
            // The device state is kept in one array: no bound past the largest one.
            var stream = new ForwardStreamHandler(sink, maxDeviceStateLength: Math.Min(Options.MaxDeviceStateBytes, Array.MaxLength));
            var watchdog = Options.IdleTimeout is TimeSpan idle ? WatchQuietAsync(sink, channel, idle, watch.Token) : Task.CompletedTask;
            try
            {
                outcome = await reader.RunAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                outcome = new ReadOutcome(PageStreamError.ConnectionLost, 0, 0, null);
            }
            await PreCopySource.CancelAsync(watch, Options.SingleThreaded).ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
            if (!outcome.Succeeded && outcome.Error is not (PageStreamError.ConnectionLost or PageStreamError.Truncated) && !IsFinished)
            {
                string detail = stream.LastReason ?? sink.Detail;
                // An image this host cannot hold is no fault of a record: its reason alone, as the source will print it.
                string message = outcome.Error == PageStreamError.ImageRefused && detail.Length > 0
                    ? detail
                    : $"{channel.Peer}: {outcome}{(detail.Length > 0 ? $": {detail}" : "")}";
                // Decided before the source can hear of it, so that a source giving up at once finds it decided.
                Reject(outcome.Error, message);
                await sink.TryReportAsync(outcome.Error, message).ConfigureAwait(false);
            }
            if (sink.RepeatedRefusal is { } refusal && await sink.TryReportAsync(refusal.Code, refusal.Message).ConfigureAwait(false)) RefusalSent();
            if (sink.Session is { } session && sink.Index >= 0) session.Detach(sink.Index, sink);
            if (sink.Committed) Finish(sink);
        }
        await channel.DisposeAsync().ConfigureAwait(false);
        if (Interlocked.Decrement(ref _open) == 0) WatchIdle(cancellationToken);
    }

    /// <summary>
    /// A connection on which nothing arrives for <paramref name="idle"/> counts as lost (a source gone without closing
    /// it, a half-open TCP connection): its read is cancelled, as a dropped connection would end it.
    /// </summary>
    private async Task WatchQuietAsync(ReceiverChannel sink, IMigrationChannel channel, TimeSpan idle, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(idle / 4, Options.Clock, cancellationToken).ConfigureAwait(false);
                if (!sink.QuietFor(idle)) continue;
                channel.Input.CancelPendingRead();
                return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// With no connection open and a session held, gives the source <see cref="DestinationOptions.IdleTimeout"/> to
    /// come back (resume) before the session is dropped.
    /// </summary>
    private void WatchIdle(CancellationToken cancellationToken)
    {
        if (Options.IdleTimeout is not TimeSpan idle || IsFinished || _session is null) return;
        long generation = Interlocked.Read(ref _idleGeneration);
        _ = Task.Delay(idle, Options.Clock, cancellationToken).ContinueWith(delay =>
        {
            if (delay.IsCompletedSuccessfully && Volatile.Read(ref _open) == 0 && Interlocked.Read(ref _idleGeneration) == generation)
                Reject(PageStreamError.ConnectionLost, $"the source did not come back within {idle.TotalSeconds:0.###} s of its last connection closing");
        }, TaskScheduler.Default);
    }

    /// <summary>The session a header belongs to, created by the first header of a new migration.</summary>
    ReceiverSession? IReceiverHost.Session(in StreamHeader header, out PageStreamError error, out string? problem)
    {
        lock (_gate)
        {
            problem = null;
            error = PageStreamError.OutOfOrder;
            if (IsFinished) { problem = "this destination has finished"; return null; }
            if (_session is null)
            {
                if (header.Resume) { error = PageStreamError.UnknownSession; problem = $"no migration {header.ResumeToken} to resume"; return null; }
                // Whatever keeps the image from being made here is the destination's refusal of the image, not a fault of the stream.
                error = PageStreamError.ImageRefused;
                MemoryImage image;
                try
                {
                    image = Options.CreateImage is { } create ? create(header.MemorySize) : new MemoryImage(header.MemorySize);
                }
                catch (ImageRefusedException ex)
                {
                    problem = ex.Message;
                    return null;
                }
                catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
                {
                    problem = $"cannot make the image of {header.MemorySize} octets here: {ex.Message}";
                    return null;
                }
                if (image.MemoryBytes != header.MemorySize)
                {
                    problem = $"the stream's image is {header.MemorySize} octets but the one made here holds {image.MemoryBytes}";
                    image.Dispose();
                    return null;
                }
                error = PageStreamError.None;
                _session = new ReceiverSession(header, image, SignalOptionsFor(Options));
                return _session;
            }
            if (_session.Token != header.ResumeToken) { problem = $"busy with migration {_session.Token}"; return null; }
            if (!_session.Matches(header)) { problem = "the header does not match the migration's memory or channels"; return null; }
            error = PageStreamError.None;
            return _session;
        }
    }

    void IReceiverHost.Reject(PageStreamError error, string message) => Reject(error, message);

    void IReceiverHost.RejectVerified(PageStreamError error, string message)
    {
        lock (_gate)
        {
            if (IsFinished) return;
            _refusal = new ErrorRecord(error, message);
            Volatile.Write(ref _refusalHeld, true);
            Reject(error, message);
        }
    }

    ErrorRecord? IReceiverHost.Refusal(in StreamHeader header)
    {
        lock (_gate) return header.Resume && _session?.Token == header.ResumeToken ? _refusal : null;
    }

    void IReceiverHost.RefusalSent() => RefusalSent();

    private void RefusalSent() => _refusalSent.TrySetResult();

    private void Reject(PageStreamError error, string message)
    {
        lock (_gate)
        {
            if (IsFinished) return;
            var ownership = _session?.Ownership ?? VmOwnership.AtDestination();
            if (ownership.State is VmState.Receiving or VmState.Verified) ownership.Reject();
            _result.TrySetResult(new DestinationResult { Committed = false, Error = error, Message = message, Ownership = ownership, Connections = _connections });
        }
    }

    private void Finish(ReceiverChannel main)
    {
        var session = main.Session!;
        _result.TrySetResult(new DestinationResult
        {
            Committed = true, Image = session.Image, DeviceState = session.DeviceState, Digest = session.ExpectedDigest,
            VerifyTime = main.VerifyTime, ResumeTime = main.ResumeTime,
            Ownership = session.Ownership, Connections = Volatile.Read(ref _connections),
        });
    }
}
