using NetMobility.Migration.Engine;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration.Engine;

public class EndToEndTests
{
    private const long Memory = 16L << 20;

    public static TheoryData<string> Policies => ["xen-legacy", "xen-v2", "qemu", "qemu-ac", "adaptive"];

    private static IStopPolicy Policy(string name) => name switch
    {
        "xen-legacy" => new XenLegacyPolicy(),
        "xen-v2" => new XenStreamV2Policy(),
        "qemu" => new QemuPolicy(false),
        "qemu-ac" => new QemuPolicy(true),
        _ => new AdaptivePolicy(),
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public async Task Web_server_migrates_and_both_ends_agree_on_the_digest(string policy)
    {
        await using var m = new InMemoryMigration(Memory, Policy(policy), new WebServerWorkload(3, 20_000),
            new SourceOptions { DeviceState = new byte[] { 0x02, 0, 0, 0, 0, 1 } });
        var report = await m.RunAsync();

        Assert.True(report.Completed, report.Error);
        var result = Assert.IsType<DestinationResult>(m.Result);
        Assert.True(result.Committed, result.Message);
        Assert.Equal(Hex.Of(m.Image.ComputeDigest()), Hex.Of(result.Image!.ComputeDigest()));
        Assert.Equal(report.Digest, result.Digest.ToString());
        Assert.Equal("020000000001", Hex.Of(result.DeviceState));
        Assert.Equal(VmState.Released, m.Source.Ownership.State);
        Assert.Equal(VmState.Resumed, result.Ownership.State);
        Assert.Equal(policy, report.Policy);
        Assert.True(report.Rounds.Count >= 2, $"{report.Rounds.Count} rounds");
        Assert.True(report.Rounds[^1].StopAndCopy);
        // The first pass goes through every page (legacy Xen skips those written again meanwhile).
        Assert.Equal(m.Image.PageCount, report.Rounds[0].PagesSent + report.Rounds[0].SkippedPages);
        Assert.True(report.DowntimeMs > 0 && report.DowntimeMs < report.TotalTimeMs);
        // The digest kept page by page is the digest of the image as it is, at both ends.
        Assert.Equal(report.Digest, PageDigestTable.Compute(m.Image).ToString());
        Assert.Equal(report.Digest, PageDigestTable.Compute(result.Image).ToString());
    }

    [Fact]
    public async Task Downtime_parts_add_up_and_follow_the_link_in_virtual_time()
    {
        var latency = TimeSpan.FromMilliseconds(2);
        await using var m = new InMemoryMigration(Memory, new AdaptivePolicy(), new WebServerWorkload(3, 20_000), latency: latency);
        var report = await m.RunAsync();

        Assert.True(report.Completed, report.Error);
        var s = Assert.IsType<NetMobility.Migration.Reports.SwitchoverReport>(report.Switchover);
        Assert.True(s.ResumeConfirmed);
        Assert.Equal(report.DowntimeMs, s.PauseMs + s.DirtyLogSyncMs + s.LastPagesMs + s.DeviceStateMs + s.DestinationVerifyMs + s.ReadyMs + s.CommitMs + s.ResumeMs, 9);
        Assert.Equal(s.PausedAtMs + report.DowntimeMs - s.ResumeMs, s.ReleasedAtMs, 6);
        Assert.Equal(report.TotalTimeMs, s.ReleasedAtMs, 6);
        // Nothing but the link takes virtual time: pausing, collecting the log and verifying take none, the
        // ready answer a round trip, the commit's way to the destination one latency (and the few octets' time).
        Assert.Equal(0, s.PauseMs);
        Assert.Equal(0, s.DirtyLogSyncMs);
        Assert.Equal(0, s.DestinationVerifyMs);
        Assert.InRange(s.ReadyMs, 2 * latency.TotalMilliseconds, 2 * latency.TotalMilliseconds + 1);
        Assert.InRange(s.ResumeMs, latency.TotalMilliseconds, latency.TotalMilliseconds + 0.01);
    }

    [Fact]
    public async Task Adaptive_encoder_sends_fewer_octets_than_pages_on_typical_memory()
    {
        // Link speed unknown to the encoder: it compresses whatever compresses, whatever the CPU time (which
        // varies with the machine's load), so the outcome is the same on every run.
        var options = new SourceOptions { Encoder = new PageEncoderOptions { LinkBytesPerSecond = 0 } };
        await using var m = new InMemoryMigration(Memory, new AdaptivePolicy(), new IdleWorkload(5), options, tellEncoderTheLink: false);
        var report = await m.RunAsync();
        Assert.True(report.Completed, report.Error);
        Assert.True(report.CompressionRatio > 2.5, $"ratio {report.CompressionRatio}: {NetMobility.Migration.Reports.ReportText.Format(report)}");
        Assert.True(report.Rounds[0].Encodings["zero"] > 1000);
        Assert.Equal(report.Rounds[0].PagesSent, report.Rounds[0].Encodings.Values.Sum());
        Assert.Equal(Hex.Of(m.Image.ComputeDigest()), Hex.Of(m.Result!.Image!.ComputeDigest()));
    }

    [Fact]
    public async Task Three_channels_split_the_pages_and_the_image_arrives_whole()
    {
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new UniformRandomWorkload(9, 2_000),
            new SourceOptions { Channels = 3, Encoder = PageEncoderOptions.Uncompressed });
        var report = await m.RunAsync();
        Assert.True(report.Completed, report.Error);
        Assert.Equal(3, report.Channels);
        Assert.Equal(3, m.Result!.Connections);
        Assert.Equal(Hex.Of(m.Image.ComputeDigest()), Hex.Of(m.Result.Image!.ComputeDigest()));
    }

