using System.CommandLine;
using System.Net.Sockets;
using NetMobility.Lab;
using NetMobility.Lab.Vm;
using NetMobility.Migration;
using NetMobility.Migration.Engine;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;
using NetMobility.Runtime;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob migrate receive</c>: the destination host of a migration between two machines. Listens for one
/// <c>migrate send</c>, rebuilds the image, verifies it, takes the VM on commit, writes the image to a file if asked,
/// and prints its report. With <c>--qemu</c> the VM is a QEMU guest waiting here (<c>-incoming defer</c>, its RAM on a shared
/// file): pages are written in place into its RAM file, QEMU loads the device state before ready, and commit resumes it
/// (<c>cont</c>). Exit 0: the VM runs here. Exit 2: a bad option, a port in use, or a stream refused (corrupt,
/// out of order, a digest that does not match). Exit 1: the source went away and did not come back in time.
/// </summary>
internal static class MigrateReceiveCommand
{
    public const int SourceLost = 1;

    public static Command Create()
    {
        var listen = new Option<string>("--listen") { Description = "ADDR:PORT to listen on (port 0: any free port, printed on stderr)", Required = true };
        var output = new Option<string?>("--out") { Description = "write the received image to this file once the VM is here" };
        var idle = new Option<double>("--idle-timeout") { Description = "seconds to wait for a source whose connections all dropped to resume", DefaultValueFactory = _ => 60 };
        var maxMemory = new Option<string?>("--max-memory") { Description = "the largest image this host takes (64M, 16G)" };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var noWarmUp = new Option<bool>("--no-warm-up") { Description = "skip the short in-process migration of a small image that compiles the engine's code while this host waits" };
        var qemu = new Option<string?>("--qemu") { Description = "the QEMU to take the guest: its QMP socket (started with -incoming defer and its RAM on a shared file)" };
        var ram = new Option<string?>("--ram") { Description = "with --qemu: that QEMU's RAM file (memory-backend-file,share=on mem-path)" };
        var qemuSocket = new Option<string?>("--qemu-socket") { Description = "with --qemu: the Unix socket that QEMU takes its device state on (default: one in the temporary folder)" };
        var tls = new TlsArguments();
        var receive = new Command("receive", "receive one migration from netmob migrate send");
        foreach (var o in new Option[] { listen, output, idle, maxMemory, qemu, ram, qemuSocket, noWarmUp, json }) receive.Options.Add(o);
        tls.AddTo(receive);
        receive.SetAction(pr => Run(pr.GetValue(listen)!, pr.GetValue(output), pr.GetValue(idle), pr.GetValue(maxMemory), pr.GetValue(json), tls.Load(pr),
            new QemuArguments(pr.GetValue(qemu), pr.GetValue(ram), pr.GetValue(qemuSocket)), !pr.GetValue(noWarmUp)));
        return receive;
    }

    /// <summary><c>--qemu</c>, <c>--ram</c> and <c>--qemu-socket</c>.</summary>
    private sealed record QemuArguments(string? Qmp, string? Ram, string? Socket)
    {
        public void Check()
        {
            if (Qmp is null && (Ram ?? Socket) is not null) throw new UserInputException($"{(Ram is not null ? "--ram" : "--qemu-socket")} goes with --qemu");
            if (Qmp is not null && Ram is null) throw new UserInputException("--qemu needs --ram FILE, that QEMU's RAM file");
        }
    }

