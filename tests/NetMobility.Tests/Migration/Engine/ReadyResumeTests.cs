using System.IO.Pipelines;
using System.Net;
using NetMobility.Migration;
using NetMobility.Migration.Content;
using NetMobility.Migration.Engine;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Workloads;
using NetMobility.Tests.Migration.TwoHosts;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>
/// A connection cut after end of stream, while the source waits for ready (docs/page-stream.md sec 7): the source
/// resumes the main channel and the destination answers there with its one verification's ready or error.
/// </summary>
public class ReadyResumeTests
{
    private const long Memory = 8L << 20;

    /// <summary>Opens channels on a link; tells when a connection past the first ones opens, and can refuse those.</summary>
    private sealed class Reconnections(InMemoryPath link, int first) : IChannelConnector
    {
        private readonly TaskCompletionSource _reconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public InMemoryPath Link => link;

        /// <summary>Completes when the source opens a connection beyond its first ones (a resume).</summary>
        public Task Reconnected => _reconnected.Task;

        /// <summary>Every later connection fails, as to a destination host that has gone.</summary>
        public bool Refuse { get; set; }

        /// <summary>Runs before a later connection opens (a test holds it back here).</summary>
        public Func<CancellationToken, Task>? BeforeReconnect { get; set; }

        public async ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken)
        {
            if (link.ConnectionsOpened >= first)
            {
                _reconnected.TrySetResult();
                if (Refuse) throw new IOException("connection refused");
                if (BeforeReconnect is { } hold) await hold(cancellationToken);
            }
            return await link.ConnectAsync(index, cancellationToken);
        }
    }

    /// <param name="toleranceMs">0 in virtual time; in real time the wall clock and the timestamps the parts are taken
    /// from are read a few microseconds apart</param>
    /// <summary>
    /// Opens channels on a link; the first connections' writers watch for end of stream (its 8 header octets: type 5,
    /// payload of 20 octets), and the link is cut as the last channel's is about to be flushed: it never goes out.
    /// </summary>
    private sealed class CutAsTheStreamEnds(InMemoryPath link, int channels) : IChannelConnector
    {
        private int _opened, _ended;

        /// <summary>The link was cut with the last end of stream unsent.</summary>
        public bool Cut => Volatile.Read(ref _ended) >= channels;

        public async ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken)
        {
            var channel = await link.ConnectAsync(index, cancellationToken);
            return Interlocked.Increment(ref _opened) > channels ? channel : new Watched(channel, this);
        }

        private void BeforeEndOfStreamFlushed()
        {
            if (Interlocked.Increment(ref _ended) == channels) link.SeverAll();
        }

        private sealed class Watched(IMigrationChannel inner, CutAsTheStreamEnds cutter) : IMigrationChannel
        {
            public PipeReader Input => inner.Input;
            public PipeWriter Output { get; } = new WatchingWriter(inner.Output, cutter);
            public string Peer => inner.Peer;
            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        private sealed class WatchingWriter(PipeWriter inner, CutAsTheStreamEnds cutter) : PipeWriter
        {
            private static readonly byte[] EndOfStreamHeader = [0x05, 0, 0, 0, 0, 0, 0, 20];
            private readonly byte[] _tail = new byte[32];
            private int _tailLength;
            private Memory<byte> _last;

            public override Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);
            public override Span<byte> GetSpan(int sizeHint = 0) => (_last = inner.GetMemory(sizeHint)).Span;

            public override void Advance(int bytes)
            {
                // Keeps the last 32 octets written: an end of stream record is 12 + 20 of them.
                var written = _last.Span[..bytes];
                if (written.Length >= _tail.Length) written[^_tail.Length..].CopyTo(_tail);
                else
                {
                    int keep = Math.Min(_tailLength, _tail.Length - written.Length);
                    _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
                    written.CopyTo(_tail.AsSpan(keep));
                    _tailLength = keep + written.Length;
                }
                if (written.Length >= _tail.Length) _tailLength = _tail.Length;
                inner.Advance(bytes);
            }

            public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
            {
                if (_tailLength == _tail.Length && _tail.AsSpan(0, 8).SequenceEqual(EndOfStreamHeader)) cutter.BeforeEndOfStreamFlushed();
                return inner.FlushAsync(cancellationToken);
            }

            public override void CancelPendingFlush() => inner.CancelPendingFlush();
            public override void Complete(Exception? exception = null) => inner.Complete(exception);
        }
    }

    private static void AssertPartsAddUp(SwitchoverReport s, double toleranceMs = 0)
    {
        // The parts up to commit run from the pause to the release, one after the other on the source's clock.
        double untilRelease = s.PauseMs + s.DirtyScanMs + s.DirtyLogSyncMs + s.LastPagesMs + s.DeviceStateMs + s.DestinationVerifyMs + s.ReadyMs;
        Assert.InRange(s.ReleasedAtMs - s.PausedAtMs - untilRelease, -toleranceMs - 1e-6, toleranceMs + 1e-6);
        Assert.True(s.ReadyMs >= 0 && s.DestinationVerifyMs >= 0, $"ready {s.ReadyMs} ms, verify {s.DestinationVerifyMs} ms");
    }

    [Fact]
    public async Task Cut_while_the_destination_verifies_is_resumed_and_the_migration_completes()
    {
        var uncut = await Baseline();
        Reconnections? connector = null;
        int verifications = 0;
        var destination = new DestinationOptions
        {
            BeforeVerify = () =>
            {
                Interlocked.Increment(ref verifications);
                // The cut comes with every end of stream in and the digest not yet compared; the verification goes on
                // once the source has come back.
                connector!.Link.SeverAll();
                Assert.True(connector.Reconnected.Wait(TimeSpan.FromSeconds(30)), "the source did not reconnect");
            },
        };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new WebServerWorkload(4, 2_000), new SourceOptions { Channels = 2 }, destination);
        connector = new Reconnections(m.Link, first: 2);
        var (report, result) = await Run(m, connector);
        using var received = result.Image;

        Assert.True(report.Completed, report.Error);
        Assert.True(report.Resumes >= 1, $"{report.Resumes} resumes");
        Assert.True(result.Connections >= 3, $"{result.Connections} connections");
        Assert.Equal(1, verifications);
        Assert.Equal(VmState.Released, m.Source.Ownership.State);
        Assert.Equal(VmState.Resumed, result.Ownership.State);
        Assert.Equal(Hex.Of(m.Image.ComputeDigest()), Hex.Of(result.Image!.ComputeDigest()));
        AssertPartsAddUp(report.Switchover!);
        // The resumption (a round trip for the header's ack, another for the repeated end of stream) is in the ready part
        // (virtual time: a prediction of the model, not a measurement).
        Assert.True(report.Switchover!.ReadyMs > uncut.Switchover!.ReadyMs,
            $"ready part {report.Switchover.ReadyMs} ms with the cut, {uncut.Switchover.ReadyMs} ms without");
    }

    [Fact]
    public async Task End_of_stream_lost_in_a_cut_goes_again_on_every_channel_and_the_migration_completes()
    {
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new WebServerWorkload(4, 2_000), new SourceOptions { Channels = 2 });
        var cutter = new CutAsTheStreamEnds(m.Link, channels: 2);
        var (report, result) = await Run(m, cutter);
        using var received = result.Image;

        Assert.True(cutter.Cut);
        Assert.True(report.Completed, report.Error);
        Assert.True(report.Resumes >= 2, $"{report.Resumes} resumes");
        Assert.True(result.Connections >= 4, $"{result.Connections} connections");
        Assert.Equal(VmState.Resumed, result.Ownership.State);
        Assert.Equal(Hex.Of(m.Image.ComputeDigest()), Hex.Of(result.Image!.ComputeDigest()));
        AssertPartsAddUp(report.Switchover!);
    }

    [Fact]
    public async Task Ready_lost_in_the_cut_is_sent_again_on_the_resumed_connection()
    {
        Reconnections? connector = null;
        int verified = 0;
        // The destination has verified and its ready goes into a cut connection.
        var destination = new DestinationOptions
        {
            Verified = _ =>
            {
                Interlocked.Increment(ref verified);
                connector!.Link.SeverAll();
            },
        };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new WebServerWorkload(4, 2_000), new SourceOptions { Channels = 2 }, destination);
        connector = new Reconnections(m.Link, first: 2);
        var (report, result) = await Run(m, connector);
        using var received = result.Image;

        Assert.True(report.Completed, report.Error);
        Assert.True(connector.Reconnected.IsCompleted);
        Assert.True(report.Resumes >= 1, $"{report.Resumes} resumes");
        // Verified once; the ready on the new connection repeats it: same digest, same verify time.
        Assert.Equal(1, verified);
        Assert.True(result.Committed, result.Message);
        Assert.Equal(report.Digest, result.Digest.ToString());
        Assert.Equal(result.VerifyTime.TotalMilliseconds, report.Switchover!.DestinationVerifyMs, 6);
        Assert.Equal(Hex.Of(m.Image.ComputeDigest()), Hex.Of(result.Image!.ComputeDigest()));
        AssertPartsAddUp(report.Switchover);
    }

    [Fact]
    public async Task Refusal_made_when_verifying_with_the_connection_cut_reaches_the_source()
    {
        Reconnections? connector = null;
        // The digest matched; the hypervisor fails to load the device state just as the connection is cut.
        var destination = new DestinationOptions
        {
            LoadDeviceState = (_, _) =>
            {
                connector!.Link.SeverAll();
                return Task.FromException(new InvalidOperationException("the hypervisor lost its device model"));
            },
        };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1),
            new SourceOptions { Channels = 2, DeviceState = new byte[] { 1, 2, 3 } }, destination);
        connector = new Reconnections(m.Link, first: 2);
        var (report, result) = await Run(m, connector);

        Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("did not load: the hypervisor lost its device model", report.Error);
        Assert.Equal(RollbackCause.Failed, report.Cause);
        Assert.True(report.Resumes >= 1, $"{report.Resumes} resumes");
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
        Assert.False(result.Committed);
        Assert.Equal(PageStreamError.DeviceStateNotLoaded, result.Error);
        Assert.Equal(VmState.Rejected, result.Ownership.State);
    }

    [Fact]
    public async Task Refusal_decided_before_the_source_comes_back_is_repeated_to_its_resumed_connection()
    {
        Reconnections? connector = null;
        bool corrupted = false;
        // Page 7 goes wrong as it is applied: the digest will not match. The cut comes just before it is compared.
        var destination = new DestinationOptions
        {
            AfterPageApplied = (n, page) => { if (n == 7 && !corrupted) { page[100] ^= 0xFF; corrupted = true; } },
            BeforeVerify = () => connector!.Link.SeverAll(),
        };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), new SourceOptions { Channels = 1 }, destination);
        connector = new Reconnections(m.Link, first: 1)
        {
            // The source comes back only once the destination has refused (the refusal went into the cut).
            BeforeReconnect = async token =>
            {
                while (!m.Destination.IsFinished)
                {
                    token.ThrowIfCancellationRequested();
                    await Task.Yield();
                }
            },
        };
        var (report, result) = await Run(m, connector);

        Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("destination refused the stream", report.Error);
        Assert.Contains("rebuilt image hashes to", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
        Assert.Equal(PageStreamError.DigestMismatch, result.Error);
        Assert.Equal(1, report.Resumes);
    }

    [Fact]
    public async Task Destination_that_never_comes_back_is_given_up_within_the_ready_timeout()
    {
        Reconnections? connector = null;
        DateTimeOffset? cut = null;
        InMemoryMigration? migration = null;
        var destination = new DestinationOptions
        {
            BeforeVerify = () =>
            {
                cut = migration!.Clock.GetUtcNow();
                connector!.Link.SeverAll();
                // The destination host is gone: no connection reaches it again.
                connector.Refuse = true;
            },
        };
        var options = new SourceOptions { Channels = 2, ReadyTimeout = TimeSpan.FromSeconds(5), ResumeBackoff = TimeSpan.FromMilliseconds(500), MaxResumes = 1000 };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), options, destination);
        migration = m;
        connector = new Reconnections(m.Link, first: 2);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receiving = m.Destination.ReceiveAsync(m.Link, guard.Token);
        var migrating = m.Source.MigrateAsync(connector, guard.Token);

        await connector.Reconnected.WaitAsync(guard.Token);
        // The source backs off and waits for ready on its virtual clock: move the clock to each timer it arms until it gives up.
        while (!migrating.IsCompleted)
        {
            guard.Token.ThrowIfCancellationRequested();
            if (m.Clock.NextDue is { } due) m.Clock.AdvanceTo(due);
            await Task.Yield();
        }
        var report = await migrating;

        Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("no ready from the destination within 5 s", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
        // It tried (how often depends on which timers the loop above found armed: the ready timeout may come first).
        Assert.True(report.Resumes >= 1, $"{report.Resumes} resumes");
        Assert.NotNull(cut);
        Assert.InRange(m.Clock.GetUtcNow() - cut.Value, TimeSpan.Zero, options.ReadyTimeout);
        await guard.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiving);
    }

    [Fact]
    public async Task Tcp_loopback_cut_while_the_destination_verifies_is_resumed()
    {
        using var image = new MemoryImage(Memory);
        RealisticContent.Fill(image, 5, ContentProfile.Typical);
        await using var listener = new TcpChannelListener(new IPEndPoint(IPAddress.Loopback, 0));
        await using var relay = new TcpRelay(listener.LocalEndPoint.Port);
        // Every end of stream is in: the relay cuts both connections before the digest is compared.
        var destination = new MigrationDestination(new DestinationOptions { BeforeVerify = relay.CutNow });
        // A bound on a hang, not a synchronisation.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receiving = destination.ReceiveAsync(listener, guard.Token);
        var source = new PreCopySource(image, new XenStreamV2Policy(), new NoWorkload(), TimeProvider.System,
            new SourceOptions { Channels = 2, TransportName = "tcp", ResumeBackoff = TimeSpan.FromMilliseconds(50) });
        var report = await source.MigrateAsync(new TcpChannelConnector(new IPEndPoint(IPAddress.Loopback, relay.Port)), guard.Token);
        var result = await receiving;
        using var received = result.Image;

        Assert.True(relay.Tripped.IsCompleted);
        Assert.True(report.Completed, report.Error);
        Assert.True(report.Resumes >= 1, $"{report.Resumes} resumes");
        Assert.True(relay.Connections >= 3, $"{relay.Connections} connections");
        Assert.True(result.Committed, result.Message);
        Assert.Equal(Hex.Of(image.ComputeDigest()), Hex.Of(received!.ComputeDigest()));
        AssertPartsAddUp(report.Switchover!, toleranceMs: 1);
    }

    /// <summary>The same migration as the cut ones, uncut, for the ready part without a resumption.</summary>
    private static async Task<MigrationReport> Baseline()
    {
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new WebServerWorkload(4, 2_000), new SourceOptions { Channels = 2 });
        var report = await m.RunAsync();
        Assert.True(report.Completed, report.Error);
        return report;
    }

    private static async Task<(MigrationReport, DestinationResult)> Run(InMemoryMigration m, IChannelConnector connector)
    {
        // A bound on a hang, not a synchronisation: a healthy run ends in well under a second.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receiving = m.Destination.ReceiveAsync(m.Link, guard.Token);
        var report = await m.Source.MigrateAsync(connector, guard.Token);
        return (report, await receiving);
    }
}
