using System.CommandLine;
using System.Net.Sockets;
using NetMobility.Migration;
using NetMobility.Migration.Engine;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob migrate receive</c>: the destination host of a migration between two machines. Listens for one
/// <c>migrate send</c>, rebuilds the image, verifies it, takes the VM on commit, writes the image to a file if asked,
/// and prints its report. Exit 0: the VM runs here. Exit 2: a bad option, a port in use, or a stream refused (corrupt,
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
        var tls = new TlsArguments();
        var receive = new Command("receive", "receive one migration from netmob migrate send");
        foreach (var o in new Option[] { listen, output, idle, maxMemory, json }) receive.Options.Add(o);
        tls.AddTo(receive);
        receive.SetAction(pr => Run(pr.GetValue(listen)!, pr.GetValue(output), pr.GetValue(idle), pr.GetValue(maxMemory), pr.GetValue(json), tls.Load(pr)));
        return receive;
    }

    private static int Run(string listenText, string? output, double idleSeconds, string? maxMemoryText, bool json, TlsOptions? tls)
    {
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
        return Receive(listener, output, TimeSpan.FromSeconds(idleSeconds), maxMemory, json, tls is not null).GetAwaiter().GetResult();
    }

    private static async Task<int> Receive(TcpChannelListener listener, string? output, TimeSpan idle, long maxMemory, bool json, bool tls)
    {
        await using var _ = listener;
        string where = $"{(tls ? "tls" : "tcp")} {listener.LocalEndPoint}";
        // The one line a script (or a test) reads to learn the port when 0 was asked for.
        Console.Error.WriteLine($"listening on {listener.LocalEndPoint}");
        var destination = new MigrationDestination(new DestinationOptions { IdleTimeout = idle, MaxMemoryBytes = maxMemory });
        var result = await destination.ReceiveAsync(listener).ConfigureAwait(false);
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
        if (result.Committed) return 0;
        Console.Error.WriteLine($"netmob: migration refused, the VM stays at the source: {result.Message}");
        return result.Error is PageStreamError.ConnectionLost or PageStreamError.Cancelled ? SourceLost : CliApp.UsageError;
    }
}
