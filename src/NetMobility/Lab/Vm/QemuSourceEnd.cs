using System.Buffers;
using System.Net.Sockets;
using NetMobility.Migration;
using NetMobility.Migration.Engine;

namespace NetMobility.Lab.Vm;

/// <summary>
/// The source half of moving a QEMU guest with the page engine, in the process that runs the engine's source (the lab, or
/// <c>netmob migrate send --qemu</c>): the guest's RAM file mapped read-only (<see cref="Image"/>: no copy), QMP <c>stop</c> and
/// <c>cont</c> as the engine's pause and rollback (<see cref="Control"/>), and QEMU's device state taken with the guest
/// paused (<see cref="CaptureDeviceStateAsync"/>): with <c>x-ignore-shared</c> on, QEMU migrates to a Unix socket this end
/// listens on, and what it wrote (a few hundred KB: no RAM) is the page stream's device state.
/// </summary>
public sealed class QemuSourceEnd : IDisposable
{
    private readonly QemuMonitor _qemu;
    private readonly Socket _intake;
    private readonly string _outgoing;
    private readonly TimeSpan _timeout;

    private QemuSourceEnd(QemuMonitor qemu, MemoryImage image, Socket intake, string outgoing, TimeSpan timeout)
    {
        _qemu = qemu;
        Image = image;
        _intake = intake;
        _outgoing = outgoing;
        _timeout = timeout;
        Control = new QemuWorkloadControl(qemu);
    }

    /// <summary>The guest's RAM, as the guest writes it.</summary>
    public MemoryImage Image { get; }

    /// <summary>The engine's pause (<c>stop</c>, answered once the vCPUs stopped) and resume (<c>cont</c>).</summary>
    public IWorkloadControl Control { get; }

    /// <summary>Runs with the source paused just before QEMU writes its device state (a test kills the destination QEMU here).</summary>
    public Action? BeforeDeviceState { get; set; }

    /// <summary>The most a QEMU device state may hold here: the destination engine's own bound.</summary>
    private const long MaxDeviceState = NetMobility.Migration.PageStream.ForwardStreamHandler.DefaultMaxDeviceStateLength;

    /// <summary>
    /// Maps <paramref name="ramPath"/> (the file behind QEMU's <c>memory-backend-file,share=on</c>), turns <c>x-ignore-shared</c>
    /// on and listens at <paramref name="outgoingSocket"/> for QEMU's device state. Failures are one-line <see cref="LabException"/>s.
    /// </summary>
    public static async Task<QemuSourceEnd> OpenAsync(QemuMonitor qemu, string ramPath, string outgoingSocket, TimeSpan timeout)
    {
        var image = MapShared(ramPath, writable: false);
        try
        {
            await qemu.SetMigrationCapabilitiesAsync(("x-ignore-shared", true)).ConfigureAwait(false);
            var intake = UnixSockets.Listen(outgoingSocket);
            return new QemuSourceEnd(qemu, image, intake, outgoingSocket, timeout);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>The guest's RAM file mapped as an image; a file that is not one is a <see cref="LabException"/> naming it.</summary>
    internal static MemoryImage MapShared(string path, bool writable)
    {
        try
        {
            return MemoryImage.MapShared(path, writable);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new LabException(ex.Message);
        }
    }

    /// <summary>
    /// With the guest paused and its RAM sent: QEMU migrates (only its device state) to this end's Unix socket; answers every
    /// octet it wrote once it says the migration completed. QEMU failing to write it is a <see cref="LabException"/>.
    /// </summary>
    public async Task<ReadOnlyMemory<byte>> CaptureDeviceStateAsync(CancellationToken cancellationToken)
    {
        BeforeDeviceState?.Invoke();
        int events = _qemu.Qmp.EventCount;
        using var settled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finished = _qemu.Qmp.WaitForEventAsync("MIGRATION", _timeout, e => QemuEvents.Status(e) is "completed" or "failed" or "cancelled", events, settled.Token);
        var reading = ReadStreamAsync(settled.Token);
        try
        {
            await _qemu.MigrateAsync($"unix:{_outgoing}").ConfigureAwait(false);
            // QEMU closes its end once it has written the stream, and says how its migration ended: both are awaited.
            var first = await Task.WhenAny(reading, finished).ConfigureAwait(false);
            if (first == finished && QemuEvents.Status(await finished.ConfigureAwait(false)) != "completed") await ThrowNotMovedAsync().ConfigureAwait(false);
            var state = await reading.ConfigureAwait(false);
            if (QemuEvents.Status(await finished.ConfigureAwait(false)) != "completed") await ThrowNotMovedAsync().ConfigureAwait(false);
            return state;
        }
        finally
        {
            // The wait that lost is called off and observed, so that it does not end later as an unobserved failure.
            await settled.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(reading, finished).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private async Task ThrowNotMovedAsync()
    {
        var stats = await _qemu.QueryMigrateAsync().ConfigureAwait(false);
        throw new LabException($"{_qemu}: QEMU's device state did not come out: {stats.Status}: {stats.Error}");
    }

    /// <summary>Takes QEMU's connection on the Unix socket and reads its stream to the end (bounded in size and time).</summary>
    private async Task<ReadOnlyMemory<byte>> ReadStreamAsync(CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(_timeout);
        try
        {
            using var qemu = await _intake.AcceptAsync(bound.Token).ConfigureAwait(false);
            var state = new ArrayBufferWriter<byte>(256 << 10);
            while (true)
            {
                int read = await qemu.ReceiveAsync(state.GetMemory(64 << 10), SocketFlags.None, bound.Token).ConfigureAwait(false);
                if (read == 0) return state.WrittenMemory;
                state.Advance(read);
                if (state.WrittenCount > MaxDeviceState) throw new LabException($"{_qemu}: QEMU's device state is larger than {MaxDeviceState >> 20} MiB");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new LabException($"{_qemu}: QEMU's device state did not come out within {_timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            throw new LabException($"{_qemu}: reading QEMU's device state: {ex.Message}");
        }
    }

    public void Dispose()
    {
        _intake.Dispose();
        File.Delete(_outgoing);
        Image.Dispose();
    }
}
