using System.Diagnostics;

namespace NetMobility.Lab.Vm;

/// <summary>
/// Moves a running guest from one QEMU process to another started with <see cref="QemuGuestOptions.Incoming"/>, in
/// one of the <see cref="QemuMigrationMode"/>s, over <paramref name="uri"/> (QEMU's migration address, "tcp:127.0.0.1:4444").
/// On success the guest runs at the destination and the source is left in postmigrate. In
/// <see cref="QemuMigrationMode.PageEngine"/> a failure before commit, and in <see cref="QemuMigrationMode.QemuRelay"/> a
/// relay that fails before the destination has loaded the stream, throws <see cref="QemuMigrationRolledBackException"/>
/// with the guest running on at the source and the destination QEMU quit. In <see cref="QemuMigrationMode.QemuRelay"/>
/// <paramref name="uri"/> is where the relay's receiver listens, in the destination QEMU's namespace.
/// </summary>
public static class QemuMigration
{
    public static async Task<QemuMigrationResult> RunAsync(QemuGuest source, QemuGuest destination, QemuMigrationMode mode, string uri, TimeSpan timeout,
        QemuMigrationOptions? options = null)
    {
        // QEMU's own stream features: asked for in the qemu mode, off in every other (a process keeps what a move set).
        var features = mode == QemuMigrationMode.Qemu ? options?.QemuFeatures ?? QemuStreamFeatures.None : QemuStreamFeatures.None;
        await features.ApplyAsync(source).ConfigureAwait(false);
        await features.ApplyAsync(destination).ConfigureAwait(false);
        if (mode == QemuMigrationMode.PageEngine)
            return await QemuPageEngineMigration.RunAsync(source, destination, uri, timeout, options ?? new QemuMigrationOptions()).ConfigureAwait(false);
        if (mode == QemuMigrationMode.QemuRelay)
            return await QemuRelayMigration.RunAsync(source, destination, uri, timeout, options ?? new QemuMigrationOptions()).ConfigureAwait(false);
        // A process that arrived by another mode may have x-ignore-shared on: QEMU's own migration carries the RAM.
        if (mode == QemuMigrationMode.Qemu && source.Options.SharedMemoryPath is not null)
            await source.SetMigrationCapabilitiesAsync(("x-ignore-shared", false)).ConfigureAwait(false);
        int sourceMark = source.Qmp.EventCount, destinationMark = destination.Qmp.EventCount;
        var started = Stopwatch.GetTimestamp();
        TimeSpan copy = TimeSpan.Zero;
        long copied = 0;
        switch (mode)
        {
            case QemuMigrationMode.Qemu:
                await destination.MigrateIncomingAsync(uri).ConfigureAwait(false);
                await source.MigrateAsync(uri).ConfigureAwait(false);
                break;
            case QemuMigrationMode.SharedFileCopy:
                string from = source.Options.SharedMemoryPath ?? throw new LabException($"{source}: {mode} needs the guest's RAM on a shared file");
                string to = destination.Options.SharedMemoryPath ?? throw new LabException($"{destination}: {mode} needs the guest's RAM on a shared file");
                await source.SetMigrationCapabilitiesAsync(("x-ignore-shared", true)).ConfigureAwait(false);
                await destination.SetMigrationCapabilitiesAsync(("x-ignore-shared", true)).ConfigureAwait(false);
                await destination.MigrateIncomingAsync(uri).ConfigureAwait(false);
                await source.StopAsync().ConfigureAwait(false);
                var copyStarted = Stopwatch.GetTimestamp();
                copied = CopyInPlace(from, to);
                copy = Stopwatch.GetElapsedTime(copyStarted);
                await source.MigrateAsync(uri).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "no such migration mode");
        }
        var stats = await source.WaitForMigrationAsync(timeout).ConfigureAwait(false);
        if (!stats.Completed) throw new LabException($"{source} -> {destination.Options.Name}: migration {stats.Status}: {stats.Error}");
        if (mode == QemuMigrationMode.SharedFileCopy)
        {
            // The source was paused when the stream began, so the destination stays paused until told.
            await destination.Qmp.WaitForEventAsync("MIGRATION", timeout, e => e.Data.GetProperty("status").GetString() == "completed", destinationMark).ConfigureAwait(false);
            await destination.ContAsync().ConfigureAwait(false);
        }
        var (paused, total) = await ResumedAsync(source, destination, sourceMark, destinationMark, started, timeout).ConfigureAwait(false);
        return new QemuMigrationResult(mode, stats, paused, total, copy, copied);
    }

    /// <summary>
    /// Waits for the guest to run at the destination; answers its pause (the source's STOP to the destination's RESUME,
    /// QEMU's timestamps) and the wall time since <paramref name="started"/>.
    /// </summary>
    internal static async Task<(TimeSpan Paused, TimeSpan Total)> ResumedAsync(QemuGuest source, QemuGuest destination, int sourceMark, int destinationMark,
        long started, TimeSpan timeout)
    {
        var resumed = await destination.WaitForResumeAsync(timeout, destinationMark).ConfigureAwait(false);
        var total = Stopwatch.GetElapsedTime(started);
        var stop = source.Qmp.Events.Skip(sourceMark).FirstOrDefault(e => e.Name == "STOP")
            ?? throw new LabException($"{source}: no STOP event during the migration");
        return (resumed.Timestamp - stop.Timestamp, total);
    }

    /// <summary>Copies <paramref name="from"/> over <paramref name="to"/> without truncating it: the destination QEMU has it mapped.</summary>
    private static long CopyInPlace(string from, string to)
    {
        using var input = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        using var output = new FileStream(to, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 20);
        if (output.Length != input.Length) throw new LabException($"{to} is {output.Length} bytes, {from} {input.Length}: not the same guest RAM");
        input.CopyTo(output, 1 << 20);
        return input.Length;
    }
}
