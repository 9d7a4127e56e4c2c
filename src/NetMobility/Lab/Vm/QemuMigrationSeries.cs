namespace NetMobility.Lab.Vm;

/// <summary>
/// Boots one guest on a <see cref="GuestBridge"/> and migrates it again and again, each time to a fresh QEMU process
/// started as the destination (the one it left is stopped): the same guest, back and forth between processes, every
/// migration measured. With several modes they take turns (qemu, shared-file, engine, qemu, ...), so that the machine's
/// load falls on each alike; with several write rates the guest's memory writer is set to each in turn and every mode
/// runs <c>runs</c> times at it. When a mode needs it, each process's RAM is a file in /dev/shm, deleted when the
/// process is done with.
/// </summary>
public static class QemuMigrationSeries
{
    public const string MigrationUri = "tcp:127.0.0.1:4444";

    /// <summary>One mode, the guest idle.</summary>
    public static async Task<IReadOnlyList<QemuMigrationResult>> RunAsync(
        GuestImage image, QemuMigrationMode mode, int runs, TimeSpan bootTimeout, Action<int, QemuMigrationResult>? onResult = null)
    {
        var entries = await RunAsync(image, [mode], [0], runs, bootTimeout, null, onResult is null ? null : e => onResult(e.Run, e.Result)).ConfigureAwait(false);
        return entries.Select(e => e.Result).ToList();
    }

    public static async Task<IReadOnlyList<QemuSeriesEntry>> RunAsync(GuestImage image, IReadOnlyList<QemuMigrationMode> modes,
        IReadOnlyList<int> writeRates, int runs, TimeSpan bootTimeout, QemuMigrationOptions? options = null, Action<QemuSeriesEntry>? onResult = null)
    {
        if (runs < 1) throw new LabException($"runs {runs}: give at least 1");
        if (modes.Count == 0 || writeRates.Count == 0) throw new LabException("give at least one mode and one write rate");
        await using var bridge = GuestBridge.Create(image);
        bool shared = modes.Any(m => m.NeedsSharedMemory());
        int started = 0;
        string? Ram(int index) => shared ? $"/dev/shm/{bridge.Namespace.Name}-{index}" : null;
        var results = new List<QemuSeriesEntry>();
        var source = await bridge.StartGuestAsync("vm0", sharedMemoryPath: Ram(0)).ConfigureAwait(false);
        try
        {
            await source.WaitForBootAsync(bootTimeout).ConfigureAwait(false);
            if (options?.WanBitsPerSecond is double wan) bridge.ShapeLoopback(wan);
            foreach (int rate in writeRates)
            {
                bridge.SetGuestWriteRate(rate, bootTimeout);
                for (int run = 1; run <= runs; run++)
                    foreach (var mode in modes)
                    {
                        var destination = await bridge.StartGuestAsync($"vm{++started}", incoming: true, sharedMemoryPath: Ram(started)).ConfigureAwait(false);
                        var result = await QemuMigration.RunAsync(source, destination, mode, MigrationUri, bootTimeout, options).ConfigureAwait(false);
                        var entry = new QemuSeriesEntry(rate, run, result);
                        results.Add(entry);
                        onResult?.Invoke(entry);
                        await bridge.RetireAsync(source).ConfigureAwait(false);
                        if (source.Options.SharedMemoryPath is { } used) File.Delete(used);
                        source = destination;
                    }
            }
        }
        finally
        {
            for (int i = 0; i <= started; i++)
                if (Ram(i) is { } path) File.Delete(path);
        }
        return results;
    }
}

/// <summary>One migration of a series: the guest's write rate (MiB/s), the run number (1-based, per mode and rate), and what it measured.</summary>
public sealed record QemuSeriesEntry(int WriteMibPerSecond, int Run, QemuMigrationResult Result);
