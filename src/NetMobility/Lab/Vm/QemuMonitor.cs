using System.Text.Json;
using System.Text.Json.Nodes;

namespace NetMobility.Lab.Vm;

/// <summary>
/// One QEMU process as its QMP monitor sees it: run control (stop, cont, status), migration (capabilities, migrate,
/// migrate-incoming, query-migrate, the MIGRATION/STOP/RESUME events) and <c>announce-self</c>. Every command has a time
/// bound; failures are one-line <see cref="LabException"/>s. A <see cref="QemuGuest"/> is one this project started; a
/// monitor from <see cref="ConnectAsync"/> drives a QEMU started by someone else (<c>netmob migrate send --qemu</c>).
/// </summary>
public class QemuMonitor : IAsyncDisposable
{
    /// <summary>Default bound of a single QMP command.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly string _name;
    private int _migrationMark;

    protected QemuMonitor(QmpClient qmp, string name)
    {
        Qmp = qmp;
        _name = name;
    }

    public QmpClient Qmp { get; }

    /// <summary>
    /// Connects to the QMP server at <paramref name="path"/> (QEMU's <c>-qmp unix:PATH,server=on,wait=off</c>, or a second
    /// <c>-mon</c> on such a chardev: QEMU serves several monitors and sends every event to each) and turns migration events on.
    /// </summary>
    public static async Task<QemuMonitor> ConnectAsync(string path, TimeSpan timeout)
    {
        string name = $"QEMU at {path}";
        var qmp = await QmpClient.ConnectAsync(path, name, timeout).ConfigureAwait(false);
        var monitor = new QemuMonitor(qmp, name);
        try
        {
            await monitor.SetMigrationCapabilitiesAsync(("events", true)).ConfigureAwait(false);
            return monitor;
        }
        catch
        {
            await monitor.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task StopAsync() => Qmp.ExecuteAsync("stop", null, CommandTimeout);

    public Task ContAsync() => Qmp.ExecuteAsync("cont", null, CommandTimeout);

    /// <summary>QEMU's run state: running, paused, inmigrate, postmigrate, finish-migrate ...</summary>
    public async Task<string> QueryStatusAsync()
    {
        var answer = await Qmp.ExecuteAsync("query-status", null, CommandTimeout).ConfigureAwait(false);
        return answer.GetProperty("status").GetString() ?? "";
    }

    public Task SetMigrationCapabilitiesAsync(params (string Name, bool On)[] capabilities)
    {
        var list = new JsonArray();
        foreach (var (name, on) in capabilities) list.Add(new JsonObject { ["capability"] = name, ["state"] = on });
        return Qmp.ExecuteAsync("migrate-set-capabilities", new JsonObject { ["capabilities"] = list }, CommandTimeout);
    }

    /// <summary>At a destination started with <c>-incoming defer</c>: listen for the stream at <paramref name="uri"/> ("tcp:127.0.0.1:4444").</summary>
    public Task MigrateIncomingAsync(string uri) => Qmp.ExecuteAsync("migrate-incoming", new JsonObject { ["uri"] = uri }, CommandTimeout);

    /// <summary>At the source: start migrating to <paramref name="uri"/>; <see cref="WaitForMigrationAsync"/> waits for the end.</summary>
    public Task MigrateAsync(string uri)
    {
        MarkMigration();
        return Qmp.ExecuteAsync("migrate", new JsonObject { ["uri"] = uri }, CommandTimeout);
    }

    /// <summary>
    /// From here on <see cref="WaitForMigrationAsync"/> waits for a migration's end: a process that arrived by migration has
    /// seen its incoming migration complete, and only what follows counts (another process may start the migration).
    /// </summary>
    public void MarkMigration() => _migrationMark = Qmp.EventCount;

    /// <summary>Waits for the migration to end (completed, failed or cancelled) and answers query-migrate's figures.</summary>
    public async Task<MigrationStats> WaitForMigrationAsync(TimeSpan timeout)
    {
        await Qmp.WaitForEventAsync("MIGRATION", timeout, e => e.Data.ValueKind == JsonValueKind.Object
            && e.Data.GetProperty("status").GetString() is "completed" or "failed" or "cancelled", _migrationMark).ConfigureAwait(false);
        // QEMU announces "completed" before its migration thread computes total-time and downtime (migration_iteration_finish
        // runs after the state change), and no event marks that: ask again, briefly, until the figures are in.
        var deadline = DateTime.UtcNow + FiguresTimeout;
        while (true)
        {
            var stats = await QueryMigrateAsync().ConfigureAwait(false);
            if (!stats.Completed || stats.TotalTimeMs > 0 || DateTime.UtcNow >= deadline) return stats;
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    /// <summary>How long <see cref="WaitForMigrationAsync"/> waits for QEMU to fill in a completed migration's times.</summary>
    private static readonly TimeSpan FiguresTimeout = TimeSpan.FromSeconds(2);

    public async Task<MigrationStats> QueryMigrateAsync() =>
        MigrationStats.FromQueryMigrate(await Qmp.ExecuteAsync("query-migrate", null, CommandTimeout).ConfigureAwait(false));

    /// <summary>Waits until the guest runs (a RESUME event after the first <paramref name="since"/> events; at a destination, the end of an incoming migration).</summary>
    public Task<QmpEvent> WaitForResumeAsync(TimeSpan timeout, int since = 0) => Qmp.WaitForEventAsync("RESUME", timeout, since: since);

    /// <summary>Has QEMU send gratuitous RARP for the guest's NIC: <paramref name="rounds"/> rounds, the first after <paramref name="initialMs"/>.</summary>
    public Task AnnounceSelfAsync(int initialMs = 50, int maxMs = 550, int rounds = 5, int stepMs = 100) =>
        Qmp.ExecuteAsync("announce-self", new JsonObject { ["initial"] = initialMs, ["max"] = maxMs, ["rounds"] = rounds, ["step"] = stepMs }, CommandTimeout);

    /// <summary>
    /// After a migration that did not commit: makes sure the guest runs here (<c>cont</c> unless it runs already) and has QEMU
    /// announce its NIC (the destination QEMU may have announced the guest's MAC on its own port when it loaded the device state).
    /// </summary>
    public async Task ResumeHereAsync()
    {
        if (await QueryStatusAsync().ConfigureAwait(false) != "running") await ContAsync().ConfigureAwait(false);
        await AnnounceSelfAsync(initialMs: 1, maxMs: 100, rounds: 3, stepMs: 50).ConfigureAwait(false);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Qmp.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    public override string ToString() => _name;
}
