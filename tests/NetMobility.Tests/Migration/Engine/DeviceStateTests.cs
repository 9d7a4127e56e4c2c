using System.IO.Pipelines;
using NetMobility.Migration.Engine;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Workloads;
using NetMobility.Tests.Migration.PageStream;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>
/// A device state larger than one record (a hypervisor's, a few hundred KB) in the page stream: taken at the source with
/// the VM paused, sent in chunks, loaded at the destination before ready, sent again whole after a cut, refused when over
/// the destination's bound or when it does not load. In memory, in virtual time.
/// </summary>
public class DeviceStateTests
{
    private const long Memory = 8L << 20;

    private static byte[] State(int length)
    {
        var state = new byte[length];
        new Random(7).NextBytes(state);
        return state;
    }

    [Fact]
    public async Task A_300_KB_device_state_arrives_byte_exact()
    {
        var state = State(300_000);
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), new SourceOptions { DeviceState = state });
        var report = await m.RunAsync();

        Assert.True(report.Completed, report.Error);
        var result = Assert.IsType<DestinationResult>(m.Result);
        Assert.True(result.Committed, result.Message);
        Assert.Equal(state, result.DeviceState);
        Assert.Equal(state.Length, report.DeviceStateBytes);
    }

    [Fact]
    public async Task The_device_state_is_taken_with_the_vm_paused_and_loaded_before_ready_each_in_its_part_of_the_downtime()
    {
        var state = State(300_000);
        byte[]? loaded = null;
        VmState atCapture = VmState.Running, atLoad = VmState.Running;
        int captures = 0;
        InMemoryMigration? run = null;
        var source = new SourceOptions
        {
            CaptureDeviceState = _ =>
            {
                captures++;
                atCapture = run!.Source.Ownership.State;
                // The hypervisor takes 5 ms (virtual) to write its state.
                run.Clock.Advance(TimeSpan.FromMilliseconds(5));
                return Task.FromResult<ReadOnlyMemory<byte>>(state);
            },
        };
        var destination = new DestinationOptions
        {
            LoadDeviceState = (received, _) =>
            {
                loaded = received.ToArray();
                atLoad = run!.Source.Ownership.State;
                run.Clock.Advance(TimeSpan.FromMilliseconds(3));
                return Task.CompletedTask;
            },
        };
        await using var m = run = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), source, destination);
        var report = await m.RunAsync();

        Assert.True(report.Completed, report.Error);
        Assert.Equal(1, captures);
        Assert.Equal(VmState.Paused, atCapture);
        // Loaded before ready: the source still held the paused VM.
        Assert.Equal(VmState.Paused, atLoad);
        Assert.Equal(state, loaded);
        Assert.Equal(state, m.Result!.DeviceState);
        var s = Assert.IsType<SwitchoverReport>(report.Switchover);
        Assert.Equal(report.DowntimeMs, s.PauseMs + s.DirtyScanMs + s.DirtyLogSyncMs + s.LastPagesMs + s.DeviceStateMs + s.DestinationVerifyMs + s.ReadyMs + s.CommitMs + s.ResumeMs, 9);
        // Taking it starts with the pause and runs beside the last scan and pages (this capture advances the clock at once,
        // so its 5 ms land in the scan); sending its ~300 KB on a 1 Gbit/s link is the device-state part; loading it the
        // destination's verify time.
        Assert.InRange(s.DirtyScanMs, 5, 5 + 1);
        Assert.InRange(s.DeviceStateMs, 2.3, 4);
        Assert.Equal(3, s.DestinationVerifyMs, 6);
    }

    [Fact]
    public async Task A_cut_while_the_device_state_goes_resumes_and_it_arrives_exact()
    {
        var state = State(300_000);
        var connector = default(CuttableConnector);
        int captures = 0;
        var source = new SourceOptions
        {
            Channels = 2,
            CaptureDeviceState = _ =>
            {
                captures++;
                // The main channel's connection breaks after two of the device state's five chunks.
                connector!.CutMainAfter(100_000);
                return Task.FromResult<ReadOnlyMemory<byte>>(state);
            },
        };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new WebServerWorkload(5, 2_000), source);
        connector = new CuttableConnector(m.Link);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receiving = m.Destination.ReceiveAsync(m.Link, guard.Token);
        var report = await m.Source.MigrateAsync(connector, guard.Token);
        var result = await receiving;

        Assert.True(report.Completed, report.Error);
        Assert.Equal(1, report.Resumes);
        Assert.Equal(1, captures);
        Assert.True(result.Committed, result.Message);
        Assert.Equal(state, result.DeviceState);
        Assert.Equal(Hex.Of(m.Image.ComputeDigest()), Hex.Of(result.Image!.ComputeDigest()));
        // The stop-and-copy ran once more after the resume, before the device state went again.
        Assert.True(report.Rounds.Count(r => r.StopAndCopy) >= 2, $"{report.Rounds.Count(r => r.StopAndCopy)} stop-and-copy rounds");
        result.Image.Dispose();
    }

    [Fact]
    public async Task A_device_state_over_the_destinations_bound_is_refused_and_the_vm_stays()
    {
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1),
            new SourceOptions { DeviceState = State(300_000) }, new DestinationOptions { MaxDeviceStateBytes = 200_000 });
        var report = await m.RunAsync();

        Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("device state larger than the destination takes", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
        var result = Assert.IsType<DestinationResult>(m.Result);
        Assert.Equal(PageStreamError.DeviceStateOversize, result.Error);
    }

    [Fact]
    public async Task A_device_state_that_does_not_load_is_an_error_record_and_the_vm_stays()
    {
        var destination = new DestinationOptions { LoadDeviceState = (_, _) => throw new InvalidOperationException("the hypervisor's socket is gone") };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), new SourceOptions { DeviceState = State(100_000) }, destination);
        var report = await m.RunAsync();

        Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("device state not loaded", report.Error);
        Assert.Contains("the hypervisor's socket is gone", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
        var result = Assert.IsType<DestinationResult>(m.Result);
        Assert.Equal(PageStreamError.DeviceStateNotLoaded, result.Error);
        Assert.Equal(VmState.Rejected, result.Ownership.State);
    }

    [Fact]
    public async Task A_device_state_that_cannot_be_taken_rolls_back()
    {
        var source = new SourceOptions { CaptureDeviceState = _ => throw new InvalidOperationException("QEMU said failed") };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), source);
        var report = await m.RunAsync();

        Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
        Assert.Contains("taking the device state failed: QEMU said failed", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
    }

    [Fact]
    public async Task A_device_state_begun_before_a_resume_and_not_sent_again_is_a_gap_at_end_of_stream()
    {
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = 1e9, VirtualTime = false }, TimeProvider.System);
        var destination = new MigrationDestination();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receiving = destination.ReceiveAsync(link, guard.Token);

        // First connection: half of a 10-octet device state, then the connection is gone.
        var first = await link.ConnectAsync(0, guard.Token);
        await first.Output.WriteAsync(StreamFixtures.Concat(StreamFixtures.Header(), StreamFixtures.DeviceState(0, 10, [1, 2, 3, 4, 5])), guard.Token);
        await ReadAckAsync(first, guard.Token);
        await first.DisposeAsync();
        // The resumed connection ends the stream without sending the device state again.
        var second = await link.ConnectAsync(0, guard.Token);
        await second.Output.WriteAsync(StreamFixtures.Concat(StreamFixtures.Header(resume: true),
            StreamFixtures.End(0, ImageDigest.Read(new byte[ImageDigest.Length]))), guard.Token);
        var result = await receiving;

        Assert.False(result.Committed);
        Assert.Equal(PageStreamError.DeviceStateGap, result.Error);
        Assert.Contains("the device state stops at 5 of its 10 octets", result.Message);
        await second.DisposeAsync();
    }

    /// <summary>Waits for the destination's first answer on <paramref name="channel"/> (its ack of the stream header).</summary>
    private static async Task ReadAckAsync(IMigrationChannel channel, CancellationToken cancellationToken)
    {
        var read = await channel.Input.ReadAtLeastAsync(RecordFrame.HeaderLength + Ack.Length, cancellationToken);
        Assert.Equal((byte)RecordType.Ack, read.Buffer.FirstSpan[0]);
        channel.Input.AdvanceTo(read.Buffer.End);
    }

    /// <summary>Opens channels on a link; the main channel's current connection can be told to fail after some more octets.</summary>
    private sealed class CuttableConnector(InMemoryPath link) : IChannelConnector
    {
        private Cuttable? _main;

        public async ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken)
        {
            var channel = await link.ConnectAsync(index, cancellationToken);
            if (index != 0) return channel;
            var main = new Cuttable(channel);
            Volatile.Write(ref _main, main);
            return main;
        }

        public void CutMainAfter(long bytes) => Volatile.Read(ref _main)!.Writer.FailAfter(bytes);

        private sealed class Cuttable(IMigrationChannel inner) : IMigrationChannel
        {
            public FailingWriter Writer { get; } = new(inner.Output);
            public PipeReader Input => inner.Input;
            public PipeWriter Output => Writer;
            public string Peer => inner.Peer;
            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        public sealed class FailingWriter(PipeWriter inner) : PipeWriter
        {
            private long _written, _limit = long.MaxValue;

            public void FailAfter(long bytes) => _limit = _written + bytes;
            public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
            public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
            public override void Advance(int bytes)
            {
                _written += bytes;
                inner.Advance(bytes);
            }
            public override void CancelPendingFlush() => inner.CancelPendingFlush();
            public override void Complete(Exception? exception = null) => inner.Complete(exception);
            public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
                _written > _limit ? throw new IOException("connection reset") : inner.FlushAsync(cancellationToken);
        }
    }
}
