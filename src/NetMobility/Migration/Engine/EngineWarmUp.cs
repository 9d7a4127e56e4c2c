using System.Diagnostics;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Engine;

/// <summary>
/// A short migration of a small synthetic image inside this process, before the real one: source and destination over
/// the in-memory pipe in real time, through every step a real migration takes (pre-copy rounds while a workload writes,
/// dirty pages found by comparison, stop-and-copy, a device state of several chunks, verify, commit, resume), with the
/// real migration's policy, encoder and channels. A process that starts to move one VM (<c>netmob migrate send</c>,
/// <c>netmob migrate receive</c>) runs it first, so that the engine's code is compiled and its hot loops (page hashing,
/// the codecs, the scan) have left the runtime's first, unoptimised tier before a VM pauses: measured in the lab, a fresh
/// process paid 60-100 ms more pause than one that had migrated before, most of it in the pause's scan of the RAM.
/// Nothing here touches the VM or the network; a warm-up that fails is reported and changes nothing.
/// </summary>
public static class EngineWarmUp
{
    /// <summary>The warm-up image: 2048 pages, enough for every per-page path to be called well past the runtime's tier-up count.</summary>
    public const long MemoryBytes = 8L << 20;

    /// <summary>The warm-up's device state: two chunks and a part.</summary>
    private const int DeviceStateBytes = 150_000;

    /// <summary>Runs the warm-up migration; answers how long it took and whether it completed (its error otherwise).</summary>
    public static async Task<(TimeSpan Took, string? Error)> RunAsync(IStopPolicy policy, PageEncoderOptions encoder, int channels, CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        var clock = TimeProvider.System;
        using var image = new MemoryImage(MemoryBytes);
        RealisticContent.Fill(image, 3, ContentProfile.Typical);
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = PathModel.MaxBitsPerSecond, VirtualTime = false }, clock);
        await using var runner = new WorkloadRunner(new UniformRandomWorkload(5, 2_000), image, clock);
        var state = new byte[DeviceStateBytes];
        state.AsSpan().Fill(0x5a);
        var destination = new MigrationDestination(new DestinationOptions
        {
            LoadDeviceState = (_, _) => Task.CompletedTask,
            ResumeVm = _ => Task.CompletedTask,
        });
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiving = destination.ReceiveAsync(link, giveUp.Token);
        var source = new PreCopySource(image, policy, new RunnerWorkloadControl(runner), clock, new SourceOptions
        {
            Channels = channels,
            Encoder = encoder,
            DirtyTracking = DirtyTracking.Compare,
            TransportName = "warm-up, memory pipe",
            CaptureDeviceState = _ => Task.FromResult<ReadOnlyMemory<byte>>(state),
        });
        runner.Start();
        MigrationReport report = await source.MigrateAsync(link, cancellationToken).ConfigureAwait(false);
        if (!report.Completed) await giveUp.CancelAsync().ConfigureAwait(false);
        try
        {
            var result = await receiving.ConfigureAwait(false);
            result.Image?.Dispose();
        }
        catch (OperationCanceledException)
        {
        }
        return (Stopwatch.GetElapsedTime(started), report.Completed ? null : report.Error);
    }
}
