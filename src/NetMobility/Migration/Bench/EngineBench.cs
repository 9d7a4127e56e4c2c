using NetMobility.Migration.Content;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Workloads;
using NetMobility.Runtime;

namespace NetMobility.Migration.Bench;

/// <summary>
/// One bench cell on the real engine instead of the simulator: the same <see cref="SimulationSettings"/> (memory, link,
/// latency, channels, batch size, encoder profile, device state, QEMU's cap as a slower link), the engine's source and
/// destination over the in-memory link in virtual time, a seed image filled as the calibration's, the real workload, the
/// real encoders. Virtual time does not advance while the engine encodes: its times leave out the encoding CPU time the
/// simulator charges from the calibration. As in the simulator, the fixed switchover cost is added to the downtime and the
/// total time, and a migration that has put <see cref="SimulationSettings.GiveUpFactor"/> times its memory on the wire is
/// stopped and reported as not converging.
/// </summary>
public static class EngineBench
{
    public static async Task<MigrationReport> RunAsync(SimulationSettings settings, IStopPolicy policy, Workload workload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var image = new MemoryImage(settings.MemoryBytes);
        RealisticContent.Fill(image, settings.Seed, ContentProfile.Typical);
        var clock = new ManualTimeProvider();
        double bps = settings.BandwidthCap > 0 ? Math.Min(settings.BitsPerSecond, settings.BandwidthCap * 8) : settings.BitsPerSecond;
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = bps, Latency = settings.Latency }, clock);
        var limited = new GiveUpPolicy(policy, (long)(settings.GiveUpFactor * settings.MemoryBytes), settings.GiveUpFactor);
        var source = new PreCopySource(image, limited, new VirtualWorkloadControl(workload, image, clock), clock, new SourceOptions
        {
            Channels = settings.Channels,
            MaxPagesPerBatch = settings.PagesPerBatch,
            Encoder = MigrationBench.EncoderOptions(settings.Encoder, bps, settings.Channels),
            DeviceState = new byte[settings.DeviceStateBytes],
            TransportName = $"engine, memory {PathModel.DescribeBandwidth(bps)}, {settings.Latency.TotalMilliseconds:0.###} ms, virtual time",
        });
        var destination = new MigrationDestination(new DestinationOptions { Clock = clock });
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiving = destination.ReceiveAsync(link, giveUp.Token);
        var report = await source.MigrateAsync(link, cancellationToken).ConfigureAwait(false);
        if (!report.Completed) await giveUp.CancelAsync().ConfigureAwait(false);
        try
        {
            var result = await receiving.ConfigureAwait(false);
            result.Image?.Dispose();
        }
        catch (OperationCanceledException) when (!report.Completed)
        {
        }
        // The fixed switchover cost, paid as in the simulator; the give-up rule's stop is no convergence.
        double fixedMs = report.Completed ? settings.FixedSwitchover.TotalMilliseconds : 0;
        return new MigrationReport
        {
            Policy = report.Policy, Workload = report.Workload, Transport = report.Transport, MemoryBytes = report.MemoryBytes, Channels = report.Channels,
            Outcome = report.Completed && report.StopReason == limited.Reason ? MigrationOutcome.NotConverged : report.Outcome,
            Error = report.Error, StopReason = report.StopReason, Cause = report.Cause, Rounds = report.Rounds,
            TotalTimeMs = report.TotalTimeMs + fixedMs, DowntimeMs = report.DowntimeMs + fixedMs, Switchover = report.Switchover,
            WireBytes = report.WireBytes, LogicalBytes = report.LogicalBytes, CompressionRatio = report.CompressionRatio, CpuTimeMs = report.CpuTimeMs,
            Resumes = report.Resumes, ResentPages = report.ResentPages, FinalThrottle = report.FinalThrottle, Digest = report.Digest,
        };
    }

    /// <summary>A stop rule that also stops once the migration has put <paramref name="limit"/> octets on the wire.</summary>
    private sealed class GiveUpPolicy(IStopPolicy inner, long limit, double factor) : IStopPolicy
    {
        public string Reason { get; } = $"not converged after {factor:0} x memory on the wire";
        public string Name => inner.Name;
        public void Begin(long memoryPages, int pageSize) => inner.Begin(memoryPages, pageSize);
        public bool SkipsRedirtiedPages => inner.SkipsRedirtiedPages;
        public bool FitsMidRound(double pendingBytes, double bandwidth) => inner.FitsMidRound(pendingBytes, bandwidth);

        public StopDecision AfterRound(in RoundStatistics round)
        {
            var decision = inner.AfterRound(round);
            return !decision.Stop && round.TotalWireBytes > limit ? StopDecision.StopNow(decision.Throttle, Reason) : decision;
        }
    }
}