    private static int Run(string listenText, string? output, double idleSeconds, string? maxMemoryText, bool json, TlsOptions? tls, QemuArguments qemu, bool warmUp)
    {
        qemu.Check();
        var endpoint = Endpoints.ParseListen(listenText, "--listen");
        if (!(idleSeconds > 0) || idleSeconds > 86400) throw new UserInputException($"--idle-timeout: {idleSeconds} is not from 0 to 86400 s");
        long maxMemory = maxMemoryText is null ? MemoryImage.MaxMemoryBytes : MigrateCommand.ParseMemory(maxMemoryText, "--max-memory");
        if (output is not null)
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(output))!;
            if (!Directory.Exists(directory)) throw new UserInputException($"--out {output}: no such directory {directory}");
        }

        TcpChannelListener listener;
        try
        {
            listener = new TcpChannelListener(endpoint, tls) { Refused = message => Console.Error.WriteLine(message) };
        }
        catch (SocketException ex)
        {
            throw new UserInputException($"--listen {listenText}: {ex.Message}");
        }
        var options = new DestinationOptions { IdleTimeout = TimeSpan.FromSeconds(idleSeconds), MaxMemoryBytes = maxMemory };
        return ReceiveAsync(listener, options, new ReceiveSetup(output, json, tls is not null, warmUp), qemu).GetAwaiter().GetResult();
    }

    /// <summary>What one <c>migrate receive</c> was asked for, beside its listener and the destination's options.</summary>
    private sealed record ReceiveSetup(string? Output, bool Json, bool Tls, bool WarmUp);

    /// <summary>The receive, into memory or into a QEMU; the listener is closed at the end either way.</summary>
    private static async Task<int> ReceiveAsync(TcpChannelListener listener, DestinationOptions options, ReceiveSetup how, QemuArguments qemu)
    {
        await using var _ = listener;
        return qemu.Qmp is null
            ? await Receive(listener, options, how, null).ConfigureAwait(false)
            : await ReceiveIntoQemu(listener, options, how, qemu).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>--qemu</c>: connects to the waiting QEMU, turns <c>x-ignore-shared</c> on and has it listen for its device state; a
    /// failure there is a one-line error (exit 2) before this host says it listens.
    /// </summary>
    private static async Task<int> ReceiveIntoQemu(TcpChannelListener listener, DestinationOptions options, ReceiveSetup how, QemuArguments arguments)
    {
        var bound = options.IdleTimeout ?? TimeSpan.FromSeconds(60);
        string socket = arguments.Socket ?? Path.Combine(Path.GetTempPath(), $"netmob-receive-{Environment.ProcessId}.sock");
        QemuMonitor qemu;
        try
        {
            qemu = await QemuMonitor.ConnectAsync(arguments.Qmp!, bound).ConfigureAwait(false);
        }
        catch (LabException ex)
        {
            throw new UserInputException($"--qemu: {ex.Message}");
        }
        await using var __ = qemu;
        QemuTargetEnd target;
        try
        {
            string status = await qemu.QueryStatusAsync().ConfigureAwait(false);
            if (status != "inmigrate") throw new UserInputException($"--qemu {arguments.Qmp}: QEMU is not waiting for a migration (it says {status}; start it with -incoming defer)");
            target = await QemuTargetEnd.OpenAsync(qemu, arguments.Ram!, socket, bound).ConfigureAwait(false);
        }
        catch (LabException ex)
        {
            throw new UserInputException(ex.Message);
        }
        using var ___ = target;
        return await Receive(listener, target.Apply(options), how, target).ConfigureAwait(false);
    }

    private static async Task<int> Receive(TcpChannelListener listener, DestinationOptions options, ReceiveSetup how, QemuTargetEnd? qemu)
    {
        var (output, json, tls) = (how.Output, how.Json, how.Tls);
        string where = $"{(tls ? "tls" : "tcp")} {listener.LocalEndPoint}";
        // The one line a script (or a test) reads to learn the port when 0 was asked for.
        Console.Error.WriteLine($"listening on {listener.LocalEndPoint}");
        // The engine's code is compiled while this host waits for the source (a source that comes at once runs beside it).
        var warming = how.WarmUp ? WarmUp.RunAsync(new Migration.Policies.AdaptivePolicy(), new Migration.Encoding.PageEncoderOptions(), 2) : Task.CompletedTask;
        var destination = new MigrationDestination(options);
        var result = await destination.ReceiveAsync(listener).ConfigureAwait(false);
        // The guest runs here now (or stays at the source): what is left of this process yields the CPU to it.
        if (result.Committed) IdleScheduling.Enter();
        await warming.ConfigureAwait(false);
        using var image = result.Image;
        string? written = null;
        if (result.Committed && output is not null)
        {
            image!.SaveToFile(output);
            written = output;
        }
        var report = new ReceiveReport
        {
            Outcome = result.Committed ? ReceiveOutcome.Committed : ReceiveOutcome.Refused,
            Error = result.Committed ? null : result.Message,
            Listen = where, MemoryBytes = image?.MemoryBytes ?? 0, Connections = result.Connections,
            Digest = result.Committed ? result.Digest.ToString() : "",
            VerifyMs = result.VerifyTime.TotalMilliseconds, ResumeMs = result.ResumeTime.TotalMilliseconds,
            DeviceStateBytes = result.DeviceState.Length, Output = written,
        };
        Console.Out.Write(json ? ReportJson.Serialize(report) + Environment.NewLine : ReportText.Format(report));
        if (result.Committed && qemu?.ResumeFailure is { } failure)
        {
            Console.Error.WriteLine($"netmob: the guest was handed over but did not resume here: {failure.Message}");
            return SourceLost;
        }
        if (result.Committed) return 0;
        Console.Error.WriteLine($"netmob: migration refused, the VM stays at the source: {result.Message}");
        return result.Error is PageStreamError.ConnectionLost or PageStreamError.Cancelled ? SourceLost : CliApp.UsageError;
    }
}
