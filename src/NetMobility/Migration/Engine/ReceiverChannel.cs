using NetMobility.Migration.PageStream;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.Engine;

/// <summary>
/// One connection at the destination: applies the batches of its lane to the session's image (each page's
/// digest leaf taken as it is applied), acknowledges them, and on the main channel compares the digest once
/// every channel has ended, answers ready or error, and on commit runs the VM and answers resumed.
/// </summary>
internal sealed class ReceiverChannel(IReceiverHost destination, IMigrationChannel channel) : IForwardSink
{
    private readonly PageStreamWriter _replies = new(channel.Output);
    private ReceiverSession? _session;
    private int _index = -1;
    private ulong _lastApplied, _lastAcked;
    private bool _ackDue, _ended, _verified, _committed, _resumedSent;
    private volatile bool _superseded;
    private volatile bool _waitingForChannels;
    private long _lastHeard = destination.Options.Clock.GetTimestamp();

    public ReceiverSession? Session => _session;
    public int Index => _index;
    public bool Committed => _committed;
    /// <summary>Why the last record was refused, in words, for the error record.</summary>
    public string Detail { get; private set; } = "";

    // A connection comes to a finished destination only to resume: it reads the header, to be answered with the refusal.
    public bool Done => _committed || (_ended && _index != 0) || (destination.IsFinished && _index >= 0) || _superseded;

    /// <summary>The refusal this connection's resumed header is answered with (the migration was refused while it was away).</summary>
    public ErrorRecord? RepeatedRefusal { get; private set; }

    /// <summary>A resumed connection took this channel over: apply nothing more, stop reading.</summary>
    public void Supersede()
    {
        _superseded = true;
        channel.Input.CancelPendingRead();
    }

    public PageStreamError OnHeader(in StreamHeader header, ForwardStreamHandler stream)
    {
        if (header.MemorySize > destination.Options.MaxMemoryBytes)
        {
            Detail = $"the stream's image is {header.MemorySize} octets, more than this destination takes ({destination.Options.MaxMemoryBytes})";
            return PageStreamError.ImageRefused;
        }
        var session = destination.Session(header, out var refused, out string? problem);
        if (session is null && destination.Refusal(header) is { } refusal)
        {
            RepeatedRefusal = refusal;
            Detail = refusal.Message;
            return refusal.Code;
        }
        if (session is null)
        {
            Detail = problem ?? "";
            return refused;
        }
        if (!session.Attach(header.ChannelIndex, header.Resume, this, out ulong applied, out uint highestRound))
        {
            Detail = $"channel {header.ChannelIndex} is already being served";
            return PageStreamError.OutOfOrder;
        }
        _session = session;
        _index = header.ChannelIndex;
        if (header.Resume) stream.ContinueFrom(applied, highestRound);
        _lastApplied = applied;
        _ackDue = true;
        return PageStreamError.None;
    }

    public PageStreamError OnBatch(PageBatch batch)
    {
        var session = _session!;
        lock (session.Lane(_index))
        {
            // Superseded by a resumed connection: what is left here is sent again there.
            if (_superseded) return PageStreamError.ConnectionLost;
            int stride = session.Header.ChannelCount;
            foreach (var entry in batch)
            {
                // Each page travels on one channel only, so that its versions arrive in order (sec 6).
                if (entry.PageNumber % stride != _index)
                {
                    Detail = $"page {entry.PageNumber} on channel {_index} of {stride}";
                    return PageStreamError.BadPageNumber;
                }
                var page = session.Image.GetPage(entry.PageNumber);
                if (!PageDecoder.TryDecode(entry.Encoding, entry.Payload, page, out string? error))
                {
                    Detail = $"page {entry.PageNumber}: {error}";
                    return PageStreamError.BadEncoding;
                }
                destination.Options.AfterPageApplied?.Invoke(entry.PageNumber, page);
                if (entry.Encoding == PageEncoding.Zero && destination.Options.AfterPageApplied is null) session.Digests.SetZero(entry.PageNumber);
                else session.Digests.Set(entry.PageNumber, page);
            }
            _lastApplied = batch.Sequence;
            session.Applied(_index, batch.Sequence, batch.Round);
        }
        return PageStreamError.None;
    }

    public PageStreamError OnEndOfRound(in EndOfRound record)
    {
        _session!.RoundEnded(_index, record.Round);
        return PageStreamError.None;
    }

    public PageStreamError OnDeviceState(DeviceStateChunk chunk)
    {
        if (_index != 0) return PageStreamError.OutOfOrder;
        var session = _session!;
        lock (session.Lane(_index))
        {
            // Superseded by a resumed connection, which sends the device state again whole.
            if (_superseded) return PageStreamError.ConnectionLost;
            // Sent again on a connection resumed while verification runs: the same octets, already whole and perhaps being
            // loaded; kept as they are.
            if (!session.Verifying) session.AddDeviceState(chunk);
        }
        return PageStreamError.None;
    }

    public PageStreamError OnEndOfStream(in EndOfStream record)
    {
        // A device state begun on an earlier connection of the main channel and not sent whole again on this one.
        if (_index == 0 && !_session!.DeviceStateComplete)
        {
            Detail = $"the device state stops at {_session.DeviceStateReceived} of its {_session.DeviceState.Length} octets";
            return PageStreamError.DeviceStateGap;
        }
        var error = _session!.Ended(_index, record);
        if (error != PageStreamError.None)
        {
            Detail = "the channels announced different digests";
            return error;
        }
        _ended = true;
        return PageStreamError.None;
    }

