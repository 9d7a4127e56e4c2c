using System.IO.Pipelines;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Engine;

/// <summary>
/// One channel of the source: its connection, encoder, sequence numbers, the window of batches sent and not
/// yet acknowledged, and the task reading the destination's replies. Sends the pages of its lane (page mod
/// channel count) one way: pages -> <see cref="PageBatchEncoder"/> -> <see cref="EncodedBatch"/> ->
/// <see cref="PageStreamWriter"/> -> transport. Reopens its connection when it drops and puts back what was lost.
/// It sees the migration only through <see cref="ISourceChannelHost"/>.
/// </summary>
internal sealed class SourceChannel : IReturnSink, IAsyncDisposable
{
    private readonly ISourceChannelHost _source;
    private readonly int _index;
    private readonly BatchPlan _plan;
    private readonly PageBatchEncoder _batch;
    // A batch is open from its first page to its write: the writer's space it encodes into is valid until then.
    private bool _batchOpen;
    private uint _round;
    // Where a page that is still a recipe is made to be encoded, so the source image keeps only what the guest touched.
    private readonly byte[] _scratch = new byte[MemoryImage.PageSize];
    private readonly Queue<(ulong Sequence, int[] Pages, int Count)> _inFlight = new();
    private readonly Stack<int[]> _spare = new();
    private readonly object _gate = new();
    private IMigrationChannel? _channel;
    private PageStreamWriter? _writer;
    private Task<ReadOutcome>? _reader;
    private TaskCompletionSource<ulong> _headerAck;
    private TaskCompletionSource _windowOpened;
    private TaskCompletionSource<Ready> _ready;
    private readonly TaskCompletionSource<Resumed> _resumed;
    private ulong _nextSequence = 1;
    private long _wireBytesBefore;
    private TimeSpan _cpuBefore;
    private bool _readerEnded;
    private volatile bool _flushFailed;
    private bool _awaitingReady, _awaitingResumed;
    private ReadOutcome _lastOutcome;

    public SourceChannel(ISourceChannelHost source, int index)
    {
        _source = source;
        _index = index;
        Encoder = new PageEncoder(source.Options.Encoder);
        _plan = source.Options.Batches;
        _batch = new PageBatchEncoder(Encoder, _plan.Limits);
        _headerAck = NewSignal<ulong>();
        _windowOpened = NewSignal();
        _ready = NewSignal<Ready>();
        _resumed = NewSignal<Resumed>();
    }

    public PageEncoder Encoder { get; }
    public long[] EncodingCounts { get; } = new long[(int)PageEncoding.Deflate + 1];
    public long PagesThisRound { get; private set; }
    /// <summary>Batch records this channel wrote in the round.</summary>
    public long BatchesThisRound { get; private set; }
    /// <summary>Pages of this round's pass left out because the guest wrote them again since it began (legacy Xen).</summary>
    public long SkippedThisRound { get; private set; }
    // Pages of the pass this channel has been through since its last batch went out, skipped and unchanged ones included.
    private long _visited;
    public long WireBytes => _wireBytesBefore + (_writer?.BytesWritten ?? 0);
    public TimeSpan CpuTime => _cpuBefore + Encoder.Stats.TotalCpuTime;
    public int Resumes { get; private set; }
    public long ResentPages { get; private set; }

    /// <summary>The connection is gone: its replies ended (cut, or closed by the destination) or a write to it failed.</summary>
    public bool ConnectionEnded
    {
        get { lock (_gate) return _readerEnded || _flushFailed; }
    }

    /// <summary>The destination's ready on this (the main) channel; fails if the connection is gone or goes before it.</summary>
    public Task<Ready> WaitForReadyAsync()
    {
        lock (_gate)
        {
            _awaitingReady = true;
            if (_readerEnded) FailReady();
            return _ready.Task;
        }
    }

    /// <summary>The destination's resumed record after commit, on the main channel; fails if the connection goes before it.</summary>
    public Task<Resumed> WaitForResumedAsync()
    {
        lock (_gate)
        {
            _awaitingResumed = true;
            if (_readerEnded) FailResumed();
            return _resumed.Task;
        }
    }

    private void FailReady() =>
        _ready.TrySetException(new MigrationFailedException(PageStreamError.ConnectionLost, $"channel {_index} lost before ready: {_lastOutcome}"));

