using NetMobility.Migration;
using NetMobility.Migration.Bench;
using NetMobility.Migration.Content;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>
/// The bench's simulator and the real engine group pages into batches by one <c>BatchPlan</c>: on the same image,
/// link, channels, encoder and stop rule, with a guest that writes nothing (so that neither side's guest model
/// differs), the real engine over the in-memory link in virtual time (as <c>migrate bench --engine</c> runs it) and the
/// simulator make the same rounds, send the
/// same pages in the same number of batches and put the same octets on the wire; their times differ only by what the
/// simulator charges for encoding (the engine in virtual time encodes in no time) and a little for the records around
/// the batches.
/// </summary>
public class EngineModelAgreementTests
{
    private const long Memory = 4L << 20;
    private const double BitsPerSecond = 1e9;
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(1);

    private const int Seed = 1;

    // The image the engine migrates (EngineBench fills it from the settings' seed), measured by the calibration.
    private static readonly Lazy<EncodingCalibration> Calibration = new(() =>
    {
        using var image = new MemoryImage(Memory);
        RealisticContent.Fill(image, Seed, ContentProfile.Typical);
        return EncodingCalibration.Measure(image);
    });

    [Theory]
    [InlineData("xen-legacy", 1)]
    [InlineData("xen-legacy", 2)]
    [InlineData("xen-v2", 3)]
    [InlineData("qemu", 2)]
    [InlineData("qemu-ac", 1)]
    public async Task The_engine_and_the_simulator_make_the_same_rounds_batches_and_wire_bytes(string policy, int channels)
    {
        var engine = await RunEngine(policy, channels, maxPagesPerBatch: 64);
        var model = RunSimulator(policy, channels, pagesPerBatch: 64);
        AssertSameRounds(engine, model);
    }

    [Fact]
    public async Task A_change_of_batch_size_changes_both_alike()
    {
        // 48 pages a batch do not divide a lane of 512 or 1024 pages: the last batch of each lane is a short one.
        var engine = await RunEngine("xen-legacy", 2, maxPagesPerBatch: 48);
        var model = RunSimulator("xen-legacy", 2, pagesPerBatch: 48);
        AssertSameRounds(engine, model);
        Assert.Equal(2 * 11, engine.Rounds[0].Batches);
    }

    private static void AssertSameRounds(MigrationReport engine, MigrationReport model)
    {
        Assert.True(engine.Completed, engine.Error);
        Assert.True(model.Completed, model.StopReason);
        Assert.Equal(engine.StopReason, model.StopReason);
        Assert.Equal(engine.Rounds.Count, model.Rounds.Count);
        for (int r = 0; r < engine.Rounds.Count; r++)
        {
            RoundReport e = engine.Rounds[r], m = model.Rounds[r];
            Assert.Equal((r, e.StopAndCopy), (r, m.StopAndCopy));
            Assert.Equal((r, e.PagesSent), (r, m.PagesSent));
            Assert.Equal((r, e.Batches), (r, m.Batches));
            Assert.Equal((r, e.WireBytes), (r, m.WireBytes));
            Assert.Equal(e.Encodings.OrderBy(x => x.Key), m.Encodings.OrderBy(x => x.Key));
        }
        Assert.Equal(engine.WireBytes, model.WireBytes);
        // The first round carries the memory: the simulator's time is the engine's plus the encoding it charges
        // (over the channels' cores) and at most a few handshake-sized records.
        double engineMs = engine.Rounds[0].DurationMs, modelMs = model.Rounds[0].DurationMs;
        double encoding = model.CpuTimeMs / model.Channels;
        Assert.InRange(modelMs, engineMs - 0.05, engineMs + encoding + 0.05);
    }

    // The bench's own way to run the real engine on a cell (migrate bench --engine), on the simulator's settings.
    private static Task<MigrationReport> RunEngine(string policy, int channels, int maxPagesPerBatch) =>
        EngineBench.RunAsync(Settings(policy, channels, maxPagesPerBatch), MigrationBench.CreatePolicy(policy), new IdleWorkload(7, pagesPerSecond: 0));

    private static MigrationReport RunSimulator(string policy, int channels, int pagesPerBatch) =>
        new MigrationSimulator(Calibration.Value).Run(Settings(policy, channels, pagesPerBatch), MigrationBench.CreatePolicy(policy), new IdleWorkload(7, pagesPerSecond: 0));

    private static SimulationSettings Settings(string policy, int channels, int pagesPerBatch) => new()
    {
        MemoryBytes = Memory, BitsPerSecond = BitsPerSecond, Latency = Latency, Encoder = MigrationBench.ProfileFor(policy), Channels = channels,
        PagesPerBatch = pagesPerBatch, Seed = Seed,
    };
}