    public PageStreamError OnAbort(in ErrorRecord record)
    {
        Detail = record.Message;
        destination.Reject(PageStreamError.Cancelled, $"the source cancelled the migration: {record.Message}");
        return PageStreamError.Cancelled;
    }

    public PageStreamError OnCommit()
    {
        if (_index != 0 || _session!.Ownership.State != VmState.Verified) return PageStreamError.OutOfOrder;
        long received = destination.Options.Clock.GetTimestamp();
        _session.Ownership.Commit();
        ResumeTime = destination.Options.Clock.GetElapsedTime(received);
        _committed = true;
        return PageStreamError.None;
    }

    /// <summary>From commit received to the VM running here (the <see cref="DestinationOptions.ResumeVm"/> hook included).</summary>
    public TimeSpan ResumeTime { get; private set; }

    /// <summary>From the end of stream on every channel to ready written.</summary>
    public TimeSpan VerifyTime { get; private set; }

    /// <summary>
    /// True when nothing has come in on this connection for <paramref name="idle"/>, except while it waits for the
    /// other channels to end (then its own silence is expected).
    /// </summary>
    public bool QuietFor(TimeSpan idle) =>
        !_waitingForChannels && destination.Options.Clock.GetElapsedTime(Volatile.Read(ref _lastHeard)) >= idle;

    public async ValueTask AfterRecordsAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastHeard, destination.Options.Clock.GetTimestamp());
        if (_ackDue || _lastApplied > _lastAcked)
        {
            _replies.WriteAck(new Ack(_lastApplied));
            _lastAcked = _lastApplied;
            _ackDue = false;
        }
        if (_index == 0 && _ended && !_verified)
        {
            await _replies.FlushAsync(cancellationToken).ConfigureAwait(false);
            _waitingForChannels = true;
            try
            {
                await _session!.AllEnded.WaitAsync(cancellationToken).ConfigureAwait(false);
                _verified = true;
                // Loading the device state may take a while too: the source is silent meanwhile. A connection resumed after
                // end of stream waits for the verification already begun and answers with its record again (docs/page-stream.md sec 7.1).
                if (_session.BeginVerify(out var verdict))
                {
                    try
                    {
                        _session.Answer(await VerifyAsync(_session, cancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception ex)
                    {
                        // A connection resumed meanwhile must not wait for an answer that will not come.
                        _session.NotAnswered(ex);
                        throw;
                    }
                }
                var answer = await verdict.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (answer.Refusal is { } refusal)
                {
                    _replies.WriteError(refusal);
                    var flushed = await _replies.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (!flushed.IsCompleted && !flushed.IsCanceled) destination.RefusalSent();
                }
                else
                {
                    VerifyTime = answer.Ready.VerifyTime;
                    _replies.WriteReady(answer.Ready);
                }
            }
            finally
            {
                Volatile.Write(ref _lastHeard, destination.Options.Clock.GetTimestamp());
                _waitingForChannels = false;
            }
        }
        if (_committed && !_resumedSent)
        {
            // Tells the source the VM runs here, and how long that took, for its report of the downtime.
            _resumedSent = true;
            if (destination.Options.ResumeVm is { } resume)
            {
                long begin = destination.Options.Clock.GetTimestamp();
                await resume(cancellationToken).ConfigureAwait(false);
                ResumeTime += destination.Options.Clock.GetElapsedTime(begin);
            }
            _replies.WriteResumed(new Resumed(Durations.ToNanoseconds(ResumeTime)));
        }
        await _replies.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Compares the digest kept as pages were applied with the source's (nothing here reads the image), then has the
    /// hypervisor load the device state (<see cref="DestinationOptions.LoadDeviceState"/>); ready only when both succeed,
    /// a refusal otherwise (the session dropped at once). The verify time reported covers both.
    /// </summary>
    private async Task<VerifyAnswer> VerifyAsync(ReceiverSession session, CancellationToken cancellationToken)
    {
        destination.Options.BeforeVerify?.Invoke();
        var clock = destination.Options.Clock;
        long begin = clock.GetTimestamp();
        var digest = session.Digests.Digest;
        if (digest != session.ExpectedDigest)
            return Refuse(PageStreamError.DigestMismatch, $"rebuilt image hashes to {digest}, the source announced {session.ExpectedDigest}");
        if (destination.Options.LoadDeviceState is { } load)
        {
            try
            {
                await load(session.DeviceState, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return Refuse(PageStreamError.DeviceStateNotLoaded, $"the device state ({session.DeviceState.Length} octets) did not load: {ex.Message}");
            }
        }
        session.Ownership.Verify();
        var verifyTime = clock.GetElapsedTime(begin);
        destination.Options.Verified?.Invoke(session.DeviceState);
        return new VerifyAnswer(new Ready(digest, Durations.ToNanoseconds(verifyTime)), null);
    }

    private VerifyAnswer Refuse(PageStreamError error, string message)
    {
        destination.RejectVerified(error, message);
        return VerifyAnswer.Refused(error, message);
    }

    /// <summary>Tells the source why the stream was refused (best effort: the connection may be gone).</summary>
    public async Task<bool> TryReportAsync(PageStreamError error, string message)
    {
        try
        {
            _replies.WriteError(new ErrorRecord(error, message));
            var result = await _replies.FlushAsync().ConfigureAwait(false);
            return !result.IsCompleted && !result.IsCanceled;
        }
        catch (IOException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        return false;
    }
}
