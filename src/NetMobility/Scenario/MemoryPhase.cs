using NetMobility.Migration.Engine;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Simulation;
using NetMobility.Migration.Transports;
using NetMobility.Migration;
using NetMobility.Runtime;
using NetMobility.Wire;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Workloads;

namespace NetMobility.Scenario;

/// <summary>
/// What the memory half of a migration gives the network half to replay: the report, and on the migration's own
/// clock (from the start of round 1) when the VM paused for stop-and-copy, when the source released it to the
/// destination, or when it resumed at the source after a failure; and the device state as the destination read it.
/// </summary>
public sealed record MemoryTimeline
{
    public required MigrationReport Report { get; init; }

    /// <summary>From the start to the pause for stop-and-copy; null when the migration failed before it.</summary>
    public TimeSpan? Paused { get; init; }

    /// <summary>From the start to the source's release of the VM, on the destination's ready; null when it never came.</summary>
    public TimeSpan? Released { get; init; }

    /// <summary>From the start to the VM's resumption at the source after a failure; null when the migration completed.</summary>
    public TimeSpan? RolledBack { get; init; }

    /// <summary>The destination rebuilt the image, its digest matched the source's, and it took the VM.</summary>
    public bool DigestVerified { get; init; }

    /// <summary>The device state the destination received, when it took the VM and the record parsed.</summary>
    public VmDeviceState? DeviceState { get; init; }

    /// <summary>Why the destination refused the stream or the device state, if it did.</summary>
    public string? DestinationError { get; init; }
}

/// <summary>
/// Runs the memory half of a scenario: a real pre-copy migration (<see cref="PreCopySource"/> to
/// <see cref="MigrationDestination"/>, the VM's device state in the stream) over an in-memory link with the WAN's
/// bandwidth and latency, in virtual time on its own clock, with the workload dirtying the image as that clock moves.
/// </summary>
public static class MemoryPhase
{
    public static async Task<MemoryTimeline> RunAsync(ScenarioOptions options, VmDeviceState deviceState, CancellationToken cancellationToken = default,
        ScenarioTimeline? timeline = null)
    {
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        var clock = new ManualTimeProvider();
        var start = clock.GetUtcNow();
        using var image = new MemoryImage(options.MemoryBytes);
        RealisticContent.Fill(image, options.Seed, ContentProfile.Typical);
        var model = new LinkModel { BitsPerSecond = options.WanBitsPerSecond, Latency = options.WanLatency, VirtualTime = true };
        await using var link = new InMemoryLink(model, clock);
        var workload = new RecordingWorkloadControl(
            new VirtualWorkloadControl(MigrationBench.CreateWorkload(options.Workload, options.Seed), image, clock), clock);
        var source = new PreCopySource(image, MigrationBench.CreatePolicy(options.Policy), workload, clock, new SourceOptions
        {
            Channels = options.Channels,
            Encoder = EncoderFor(options),
            DeviceState = deviceState.ToArray(),
            TransportName = $"memory {LinkModel.DescribeBandwidth(options.WanBitsPerSecond)}, {options.WanLatency.TotalMilliseconds:0.###} ms, virtual time",
        });
        var destination = new MigrationDestination(new DestinationOptions
        {
            Clock = clock,
            // The first octet of every page goes wrong as it is applied, so the digest check refuses the image
            // whichever pages the workload and the rounds happen to send (one chosen page may never be sent, or be
            // sent again and so healed).
            AfterPageApplied = options.FailVerification ? (_, page) => page[0] ^= 0xFF : null,
        });

        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watch = timeline?.WatchMigration(clock, () => source.Progress);
        var receiving = destination.ReceiveAsync(link, giveUp.Token);
        var report = await source.MigrateAsync(link, cancellationToken).ConfigureAwait(false);
        // A source that rolled back may leave the destination waiting for a stream that never ends.
        if (!report.Completed && !receiving.IsCompleted) await giveUp.CancelAsync().ConfigureAwait(false);
        DestinationResult? result;
        try
        {
            result = await receiving.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!report.Completed && !cancellationToken.IsCancellationRequested)
        {
            result = null;
        }

        try
        {
            VmDeviceState? received = null;
            string? error = result is { Committed: false } ? result.Message : null;
            if (result is { Committed: true })
            {
                if (VmDeviceState.TryParse(result.DeviceState, out var state, out _, out var parseError)) received = state;
                else error = $"device state record: {parseError.Describe()}";
            }
            // A completed migration's report holds the engine's own pause and release instants; a rolled-back one
            // reports no switchover, so the instant the guest was paused is taken instead.
            var switchover = report.Completed ? report.Switchover : null;
            var paused = switchover is { } s ? TimeSpan.FromMilliseconds(s.PausedAtMs) : workload.PausedAt - start;
            return new MemoryTimeline
            {
                Report = report,
                Paused = paused,
                Released = switchover is { } r ? TimeSpan.FromMilliseconds(r.ReleasedAtMs) : null,
                RolledBack = report.Completed ? null : Later(workload.ResumedAt - start, paused + 2 * options.WanLatency),
                DigestVerified = report.Completed && result is { Committed: true } && result.Digest.ToString() == report.Digest,
                DeviceState = received,
                DestinationError = error,
            };
        }
        finally
        {
            result?.Image?.Dispose();
        }
    }

    /// <summary>
    /// The later of two instants. The source engine moves its virtual clock to the arrival of the destination's
    /// ready, not to that of a refusal: after a failed stop-and-copy its clock says the VM resumed about when it
    /// paused. The refusal cannot be back before the stream's end has reached the destination and the answer has
    /// come back, one round trip after the pause at the least, so the replay resumes the VM no earlier than that.
    /// </summary>
    private static TimeSpan? Later(TimeSpan? engine, TimeSpan? roundTripAfterPause) =>
        engine is TimeSpan e && roundTripAfterPause is TimeSpan r && r > e ? r : engine;

    /// <summary>The page encoder the compression setting stands for; the encoder is told the WAN's speed, so it compresses only where that pays.</summary>
    private static PageEncoderOptions EncoderFor(ScenarioOptions options)
    {
        var adaptive = new PageEncoderOptions { LinkBytesPerSecond = (long)(options.WanBitsPerSecond / 8), EncoderCores = options.Channels };
        return options.Compression switch
        {
            PageCompression.Auto => MigrationBench.EncoderOptions(options.Policy, options.WanBitsPerSecond, options.Channels),
            PageCompression.Off => PageEncoderOptions.Uncompressed,
            PageCompression.Lz4 => adaptive with { AllowedEncodings = WithCompressor(PageEncoding.Lz4) },
            PageCompression.Zstd => adaptive with { AllowedEncodings = WithCompressor(PageEncoding.Zstd) },
            PageCompression.Deflate => adaptive with { AllowedEncodings = WithCompressor(PageEncoding.Deflate) },
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Compression, "not a compression setting"),
        };
    }

    private static PageEncoding[] WithCompressor(PageEncoding compressor) =>
        [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Unchanged, PageEncoding.Delta, compressor];
}
