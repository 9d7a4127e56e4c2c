using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NetMobility.Lab.Vm;

/// <summary>
/// One qemu-system-x86_64 process running a <see cref="GuestImage"/>: its virtio-net on a TAP device (no scripts),
/// its serial console on the process's output and in a log file, and a <see cref="QmpClient"/> on its QMP socket.
/// Every QMP step has a time bound; failures are one-line <see cref="LabException"/>s. Disposing quits or kills QEMU.
/// </summary>
public sealed class QemuGuest : IAsyncDisposable
{
    /// <summary>Default bound of a single QMP command.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly LabProcess _process;
    private int _migrationMark;

    private QemuGuest(QemuGuestOptions options, LabProcess process, QmpClient qmp, string socketPath)
    {
        Options = options;
        _process = process;
        Qmp = qmp;
        QmpSocket = socketPath;
    }

    public QemuGuestOptions Options { get; }

    public QmpClient Qmp { get; }

    public string QmpSocket { get; }

    /// <summary>The serial console's log file.</summary>
    public string SerialLog => Path.Combine(Options.WorkDirectory, Options.Name + ".serial.log");

    /// <summary>What the guest printed on its console so far (and anything QEMU printed).</summary>
    public string Console => _process.Output;

    public int ProcessId => _process.Id;

    /// <summary>The QEMU command line <paramref name="options"/> give, without the program name.</summary>
    public static List<string> Arguments(QemuGuestOptions options, string socketPath, string serialLog)
    {
        int memory = options.MemoryMb ?? options.Image.MemoryMb;
        string append = $"console=ttyS0 panic=-1 ip={options.Address}::{options.Gateway}:{options.Netmask}:{options.Name}:eth0:off";
        List<string> args =
        [
            "-name", options.Name, "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none",
            "-accel", options.Accelerator, "-m", memory.ToString(CultureInfo.InvariantCulture),
            "-kernel", options.Image.Kernel, "-initrd", options.Image.Initramfs, "-append", append,
            "-chardev", $"stdio,id=serial0,signal=off,logfile={serialLog}", "-serial", "chardev:serial0",
            .. QmpClient.ClientArguments(socketPath),
            "-netdev", $"tap,id=net0,ifname={options.Tap},script=no,downscript=no",
            // No option ROM: the guest boots its kernel directly, and the ROM's package is not needed.
            "-device", $"virtio-net-pci,netdev=net0,mac={options.Mac},romfile=",
        ];
        if (options.SharedMemoryPath is { } shared)
        {
            args.AddRange(["-object", $"memory-backend-file,id=ram0,size={memory}M,mem-path={shared},share=on", "-machine", "memory-backend=ram0"]);
        }
        if (options.Incoming) args.AddRange(["-incoming", "defer"]);
        return args;
    }

    /// <summary>Starts QEMU and connects to its QMP socket (with migration events on); a failure leaves no process behind.</summary>
    public static async Task<QemuGuest> StartAsync(QemuGuestOptions options, TimeSpan timeout)
    {
        Directory.CreateDirectory(options.WorkDirectory);
        string socketPath = Path.Combine(options.WorkDirectory, options.Name + ".qmp");
        var listener = QmpClient.Listen(socketPath);
        string serialLog = Path.Combine(options.WorkDirectory, options.Name + ".serial.log");
        var args = Arguments(options, socketPath, serialLog);
        LabProcess process;
        try
        {
            process = options.Namespace is { } space
                ? space.Start([options.Program, .. args])
                : new LabProcess(CommandRunner.Describe(options.Program, args), CommandRunner.Start(options.Program, args));
        }
        catch
        {
            listener.Dispose();
            File.Delete(socketPath);
            throw;
        }
        try
        {
            var qmp = await QmpClient.AcceptAsync(listener, socketPath, options.Name, timeout, process.WhenExited).ConfigureAwait(false);
            var guest = new QemuGuest(options, process, qmp, socketPath);
            await guest.SetMigrationCapabilitiesAsync(("events", true)).ConfigureAwait(false);
            return guest;
        }
        catch (LabException e)
        {
            process.Dispose();
            string said = process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(l => l.Contains("qemu", StringComparison.OrdinalIgnoreCase)) ?? "";
            throw new LabException(said.Length > 0 ? $"{e.Message}: {said}" : e.Message);
        }
    }

    /// <summary>Waits until the guest's init reports its services running.</summary>
    public Task WaitForBootAsync(TimeSpan timeout) => _process.WaitForOutputAsync(GuestInit.ReadyLine, timeout);

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

    /// <summary>At a destination started with <see cref="QemuGuestOptions.Incoming"/>: listen for the stream at <paramref name="uri"/> ("tcp:127.0.0.1:4444").</summary>
    public Task MigrateIncomingAsync(string uri) => Qmp.ExecuteAsync("migrate-incoming", new JsonObject { ["uri"] = uri }, CommandTimeout);

    /// <summary>At the source: start migrating to <paramref name="uri"/>; <see cref="WaitForMigrationAsync"/> waits for the end.</summary>
    public Task MigrateAsync(string uri)
    {
        // A process that arrived by migration has seen its incoming migration complete: only what follows counts.
        _migrationMark = Qmp.EventCount;
        return Qmp.ExecuteAsync("migrate", new JsonObject { ["uri"] = uri }, CommandTimeout);
    }

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

    /// <summary>Asks QEMU to quit and waits for the process to exit.</summary>
    public async Task QuitAsync(TimeSpan timeout)
    {
        try
        {
            await Qmp.ExecuteAsync("quit", null, CommandTimeout).ConfigureAwait(false);
        }
        catch (LabException)
        {
            // QEMU may close the socket before its answer is read; the exit below is what counts.
        }
        await _process.WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await Qmp.DisposeAsync().ConfigureAwait(false);
        _process.Dispose();
        File.Delete(QmpSocket);
    }

    public override string ToString() => $"QEMU guest {Options.Name} (pid {ProcessId})";
}