    [Fact]
    public async Task Dropped_connection_is_resumed_and_only_what_was_in_flight_is_sent_again()
    {
        var options = new SourceOptions { Channels = 2, MaxPagesPerBatch = 32, WindowBatches = 4 };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new WebServerWorkload(4, 5_000), options);
        m.Link.DropNextConnectionAfter(1 << 20);
        var report = await m.RunAsync();

        Assert.True(report.Completed, report.Error);
        Assert.Equal(1, report.Resumes);
        Assert.Equal(3, m.Result!.Connections);
        // At most the window of unacknowledged batches goes again, and at least the batch lost with the link.
        Assert.InRange(report.ResentPages, 1, options.WindowBatches * options.MaxPagesPerBatch);
        Assert.Equal(Hex.Of(m.Image.ComputeDigest()), Hex.Of(m.Result.Image!.ComputeDigest()));
    }

    [Fact]
    public async Task Destination_that_fails_verification_leaves_the_vm_running_at_the_source()
    {
        // Page 7 goes wrong at the destination as it is first applied (a fault in its memory, not on the wire).
        bool corrupted = false;
        var destination = new DestinationOptions { AfterPageApplied = (n, page) => { if (n == 7 && !corrupted) { page[100] ^= 0xFF; corrupted = true; } } };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new WebServerWorkload(2, 5_000), destination: destination);
        var report = await m.RunAsync();

        Assert.Equal(NetMobility.Migration.Reports.MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("digest", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
        var result = Assert.IsType<DestinationResult>(m.Result);
        Assert.False(result.Committed);
        Assert.Equal(PageStreamError.DigestMismatch, result.Error);
        Assert.Equal(VmState.Rejected, result.Ownership.State);
        Assert.False(result.Ownership.RunsHere);

        // The guest runs on at the source after the rollback.
        long before = m.Image.DirtyLog.CountDirty();
        m.Clock.Advance(TimeSpan.FromSeconds(1));
        m.Workload.CatchUp();
        Assert.True(m.Image.DirtyLog.CountDirty() > before);
    }

    [Fact]
    public async Task Connection_lost_more_often_than_allowed_rolls_back()
    {
        var options = new SourceOptions { Channels = 1, MaxResumes = 0 };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), options);
        m.Link.DropNextConnectionAfter(1 << 20);
        var report = await m.RunAsync();
        Assert.Equal(NetMobility.Migration.Reports.MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("connection lost", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
    }
}
