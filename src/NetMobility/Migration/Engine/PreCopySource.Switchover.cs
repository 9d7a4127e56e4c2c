using NetMobility.Migration.PageStream;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;

namespace NetMobility.Migration.Engine;

/// <summary>The switchover's helpers: the last scan, the device state's capture, the downtime's parts and the resumption.</summary>
public sealed partial class PreCopySource
{
    /// <summary>With dirty tracking by comparison, marks the pages whose contents differ from what was last sent (no channel encodes now).</summary>
    private void FindChangedPages()
    {
        if (Options.DirtyTracking == DirtyTracking.Compare) SentContentScan.Run(Image, Digests, Image.DirtyLog);
    }

    /// <summary>The hypervisor's device state, taken now; a failure to take it fails the migration (the VM resumes here).</summary>
    private async Task<ReadOnlyMemory<byte>> CaptureDeviceStateAsync(CancellationToken cancellationToken)
    {
        var capture = Options.CaptureDeviceState!;
        try
        {
            return await capture(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or MigrationFailedException or IOException))
        {
            throw new MigrationFailedException(PageStreamError.None, $"taking the device state failed: {ex.Message}");
        }
    }

    /// <summary>
    /// Before a rollback resumes the VM: lets a capture of the device state still running finish (its outcome no longer
    /// matters), so that the hypervisor is not told to run the VM while it is still writing its state.
    /// </summary>
    private static async Task SettleCaptureAsync(Task<ReadOnlyMemory<byte>>? capturing)
    {
        if (capturing is null) return;
        try
        {
            await capturing.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MigrationFailedException or IOException or OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The destination's ready on the main channel. When the connection drops first (not a refusal: the destination may be
    /// verifying, or have answered into the cut), it is resumed, with every other channel whose connection has ended, and
    /// the stream ended again on each: what the destination had not applied goes in one more round, then the whole device
    /// state on the main channel and end of stream with the same digest on each; the destination answers with ready
    /// (again) or its error (docs/page-stream.md sec 7.1). Bounded by
    /// <see cref="SourceOptions.MaxResumes"/> and, through <paramref name="cancellationToken"/>, by the ready timeout.
    /// <paramref name="cut"/>: the end of stream did not go out whole (a write failed), so the resumption comes first.
    /// </summary>
    private async Task<Ready> AwaitReadyAsync(uint round, ReadOnlyMemory<byte> state, ImageDigest digest, bool cut, CancellationToken cancellationToken)
    {
        var main = _channels[0];
        while (true)
        {
            if (!cut)
            {
                try
                {
                    return await main.WaitForReadyAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (MigrationFailedException ex) when (ex.Error == PageStreamError.ConnectionLost && Failure is null && !cancellationToken.IsCancellationRequested)
                {
                }
            }
            if (Failure is { } refused) throw refused;
            cut = false;
            try
            {
                // The other channels' connections the destination closed after their end of stream, or the cut took, go
                // again too: an end of stream lost in the cut on any channel would keep the destination from verifying.
                var resumed = new List<SourceChannel> { main };
                for (int i = 1; i < _channels.Length; i++) if (_channels[i].ConnectionEnded) resumed.Add(_channels[i]);
                foreach (var channel in resumed) await channel.ResumeAsync(cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    // The VM is paused: the pages put back are all there is to send, each on its own channel's lane.
                    round++;
                    _round = (int)round;
                    lock (_plannerGate) _planner.PlanRound(Image.DirtyLog);
                    foreach (var channel in resumed) await channel.SendRoundAsync(round, _planner.SendSetWords, cancellationToken).ConfigureAwait(false);
                    if (_planner.PendingCount > 0) continue;
                    if (await main.SendDeviceStateAsync(state, cancellationToken).ConfigureAwait(false)) break;
                }
                foreach (var channel in resumed) channel.WriteEndOfStream(new EndOfStream(round, digest));
                foreach (var channel in resumed) await channel.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                // Dropped again on the way: the next wait finds the connection gone and resumes it once more.
            }
        }
    }

    /// <summary>Lets a wait for ready that lost the race end (its outcome no longer matters).</summary>
    private static async Task SettleAsync(Task<Ready> ready)
    {
        try
        {
            await ready.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MigrationFailedException or IOException or OperationCanceledException)
        {
        }
    }

    /// <summary>The time since <paramref name="mark"/>, which moves to now.</summary>
    private TimeSpan Lap(ref long mark)
    {
        long now = Clock.GetTimestamp();
        var lap = Clock.GetElapsedTime(mark, now);
        mark = now;
        return lap;
    }

    /// <summary>
    /// Waits (bounded) for the destination's resumed record after commit went out at <paramref name="commitSent"/>;
    /// returns the resume part of the downtime: one way of the round trip (the round trip less the destination's
    /// own resume time, halved) plus that time. Null when the record did not come.
    /// </summary>
    private async Task<TimeSpan?> AwaitResumedAsync(Task<Resumed> resumed, long commitSent, CancellationToken cancellationToken)
    {
        try
        {
            var record = await resumed.WaitAsync(Options.ResumedTimeout, Clock, cancellationToken).ConfigureAwait(false);
            _channels[0].CatchUpClock();
            var roundTrip = Clock.GetElapsedTime(commitSent);
            var atDestination = record.ResumeTime < roundTrip ? record.ResumeTime : roundTrip;
            return (roundTrip - atDestination) / 2 + atDestination;
        }
        catch (Exception ex) when (ex is TimeoutException or MigrationFailedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Cancels <paramref name="source"/>: on this thread when single-threaded (its callbacks run here, now), else with
    /// the callbacks on the thread pool.
    /// </summary>
    internal static Task CancelAsync(CancellationTokenSource source, bool singleThreaded)
    {
        if (!singleThreaded) return source.CancelAsync();
        source.Cancel();
        return Task.CompletedTask;
    }
}
