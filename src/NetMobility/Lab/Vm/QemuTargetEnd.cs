using System.Net.Sockets;
using NetMobility.Migration;
using NetMobility.Migration.Engine;

namespace NetMobility.Lab.Vm;

/// <summary>
/// The destination half of moving a QEMU guest with the page engine, in the process that runs the engine's destination (the
/// lab, or <c>netmob migrate receive --qemu</c>): the QEMU there waits with <c>-incoming defer</c> and its RAM on a shared file.
/// <see cref="Apply"/> gives the engine's destination its hooks: received pages are written in place into that file (mapped
/// writable), the device state is written into the QEMU's incoming Unix socket once the image digest matched (ready only when
/// QEMU says it loaded it), and commit resumes the guest there (<c>cont</c>).
/// </summary>
public sealed class QemuTargetEnd : IDisposable
{
    private readonly QemuMonitor _qemu;
    private readonly string _ram, _incoming;
    private readonly TimeSpan _timeout;
    private readonly int _mark;

    private QemuTargetEnd(QemuMonitor qemu, string ram, string incoming, TimeSpan timeout, int mark)
    {
        _qemu = qemu;
        _ram = ram;
        _incoming = incoming;
        _timeout = timeout;
        _mark = mark;
    }

    /// <summary>Why <c>cont</c> failed after commit (the guest was handed over but does not run), or null.</summary>
    public Exception? ResumeFailure { get; private set; }

    /// <summary>
    /// Turns <c>x-ignore-shared</c> on and has the QEMU listen for its incoming stream at <paramref name="incomingSocket"/>
    /// (<c>migrate-incoming unix:PATH</c>); checks that <paramref name="ramPath"/> is there and can be written. Failures are one-line <see cref="LabException"/>s.
    /// </summary>
    public static async Task<QemuTargetEnd> OpenAsync(QemuMonitor qemu, string ramPath, string incomingSocket, TimeSpan timeout)
    {
        if (!File.Exists(ramPath)) throw new LabException($"{ramPath}: no such file (the destination QEMU's RAM file, memory-backend-file mem-path)");
        CheckWritable(ramPath);
        UnixSockets.CheckPath(incomingSocket);
        int mark = qemu.Qmp.EventCount;
        await qemu.SetMigrationCapabilitiesAsync(("x-ignore-shared", true)).ConfigureAwait(false);
        await qemu.MigrateIncomingAsync($"unix:{incomingSocket}").ConfigureAwait(false);
        return new QemuTargetEnd(qemu, ramPath, incomingSocket, timeout, mark);
    }

    /// <summary>Pages are written into the RAM file: one this host cannot write is refused before any source comes.</summary>
    private static void CheckWritable(string ramPath)
    {
        try
        {
            using var _ = new FileStream(ramPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LabException($"{ramPath}: cannot be opened for writing (the destination QEMU's RAM file): {ex.Message}");
        }
    }

    /// <summary><paramref name="options"/> with this QEMU's image, device-state load and resume.</summary>
    public DestinationOptions Apply(DestinationOptions options) => options with
    {
        CreateImage = CreateImage,
        LoadDeviceState = LoadDeviceStateAsync,
        ResumeVm = ResumeAsync,
    };

    private MemoryImage CreateImage(long size)
    {
        MemoryImage image;
        try
        {
            image = QemuSourceEnd.MapShared(_ram, writable: true);
        }
        catch (LabException ex)
        {
            throw new ImageRefusedException($"the RAM file {_ram} cannot be mapped for writing: {ex.Message}");
        }
        if (image.MemoryBytes == size) return image;
        image.Dispose();
        throw new ImageRefusedException($"the stream's image is {size} octets but the RAM file {_ram} holds {image.MemoryBytes}");
    }

    /// <summary>Writes the device state into the QEMU's incoming socket and waits until QEMU says it loaded it (it stays paused until <c>cont</c>).</summary>
    private async Task LoadDeviceStateAsync(ReadOnlyMemory<byte> state, CancellationToken cancellationToken)
    {
        using var socket = await UnixSockets.ConnectAsync(_incoming, _qemu.ToString()!, _timeout).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(state, SocketFlags.None, cancellationToken).AsTask().WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            throw new LabException($"{_qemu}: writing the device state into QEMU: {ex.Message}");
        }
        var verdict = await _qemu.Qmp.WaitForEventAsync("MIGRATION", _timeout, e => QemuEvents.Status(e) is "completed" or "failed", _mark, cancellationToken)
            .ConfigureAwait(false);
        if (QemuEvents.Status(verdict) != "completed") throw new LabException($"{_qemu}: QEMU failed to load the device state");
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _qemu.ContAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LabException or OperationCanceledException)
        {
            ResumeFailure = ex;
        }
    }

    public void Dispose() => File.Delete(_incoming);
}
