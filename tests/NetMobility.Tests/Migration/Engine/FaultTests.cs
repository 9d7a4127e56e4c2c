using System.IO.Pipelines;
using NetMobility.Migration.Engine;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>Faults on the way: a corrupted octet, a destination that never answers.</summary>
public class FaultTests
{
    private const long Memory = 8L << 20;

    /// <summary>Opens channels on a link, flipping one octet of the first connection's forward stream.</summary>
    private sealed class CorruptingConnector(InMemoryPath link, long offset) : IChannelConnector
    {
        private int _connections;

        public async ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken)
        {
            var channel = await link.ConnectAsync(index, cancellationToken);
            return Interlocked.Increment(ref _connections) == 1 ? new Corrupted(channel, offset) : channel;
        }

        private sealed class Corrupted(IMigrationChannel inner, long offset) : IMigrationChannel
        {
            public PipeReader Input => inner.Input;
            public PipeWriter Output { get; } = new FlippingWriter(inner.Output, offset);
            public string Peer => inner.Peer;
            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        private sealed class FlippingWriter(PipeWriter inner, long offset) : PipeWriter
        {
            private Memory<byte> _last;
            private long _written;

            public override Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);
            public override Span<byte> GetSpan(int sizeHint = 0) => (_last = inner.GetMemory(sizeHint)).Span;

            public override void Advance(int bytes)
            {
                if (offset >= _written && offset < _written + bytes) _last.Span[(int)(offset - _written)] ^= 0x10;
                _written += bytes;
                inner.Advance(bytes);
            }

            public override void CancelPendingFlush() => inner.CancelPendingFlush();
            public override void Complete(Exception? exception = null) => inner.Complete(exception);
            public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The first connection fails for the source after some octets, but its destination end never hears of it
    /// (a half-open TCP connection): the destination's reader just waits.
    /// </summary>
    private sealed class HalfOpenConnector(InMemoryPath link, long failAfter) : IChannelConnector
    {
        private int _connections;

        public async ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken)
        {
            var channel = await link.ConnectAsync(index, cancellationToken);
            return Interlocked.Increment(ref _connections) == 1 ? new HalfOpen(channel, failAfter) : channel;
        }

        private sealed class HalfOpen(IMigrationChannel inner, long failAfter) : IMigrationChannel
        {
            public PipeReader Input => inner.Input;
            public PipeWriter Output { get; } = new FailingWriter(inner.Output, failAfter);
            public string Peer => inner.Peer;

            public ValueTask DisposeAsync()
            {
                // The forward direction is left open: the destination is not told.
                inner.Input.Complete();
                return ValueTask.CompletedTask;
            }
        }

        private sealed class FailingWriter(PipeWriter inner, long failAfter) : PipeWriter
        {
            private long _written;

            public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
            public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
            public override void Advance(int bytes)
            {
                _written += bytes;
                inner.Advance(bytes);
            }
            public override void CancelPendingFlush() => inner.CancelPendingFlush();
            public override void Complete(Exception? exception = null) { }
            public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
                _written > failAfter ? throw new IOException("connection reset") : inner.FlushAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task Resume_supersedes_a_connection_the_destination_has_not_seen_drop()
    {
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new WebServerWorkload(5, 2_000), new SourceOptions { Channels = 2 });
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receiving = m.Destination.ReceiveAsync(m.Link, guard.Token);
        var report = await m.Source.MigrateAsync(new HalfOpenConnector(m.Link, 1 << 20), guard.Token);
        var result = await receiving;

        Assert.True(report.Completed, report.Error);
        Assert.Equal(1, report.Resumes);
        Assert.True(result.Committed, result.Message);
        Assert.Equal(Hex.Of(m.Image.ComputeDigest()), Hex.Of(result.Image!.ComputeDigest()));
        result.Image.Dispose();
    }

    [Fact]
    public async Task Corrupted_octet_is_refused_by_the_destination_and_the_source_keeps_the_vm()
    {
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), new SourceOptions { Channels = 1 });
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receiving = m.Destination.ReceiveAsync(m.Link, guard.Token);
        var report = await m.Source.MigrateAsync(new CorruptingConnector(m.Link, 2 << 20), guard.Token);
        var result = await receiving;

        Assert.Equal(NetMobility.Migration.Reports.MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("bad record checksum", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
        Assert.False(result.Committed);
        Assert.Equal(PageStreamError.BadChecksum, result.Error);
        Assert.Equal(VmState.Rejected, result.Ownership.State);
        Assert.Null(result.Image);
    }

    [Fact]
    public async Task Destination_that_never_answers_ready_is_given_up_and_the_vm_resumes_at_the_source()
    {
        using var release = new ManualResetEventSlim(false);
        var verifying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stalled = new DestinationOptions
        {
            BeforeVerify = () =>
            {
                verifying.TrySetResult();
                release.Wait(TimeSpan.FromSeconds(60));
            },
        };
        var options = new SourceOptions { Channels = 1, ReadyTimeout = TimeSpan.FromSeconds(5) };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), options, stalled);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receiving = m.Destination.ReceiveAsync(m.Link, guard.Token);
        var migrating = m.Source.MigrateAsync(m.Link, guard.Token);

        await verifying.Task.WaitAsync(guard.Token);
        // The source waits for ready on its virtual clock: move the clock to each timer it arms until it gives up.
        while (!migrating.IsCompleted)
        {
            guard.Token.ThrowIfCancellationRequested();
            if (m.Clock.NextDue is { } due) m.Clock.AdvanceTo(due);
            await Task.Yield();
        }
        var report = await migrating;
        release.Set();

        Assert.Equal(NetMobility.Migration.Reports.MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("no ready", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
        await guard.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiving);
    }
}
