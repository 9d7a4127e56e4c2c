using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;
using NetMobility.Migration;
using NetMobility.Runtime;
using NetMobility.Migration.Content;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>One migration over an in-memory link in virtual time, for tests: source image, workload, both ends.</summary>
internal sealed class InMemoryMigration : IAsyncDisposable
{
    public ManualTimeProvider Clock { get; } = new();
    public MemoryImage Image { get; }
    public InMemoryPath Link { get; }
    public VirtualWorkloadControl Workload { get; }
    public PreCopySource Source { get; }
    public MigrationDestination Destination { get; }
    public DestinationResult? Result { get; private set; }

    public InMemoryMigration(long memoryBytes, IStopPolicy policy, Workload workload, SourceOptions? options = null,
        DestinationOptions? destination = null, double bitsPerSecond = 1e9, TimeSpan? latency = null, bool tellEncoderTheLink = true)
    {
        Image = new MemoryImage(memoryBytes);
        RealisticContent.Fill(Image, 11, ContentProfile.Typical);
        Link = new InMemoryPath(new PathModel { BitsPerSecond = bitsPerSecond, Latency = latency ?? TimeSpan.FromMilliseconds(1) }, Clock);
        Workload = new VirtualWorkloadControl(workload, Image, Clock);
        options ??= new SourceOptions();
        Source = new PreCopySource(Image, policy, Workload, Clock, options with
        {
            Encoder = tellEncoderTheLink ? options.Encoder with { LinkBytesPerSecond = (long)(bitsPerSecond / 8) } : options.Encoder,
            TransportName = "memory",
        });
        Destination = new MigrationDestination((destination ?? new DestinationOptions()) with { Clock = Clock });
    }

    /// <summary>Runs both ends; the destination is given up (cancelled) once the source has finished without handing over.</summary>
    public async Task<MigrationReport> RunAsync()
    {
        // A bound on a hang, not a synchronisation: a healthy run ends in well under a second.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(guard.Token);
        var receiving = Destination.ReceiveAsync(Link, giveUp.Token);
        var report = await Source.MigrateAsync(Link, guard.Token);
        if (!report.Completed && !receiving.IsCompleted) giveUp.Cancel();
        try
        {
            Result = await receiving;
        }
        catch (OperationCanceledException) when (!report.Completed)
        {
            Result = null;
        }
        return report;
    }

    public async ValueTask DisposeAsync()
    {
        await Link.DisposeAsync();
        Result?.Image?.Dispose();
        Image.Dispose();
    }
}
