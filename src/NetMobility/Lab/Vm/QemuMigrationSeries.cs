namespace NetMobility.Lab.Vm;

/// <summary>
/// Boots one guest on a <see cref="GuestBridge"/> and migrates it <c>runs</c> times, each time to a fresh QEMU process
/// started as the destination (the one it left is stopped): the same guest, back and forth between processes, every
/// migration measured. With <see cref="QemuMigrationMode.SharedFileCopy"/> each process's RAM is a file in /dev/shm,
/// deleted when the process is done with.
/// </summary>
public static class QemuMigrationSeries
{
    public const string MigrationUri = "tcp:127.0.0.1:4444";

    public static async Task<IReadOnlyList<QemuMigrationResult>> RunAsync(
        GuestImage image, QemuMigrationMode mode, int runs, TimeSpan bootTimeout, Action<int, QemuMigrationResult>? onResult = null)
    {
        if (runs < 1) throw new LabException($"runs {runs}: give at least 1");
        await using var bridge = GuestBridge.Create(image);
        string? Ram(int index) => mode == QemuMigrationMode.SharedFileCopy ? $"/dev/shm/{bridge.Namespace.Name}-{index}" : null;
        var results = new List<QemuMigrationResult>(runs);
        var source = await bridge.StartGuestAsync("vm0", sharedMemoryPath: Ram(0)).ConfigureAwait(false);
        try
        {
            await source.WaitForBootAsync(bootTimeout).ConfigureAwait(false);
            for (int i = 1; i <= runs; i++)
            {
                var destination = await bridge.StartGuestAsync($"vm{i}", incoming: true, sharedMemoryPath: Ram(i)).ConfigureAwait(false);
                var result = await QemuMigration.RunAsync(source, destination, mode, MigrationUri, bootTimeout).ConfigureAwait(false);
                results.Add(result);
                onResult?.Invoke(i, result);
                await bridge.RetireAsync(source).ConfigureAwait(false);
                if (source.Options.SharedMemoryPath is { } used) File.Delete(used);
                source = destination;
            }
        }
        finally
        {
            for (int i = 0; i <= runs; i++)
                if (Ram(i) is { } path) File.Delete(path);
        }
        return results;
    }
}
