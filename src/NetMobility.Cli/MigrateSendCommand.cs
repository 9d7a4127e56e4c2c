using System.CommandLine;
using System.Globalization;
using NetMobility.Lab;
using NetMobility.Lab.Vm;
using NetMobility.Migration;
using NetMobility.Migration.Content;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Bench;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Workloads;
using NetMobility.Runtime;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob migrate send</c>: the source host of a migration between two machines. Migrates a memory image (a file, or
/// a synthetic image with a workload running on it in real time, or a running QEMU guest whose RAM is on a shared file) to
/// a <c>migrate receive</c> over TCP or mutual TLS, with progress on stderr and the report on stdout. With <c>--qemu</c> the
/// guest is driven over QMP: its RAM file is read in place, dirty pages are found by comparison, QMP <c>stop</c> pauses it for
/// the last round, QEMU's device state (<c>x-ignore-shared</c>: no RAM) goes in the page stream, and a failure resumes it here. Exit 0: the destination runs the VM. Exit 1: the migration
/// failed on the way and the VM resumed here. Exit 2: it could not start (bad option, port refused or unreachable,
/// certificate refused, a peer that does not speak the page stream); the VM never left. Exit 130: interrupted
/// (SIGINT, Ctrl-C) before the VM left: the destination was told (an abort record) and the VM resumed here.
/// </summary>
internal static class MigrateSendCommand
{
    public const int RolledBack = 1;
    /// <summary>128 + SIGINT, as shells report a command ended by Ctrl-C.</summary>
    public const int Interrupted = 130;

    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "the destination's HOST:PORT (netmob migrate receive)", Required = true };
        var image = new Option<string?>("--image") { Description = "a raw memory image file to migrate (no workload unless --workload)" };
        var qemu = new Option<string?>("--qemu") { Description = "a running QEMU guest to migrate: its QMP socket (-qmp unix:PATH,server=on,wait=off)" };
        var ram = new Option<string?>("--ram") { Description = "with --qemu: the guest's RAM file (memory-backend-file,share=on mem-path)" };
        var qemuSocket = new Option<string?>("--qemu-socket") { Description = "with --qemu: the Unix socket QEMU writes its device state to (default: one in the temporary folder)" };
        var memory = new Option<string?>("--memory") { Description = "a synthetic image of this size (64M, 1G) with a workload running on it" };
        var workload = new Option<string?>("--workload") { Description = "idle, web, uniform or scan (web with --memory)" };
        var policy = new Option<string>("--policy") { Description = "xen-legacy, xen-v2, qemu, qemu-ac or adaptive", DefaultValueFactory = _ => "adaptive" };
        var channels = new Option<int>("--channels") { Description = "parallel connections", DefaultValueFactory = _ => 2 };
        var link = new Option<string>("--link") { Description = "the link's speed in bit/s as the encoder is told (100M, 1G, 10G)", DefaultValueFactory = _ => "1G" };
        var connectTimeout = new Option<double>("--connect-timeout") { Description = "seconds to connect and shake hands before the destination counts as unreachable", DefaultValueFactory = _ => 10 };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for the destination's answers (stream header, ready) before the VM resumes here", DefaultValueFactory = _ => 60 };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var noWarmUp = new Option<bool>("--no-warm-up") { Description = "skip the short in-process migration of a small image that compiles the engine's code before the VM is touched" };
        var tls = new TlsArguments();
        var send = new Command("send", "migrate a VM's memory to a destination running netmob migrate receive");
        foreach (var o in new Option[] { to, image, memory, qemu, ram, qemuSocket, workload, policy, channels, link, connectTimeout, timeout, noWarmUp, json }) send.Options.Add(o);
        tls.AddTo(send);
        send.SetAction(pr => Run(new Arguments(pr.GetValue(to)!, pr.GetValue(image), pr.GetValue(memory), pr.GetValue(workload), pr.GetValue(policy)!,
            pr.GetValue(channels), pr.GetValue(link)!, pr.GetValue(connectTimeout), pr.GetValue(timeout), pr.GetValue(json), tls.Load(pr))
        {
            Qemu = pr.GetValue(qemu), Ram = pr.GetValue(ram), QemuSocket = pr.GetValue(qemuSocket), NoWarmUp = pr.GetValue(noWarmUp),
        }));
        return send;
    }

    private sealed record Arguments(string To, string? Image, string? Memory, string? Workload, string Policy, int Channels, string Link,
        double ConnectTimeout, double Timeout, bool Json, TlsOptions? Tls)
    {
        public string? Qemu { get; init; }
        public string? Ram { get; init; }
        public string? QemuSocket { get; init; }
        public bool NoWarmUp { get; init; }
    }

    private static int Run(Arguments a)
    {
        // --ram without --qemu first: "give exactly one of" would not name the option given by mistake.
        if (a.Qemu is null && (a.Ram ?? a.QemuSocket) is not null) throw new UserInputException($"{(a.Ram is not null ? "--ram" : "--qemu-socket")} goes with --qemu");
        if ((a.Image is null ? 0 : 1) + (a.Memory is null ? 0 : 1) + (a.Qemu is null ? 0 : 1) != 1)
            throw new UserInputException("give exactly one of --image FILE, --memory SIZE and --qemu QMP-SOCKET");
        if (a.Qemu is not null && a.Ram is null) throw new UserInputException("--qemu needs --ram FILE, the guest's RAM file");
        if (a.Qemu is not null && a.Workload is not null) throw new UserInputException("--workload does not go with --qemu: the guest runs its own");
        if (a.Channels is < 1 or > 16) throw new UserInputException($"--channels: {a.Channels} is not from 1 to 16");
        if (!(a.ConnectTimeout > 0) || a.ConnectTimeout > 3600) throw new UserInputException($"--connect-timeout: {a.ConnectTimeout} is not from 0 to 3600 s");
        if (!(a.Timeout > 0) || a.Timeout > 86400) throw new UserInputException($"--timeout: {a.Timeout} is not from 0 to 86400 s");
        double bps = PathModel.TryParseBandwidth(a.Link, out double b) ? b : throw new UserInputException($"--link: '{a.Link}' is not a bandwidth (100M, 1G, 10G)");
        var policy = MigrateCommand.Named(() => MigrationBench.CreatePolicy(a.Policy), "--policy");
        string? workloadName = a.Workload ?? (a.Memory is not null ? "web" : null);
        var workload = workloadName is null ? null : MigrateCommand.Named(() => MigrationBench.CreateWorkload(workloadName, 7), "--workload");
        var destination = Endpoints.ResolveConnect(a.To, "--to");
        if (a.Qemu is not null) return MigrateQemu(a, policy, bps, destination).GetAwaiter().GetResult();

        using var image = a.Image is not null ? LoadImage(a.Image) : new MemoryImage(MigrateCommand.ParseMemory(a.Memory!, "--memory"));
        if (a.Memory is not null) RealisticContent.Fill(image, 1, ContentProfile.Typical);
        return Migrate(a, image, policy, workload, bps, destination).GetAwaiter().GetResult();
    }

    private static MemoryImage LoadImage(string path) =>
        MemoryImage.TryFromFile(path, null, false, out var image, out string? error) ? image : throw new UserInputException($"--image {path}: {error}");

    /// <summary>
    /// <c>--qemu</c>: connects to the guest's QEMU, checks that the guest runs, maps its RAM file and listens for its device
    /// state; a failure there is a one-line error (exit 2) and the guest was never touched.
    /// </summary>
    private static async Task<int> MigrateQemu(Arguments a, Migration.Policies.IStopPolicy policy, double bps, System.Net.IPEndPoint destination)
    {
        var bound = TimeSpan.FromSeconds(a.ConnectTimeout);
        string socket = a.QemuSocket ?? Path.Combine(Path.GetTempPath(), $"netmob-migrate-{Environment.ProcessId}.sock");
        QemuMonitor qemu;
        try
        {
            qemu = await QemuMonitor.ConnectAsync(a.Qemu!, bound).ConfigureAwait(false);
        }
        catch (LabException ex)
        {
            throw new UserInputException($"--qemu: {ex.Message}");
        }
        await using var _ = qemu;
        QemuSourceEnd end;
        try
        {
            string status = await qemu.QueryStatusAsync().ConfigureAwait(false);
            if (status != "running") throw new UserInputException($"--qemu {a.Qemu}: the guest is not running (QEMU says {status})");
            end = await QemuSourceEnd.OpenAsync(qemu, a.Ram!, socket, TimeSpan.FromSeconds(a.Timeout)).ConfigureAwait(false);
        }
        catch (LabException ex)
        {
            throw new UserInputException(ex.Message);
        }
        using var __ = end;
        try
        {
            return await Migrate(a, end.Image, policy, end.Control, bps, destination,
                options => options with { DirtyTracking = DirtyTracking.Compare, CaptureDeviceState = end.CaptureDeviceStateAsync }, qemu.ResumeHereAsync).ConfigureAwait(false);
        }
        catch (LabException ex)
        {
            // QMP failed while the engine paused or resumed the guest: once more, so that it runs here.
            Console.Error.WriteLine($"netmob: migration to {destination} failed: {ex.Message}; resuming the guest here");
            try
            {
                await qemu.ResumeHereAsync().ConfigureAwait(false);
            }
            catch (LabException again)
            {
                Console.Error.WriteLine($"netmob: the guest could not be resumed here either: {again.Message}");
            }
            return RolledBack;
        }
    }

    private static async Task<int> Migrate(Arguments a, MemoryImage image, Migration.Policies.IStopPolicy policy, Workload? workload, double bps, System.Net.IPEndPoint destination)
    {
        await using var runner = workload is null ? null : new WorkloadRunner(workload, image, TimeProvider.System);
        IWorkloadControl control = runner is null ? new NoWorkload() : new RunnerWorkloadControl(runner);
        runner?.Start();
        return await Migrate(a, image, policy, control, bps, destination, options => options, null).ConfigureAwait(false);
    }

    /// <summary>
    /// The migration itself, whatever runs the VM: <paramref name="adjust"/> adds what the VM's kind needs to the engine's
    /// options, and <paramref name="resumedHere"/> runs after a migration that did not commit (the engine has resumed the VM).
    /// </summary>
    private static async Task<int> Migrate(Arguments a, MemoryImage image, Migration.Policies.IStopPolicy policy, IWorkloadControl control, double bps,
        System.Net.IPEndPoint destination, Func<SourceOptions, SourceOptions> adjust, Func<Task>? resumedHere)
    {
        var clock = TimeProvider.System;
        var options = new SourceOptions
        {
            Channels = a.Channels,
            Encoder = MigrateCommand.EncoderFor(policy.Name, bps, a.Channels),
            TransportName = $"{(a.Tls is null ? "tcp" : "tls")} {destination}",
            ReadyTimeout = TimeSpan.FromSeconds(a.Timeout),
            ResumeBackoff = TimeSpan.FromMilliseconds(200),
        };
        if (!a.NoWarmUp) await WarmUp.RunAsync(MigrationBench.CreatePolicy(a.Policy), options.Encoder, a.Channels).ConfigureAwait(false);
        var source = new PreCopySource(image, policy, control, clock, adjust(options));
        var connector = new TcpChannelConnector(destination, a.Tls, TimeSpan.FromSeconds(a.ConnectTimeout));
        // Ctrl-C gives the migration up at the next batch boundary; if the connections do not move, the waits are cancelled.
        using var hard = new CancellationTokenSource();
        int interrupted = 0;
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            if (Interlocked.Exchange(ref interrupted, 1) == 1) return;
            Console.Error.WriteLine($"netmob: interrupted: giving the migration up and telling {destination}; the VM resumes here");
            source.Abort("interrupted at the source");
            hard.CancelAfter(2 * PreCopySource.AbortBound);
        });
        MigrationReport report;
        await using (new ProgressLine(() => source.Progress, Console.Error, live: !Console.IsErrorRedirected))
            report = await source.MigrateAsync(connector, hard.Token).ConfigureAwait(false);
        // Handed over: the guest runs at the destination, and what is left here (the report, the exit) yields the CPU.
        if (report.Completed) IdleScheduling.Enter();
        if (!report.Completed && resumedHere is not null) await resumedHere().ConfigureAwait(false);

        if (report.Cause == RollbackCause.Cancelled)
        {
            Console.Out.Write(a.Json ? ReportJson.Serialize(report) + Environment.NewLine : ReportText.Format(report));
            Console.Error.WriteLine($"netmob: migration to {destination} interrupted, the VM resumed here: {report.Error}");
            return Interrupted;
        }
        if (!report.Completed && source.Progress.PagesSent == 0)
        {
            // Nothing of the image left this host: the migration never started. Under TLS 1.3 a destination checks this
            // host's certificate after the handshake has completed here, and refuses it by closing the connection.
            string hint = a.Tls is not null && report.Cause == RollbackCause.NotAnswered
                ? " (over TLS: it refused this host's certificate, or is not the peer it expects)" : "";
            Console.Error.WriteLine($"netmob: {report.Error}{hint}; the VM stays here");
            return CliApp.UsageError;
        }
        Console.Out.Write(a.Json ? ReportJson.Serialize(report) + Environment.NewLine : ReportText.Format(report));
        if (!report.Completed)
        {
            Console.Error.WriteLine($"netmob: migration to {destination} failed, the VM resumed here: {report.Error}");
            return RolledBack;
        }
        if (report.Switchover is { ResumeConfirmed: false })
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"netmob: the VM was handed to {destination}, which did not confirm that it runs there ({report.StopReason})"));
        return 0;
    }
}