    private void FailResumed() =>
        _resumed.TrySetException(new MigrationFailedException(PageStreamError.ConnectionLost, $"channel {_index} lost before resumed: {_lastOutcome}"));

    /// <summary>Replies are read until the VM is released, and on the main channel until the destination says it runs the VM.</summary>
    public bool Done => _source.Finished && (_index != 0 || _resumed.Task.IsCompleted);

    public async Task OpenAsync(bool resume, CancellationToken cancellationToken)
    {
        _channel = await _source.Connector.ConnectAsync(_index, cancellationToken).ConfigureAwait(false);
        _writer = new PageStreamWriter(_channel.Output);
        _headerAck = NewSignal<ulong>();
        // A ready lost with the last connection is asked for again on this one.
        lock (_gate) if (!_ready.Task.IsCompletedSuccessfully) _ready = NewSignal<Ready>();
        _readerEnded = false;
        _flushFailed = false;
        _reader = ReadRepliesAsync(_channel, cancellationToken);
        _writer.WriteHeader(new StreamHeader(_source.Image.MemoryBytes, (byte)_index, (byte)_source.Options.Channels, _source.Token, resume));
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        ulong applied;
        try
        {
            applied = await _headerAck.Task.WaitAsync(_source.Options.ReadyTimeout, _source.Clock, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new IOException($"channel {_index}: no answer to the stream header within {_source.Options.ReadyTimeout.TotalSeconds:0.###} s");
        }
        CatchUpClock();
        if (!resume) return;

        // Everything after the destination's position is lost: send those pages again in the next round.
        lock (_gate)
        {
            while (_inFlight.TryDequeue(out var batch))
            {
                if (batch.Sequence > applied)
                {
                    for (int i = 0; i < batch.Count; i++) _source.SendAgain(batch.Pages[i]);
                    ResentPages += batch.Count;
                }
                _spare.Push(batch.Pages);
            }
        }
        _nextSequence = applied + 1;
        // The encoder's memory of what was sent may include what never arrived: no delta or unchanged against it.
        _cpuBefore += Encoder.Stats.TotalCpuTime;
        Encoder.Reset();
    }

    private async Task<ReadOutcome> ReadRepliesAsync(IMigrationChannel channel, CancellationToken cancellationToken)
    {
        if (!_source.Options.SingleThreaded) await Task.Yield();
        using var reader = new RecordReader(channel.Input);
        ReadOutcome outcome;
        try
        {
            outcome = await reader.RunAsync(new ReturnStreamHandler(this), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            outcome = new ReadOutcome(PageStreamError.ConnectionLost, 0, 0, null);
        }
        lock (_gate)
        {
            _readerEnded = true;
            _lastOutcome = outcome;
            if (_awaitingReady) FailReady();
            if (_awaitingResumed) FailResumed();
        }
        // A peer that answers the stream header with something other than page-stream records does not speak it: no retry.
        _headerAck.TrySetException(outcome.Error is PageStreamError.ConnectionLost or PageStreamError.Truncated or PageStreamError.None
            ? outcome.RecordsAccepted == 0 && outcome.Offset == 0
                ? new StreamNotAnsweredException($"channel {_index} ({channel.Peer}): {PreCopySource.ClosedBeforeAnswering}")
                : new IOException($"channel {_index} ({channel.Peer}): {outcome}")
            : new MigrationFailedException(outcome.Error, $"{channel.Peer} does not answer as a page-stream destination: {outcome}"));
        _windowOpened.TrySetResult();
        return outcome;
    }

    /// <summary>Sends this channel's pages of the round; a drop is resumed, and what it loses is put back for the next round.</summary>
    public async Task SendRoundAsync(uint round, ulong[] set, CancellationToken cancellationToken)
    {
        PagesThisRound = 0;
        BatchesThisRound = 0;
        SkippedThisRound = 0;
        _visited = 0;
        _round = round;
        int page = _plan.NextPage(set, 0, _index);
        try
        {
            while (page >= 0)
            {
                _visited++;
                if (_source.Skips(page))
                {
                    SkippedThisRound++;
                    page = _plan.NextPage(set, page + 1, _index);
                    continue;
                }
                if (!_batchOpen)
                {
                    _batch.Begin(_batch.PacksBatches ? default : _writer!.BatchSpace(_batch.EntriesBound));
                    _batchOpen = true;
                }
                // In the first round only pages already written again since it began are likely to be sent again:
                // the others stay out of the delta cache.
                bool remember = round > 1 || _source.Image.DirtyLog.IsDirty(page);
                var contents = _source.Image.ReadPage(page, _scratch);
                var encoding = _batch.Add(page, contents, remember);
                // The destination's copy of the page as it will be once this batch is applied (an unchanged page stays as it was).
                if (encoding == PageEncoding.Zero) _source.Digests.SetZero(page);
                else if (encoding != PageEncoding.Unchanged) _source.Digests.Set(page, contents);
                bool stop = !_batch.HasRoom && await SendBatchAsync(cancellationToken).ConfigureAwait(false);
                page = _plan.NextPage(set, page + 1, _index);
                if (!stop) continue;
                // The policy's check after a batch says switch over now: the rest of the pass waits for stop-and-copy.
                for (; page >= 0; page = _plan.NextPage(set, page + 1, _index)) _source.SendAgain(page);
            }
            await SendBatchAsync(cancellationToken).ConfigureAwait(false);
            _writer!.WriteEndOfRound(new EndOfRound(round, (uint)PagesThisRound));
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // The pages of the batch being built and those not reached yet go in the next round too.
            if (_batchOpen) foreach (int p in _batch.Pages) _source.SendAgain(p);
            _batchOpen = false;
            for (; page >= 0; page = _plan.NextPage(set, page + 1, _index)) _source.SendAgain(page);
            await ReopenAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reopens the connection after it dropped with end of stream sent (the wait for ready): the destination's position
    /// is read and what it had not applied is put back, as after any drop (bounded by <see cref="SourceOptions.MaxResumes"/>).
    /// </summary>
    public Task ResumeAsync(CancellationToken cancellationToken) => ReopenAsync(cancellationToken);

    private async Task ReopenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (++Resumes > _source.Options.MaxResumes)
                throw new MigrationFailedException(PageStreamError.ConnectionLost, $"channel {_index}: connection lost {Resumes} times, giving up");
            await CloseAsync().ConfigureAwait(false);
            // A destination that refused the stream is not asked again.
            if (_source.Failure is { } refused) throw refused;
            try
            {
                await OpenAsync(resume: true, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (IOException ex) when (ex is not TlsRefusedException && !cancellationToken.IsCancellationRequested)
            {
                // The destination may be back in a moment (a restarted route, a relay): wait a little before the next try.
                if (_source.Options.ResumeBackoff > TimeSpan.Zero)
                    await Task.Delay(_source.Options.ResumeBackoff * Resumes, _source.Clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes the open batch; true when the policy's check after it says the pass should end here.</summary>
    private async Task<bool> SendBatchAsync(CancellationToken cancellationToken)
    {
        if (!_batchOpen) return false;
        if (!_batch.IsEmpty) await WaitForWindowAsync(cancellationToken).ConfigureAwait(false);
        int count = Write();
        if (count == 0) return false;
        PagesThisRound += count;
        BatchesThisRound++;
        _nextSequence++;
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        _source.CatchUpWorkload();
        long visited = _visited;
        _visited = 0;
        return _source.AfterBatch(visited);
    }

    /// <summary>Finishes the open batch, counts its pages and, unless every page was unchanged, writes it and keeps it in the window.</summary>
    private int Write()
    {
        var batch = _batch.Finish();
        _batchOpen = false;
        for (int e = 0; e < batch.Counts.Length; e++) EncodingCounts[e] += batch.Counts[e];
        if (batch.IsEmpty) return 0;
        _writer!.WriteBatch(_round, _nextSequence, batch);
        lock (_gate)
        {
            var pages = _spare.Count > 0 ? _spare.Pop() : new int[_plan.Limits.MaxPages];
            batch.Pages.CopyTo(pages);
            _inFlight.Enqueue((_nextSequence, pages, batch.Count));
        }
        return batch.Count;
    }

    /// <summary>
    /// Waits until the destination has applied every batch sent (the VM still running), so that the stop-and-copy
    /// round does not queue behind pre-copy octets still on their way; a drop is resumed, what it lost put back.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WaitForWindowAsync(cancellationToken, room: 0).ConfigureAwait(false);
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            await ReopenAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private Task WaitForWindowAsync(CancellationToken cancellationToken) => WaitForWindowAsync(cancellationToken, _source.Options.WindowBatches - 1);

    /// <summary>Waits until at most <paramref name="room"/> batches are unacknowledged.</summary>
    private async Task WaitForWindowAsync(CancellationToken cancellationToken, int room)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_readerEnded) throw new IOException($"channel {_index}: the destination's replies stopped");
                if (_inFlight.Count <= room) return;
                if (_windowOpened.Task.IsCompleted) _windowOpened = NewSignal();
                wait = _windowOpened.Task;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            CatchUpClock();
        }
    }

    /// <summary>
    /// Sends the whole device state in chunks (sec 3.4) on this, the main, channel. False when the connection dropped on
    /// the way and was resumed: the pages it lost are put back and the device state must go again, whole, on the new one.
    /// </summary>
    public async Task<bool> SendDeviceStateAsync(ReadOnlyMemory<byte> state, CancellationToken cancellationToken)
    {
        try
        {
            for (int offset = 0; offset < state.Length; offset += DeviceStateChunk.MaxData)
            {
                int length = Math.Min(DeviceStateChunk.MaxData, state.Length - offset);
                _writer!.WriteDeviceStateChunk(offset, state.Length, state.Span.Slice(offset, length));
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            return true;
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            await ReopenAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    public void WriteEndOfStream(in EndOfStream record) => _writer!.WriteEndOfStream(record);
    public void WriteCommit() => _writer!.WriteCommit();

    /// <summary>Tells the destination the source gives the migration up (best effort: the connection may be gone).</summary>
    public async Task AbortAsync(string reason, CancellationToken cancellationToken)
    {
        if (_writer is null) return;
        try
        {
            _batchOpen = false;
            _writer.WriteAbort(new ErrorRecord(PageStreamError.Cancelled, reason));
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        FlushResult result;
        try
        {
            result = await _writer!.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            _flushFailed = true;
            throw;
        }
        if (result.IsCompleted || result.IsCanceled)
        {
            _flushFailed = true;
            throw new IOException($"channel {_index}: the destination closed the connection");
        }
    }

    /// <summary>A wait for a reply has ended: the transport moves a virtual clock to the reply's arrival.</summary>
    public void CatchUpClock() => _channel?.ReplyAwaited();

    public PageStreamError OnAck(in Ack record)
    {
        lock (_gate)
        {
            if (!_headerAck.Task.IsCompleted)
            {
                _headerAck.TrySetResult(record.AppliedSequence);
                return PageStreamError.None;
            }
            while (_inFlight.TryPeek(out var batch) && batch.Sequence <= record.AppliedSequence)
            {
                _inFlight.Dequeue();
                _spare.Push(batch.Pages);
            }
            _windowOpened.TrySetResult();
        }
        return PageStreamError.None;
    }

    public PageStreamError OnReady(in Ready record)
    {
        _ready.TrySetResult(record);
        return PageStreamError.None;
    }

    public PageStreamError OnResumed(in Resumed record)
    {
        _resumed.TrySetResult(record);
        return PageStreamError.None;
    }

    public PageStreamError OnError(in ErrorRecord record)
    {
        var failure = new MigrationFailedException(record.Code, record.Code == PageStreamError.ImageRefused
            ? $"the destination refused the image: {record.Message}"
            : $"destination refused the stream on channel {_index}: {record.Code.Describe()}: {record.Message}");
        _source.Fail(failure);
        _ready.TrySetException(failure);
        _resumed.TrySetException(failure);
        _headerAck.TrySetException(failure);
        return PageStreamError.PeerError;
    }

    /// <summary>Closes the connection; the reply reader first handles whatever the destination already sent.</summary>
    public async Task CloseAsync()
    {
        if (_channel is null) return;
        _wireBytesBefore += _writer?.BytesWritten ?? 0;
        _writer = null;
        // Stop the reply reader first: a pipe is not completed while a read on it is pending.
        _channel.Input.CancelPendingRead();
        if (_reader is not null) await _reader.ConfigureAwait(false);
        _reader = null;
        await _channel.DisposeAsync().ConfigureAwait(false);
        _channel = null;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _batch.Dispose();
        Encoder.Dispose();
    }

    private TaskCreationOptions SignalOptions => _source.Options.SingleThreaded ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously;
    private TaskCompletionSource NewSignal() => new(SignalOptions);
    private TaskCompletionSource<T> NewSignal<T>() => new(SignalOptions);
}
