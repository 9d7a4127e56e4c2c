using System.CommandLine;
using System.Text.Json;
using NetMobility.Lab;
using NetMobility.Lab.Site;
using NetMobility.Lab.Vm;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob lab migrate --image DIR --mode qemu|shared-file|page-engine|qemu-relay[,...]|all --count N --workload idle|memory|http --wan-delay MS
/// --wan-loss P [--json]</c>: a QEMU guest migrated back and forth between the lab's home and foreign hosts under the
/// correspondent's traffic; per migration and in sum (docs/lab.md).
/// </summary>
public static class LabMigrateCommand
{
    public static Command Create()
    {
        var image = new Option<DirectoryInfo>("--image") { Description = "a guest made by 'netmob lab vm build'", Required = true };
        var mode = new Option<string>("--mode")
        {
            Description = "qemu (QEMU's own migration), shared-file (RAM on shared files, copied while stopped), page-engine (the project's page engine moves the RAM with pre-copy) "
                + "or qemu-relay (QEMU's own migration, its stream carried across the WAN by the project's relay); several, comma-separated, or all: the modes take turns on the same "
                + "guest, each moving it there and back, and each is compared with qemu",
            DefaultValueFactory = _ => "qemu",
        };
        var count = new Option<int>("--count") { Description = "migrations in all, alternately home -> foreign and back", DefaultValueFactory = _ => 4 };
        var workload = new Option<string>("--workload") { Description = "idle, memory (the guest rewrites 8 MiB of RAM a second) or http (the correspondent's requests back to back)", DefaultValueFactory = _ => "idle" };
        workload.AcceptOnlyFromAmong("idle", "memory", "http");
        var delay = new Option<double>("--wan-delay") { Description = "the WAN's one-way delay in milliseconds, each direction", DefaultValueFactory = _ => 0 };
        var loss = new Option<double>("--wan-loss") { Description = "the WAN's loss in percent, each direction", DefaultValueFactory = _ => 0 };
        var memory = new Option<int>("--memory-mb") { Description = "the guest's RAM in MiB", DefaultValueFactory = _ => 128 };
        var name = new Option<string>("--name") { Description = "the lab's name (its namespaces are NAME-core ...)", DefaultValueFactory = _ => "nmmig" };
        var json = new Option<bool>("--json") { Description = "the report as one JSON object" };
        var migrationMbit = new Option<double?>("--migration-mbit")
        {
            Description = "shape the hosts' migration link (every mode's stream crosses it) to this many Mbit/s each way; the page engine is told the rate (default: unshaped)",
        };
        var inProcess = new Option<bool>("--engine-in-process")
        {
            Description = "run the page engine's two ends inside this process (default: netmob migrate send/receive --qemu processes in the two hosts' namespaces)",
        };
        var inPlace = new Option<int>("--in-place")
        {
            Description = "after the migrations, pause the guest this many times where it runs and resume it in the same QEMU process, for the migrations' median pause: "
                + "the stall a pause alone causes, beside the migrations' (0: none)",
            DefaultValueFactory = _ => 2,
        };
        var multifd = new Option<string?>("--qemu-multifd")
        {
            Description = "QEMU's own migration (mode qemu) over multifd, 2 connections, with this compression: none, zlib or zstd (default: one stream, QEMU's default)",
        };
        multifd.AcceptOnlyFromAmong([.. QemuStreamFeatures.Compressions]);
        var xbzrle = new Option<bool>("--qemu-xbzrle") { Description = "QEMU's own migration (mode qemu) sends pages again as XBZRLE deltas (64 MiB cache)" };
        var command = new Command("migrate", "Bring up a lab with a QEMU guest at the home host and migrate it back and forth to the foreign host under the correspondent's "
            + "echo stream, HTTP requests and ping: QEMU's downtime, the pause, total time, bytes, the handover and the latencies before, during and after, per migration and in sum");
        foreach (var option in new Option[] { image, mode, count, workload, delay, loss, migrationMbit, memory, name, inProcess, inPlace, multifd, xbzrle, json }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            if (n is < 1 or > 10000) throw new UserInputException($"--count: {n} is not between 1 and 10000");
            int pauses = parse.GetValue(inPlace);
            if (pauses is < 0 or > 100) throw new UserInputException($"--in-place: {pauses} is not between 0 and 100");
            double d = parse.GetValue(delay), p = parse.GetValue(loss);
            if (!(d >= 0 && d <= 10000)) throw new UserInputException($"--wan-delay: {d} is not between 0 and 10000 ms");
            if (!(p >= 0 && p <= 100)) throw new UserInputException($"--wan-loss: {p} is not between 0 and 100 percent");
            int mb = parse.GetValue(memory);
            if (mb is < 32 or > 65536) throw new UserInputException($"--memory-mb: {mb} is not between 32 and 65536");
            double? rate = parse.GetValue(migrationMbit);
            if (rate is double r && !(r >= 1 && r <= 100_000)) throw new UserInputException($"--migration-mbit: {r} is not between 1 and 100000 Mbit/s");
            string lab = parse.GetValue(name)!;
            if (!LabSpec.IsName(lab)) throw new UserInputException($"--name: '{lab}' is not a lab name ({LabSpec.NameRule})");
            var options = new LabMigrationOptions
            {
                ImageDirectory = parse.GetValue(image)!.FullName,
                Modes = ParseModes(parse.GetValue(mode)!),
                Count = n,
                Workload = parse.GetValue(workload) switch { "memory" => LabWorkload.Memory, "http" => LabWorkload.Http, _ => LabWorkload.Idle },
                WanDelayMs = d,
                WanLossPercent = p,
                MemoryMb = mb,
                Name = lab,
                EngineInProcess = parse.GetValue(inProcess),
                MigrationMbit = rate,
                InPlacePauses = pauses,
                QemuFeatures = new QemuStreamFeatures { MultifdCompression = parse.GetValue(multifd), Xbzrle = parse.GetValue(xbzrle) },
            };
            try
            {
                GuestImage.Load(options.ImageDirectory);
                if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess) throw new UserInputException("lab migrate: needs root on Linux (network namespaces, TAP devices, QEMU)");
                bool asJson = parse.GetValue(json);
                var report = LabMigrationRun.RunAsync(options, NetmobCommand.Current(),
                    line => Console.Error.WriteLine($"netmob lab migrate: {line}"),
                    row => { if (!asJson) Console.Out.WriteLine(Row(row)); },
                    pause => { if (!asJson) Console.Out.WriteLine(Row(pause)); }).GetAwaiter().GetResult();
                if (asJson) WriteJson(report);
                else Summary(report);
                return report.Failures.Count == 0 ? 0 : 1;
            }
            catch (LabException e)
            {
                throw new UserInputException($"lab migrate: {e.Message}");
            }
        });
        return command;
    }

    /// <summary>The --mode value: one mode, several comma-separated (each once), or all.</summary>
    internal static IReadOnlyList<QemuMigrationMode> ParseModes(string text)
    {
        string[] all = ["qemu", "shared-file", "page-engine", "qemu-relay"];
        var names = text == "all" ? all : text.Split(',', StringSplitOptions.TrimEntries);
        var modes = new List<QemuMigrationMode>();
        foreach (string name in names)
        {
            var m = name switch
            {
                "qemu" => QemuMigrationMode.Qemu,
                "shared-file" => QemuMigrationMode.SharedFileCopy,
                "page-engine" => QemuMigrationMode.PageEngine,
                "qemu-relay" => QemuMigrationMode.QemuRelay,
                _ => throw new UserInputException($"--mode: '{name}' is not a mode ({string.Join(", ", all)}, several comma-separated, or all)"),
            };
            if (modes.Contains(m)) throw new UserInputException($"--mode: '{name}' is given twice");
            modes.Add(m);
        }
        return modes;
    }

    private static string Ms(double? value) => value is { } v ? $"{v:0.#}" : "-";

    private static string Row(LabMigrationRow r) =>
        $"#{r.Index} {r.Mode} {r.From}->{r.To}: qemu downtime {r.QemuDowntimeMs} ms{(r.EngineDowntimeMs is { } e ? $", engine downtime {e:0.#} ms" : "")}, paused {Ms(r.PausedMs)} ms, total {Ms(r.TotalMs)} ms{(r.SetupMs > 0 ? $" (setup before it {Ms(r.SetupMs)} ms)" : "")}, {r.Bytes} bytes ({r.LinkBytes} on the link); "
        + $"resume->attached {Ms(r.ResumeToAttachedMs)} ms, ->binding {Ms(r.ResumeToBindingMs)} ms, ->first packet at guest {Ms(r.ResumeToFirstPacketMs)} ms; "
        + $"stall {Ms(r.TrafficStallMs)} ms, first echo {Ms(r.ResumeToFirstEchoMs)} ms after resume; ping {Ms(r.PingBeforeMs)}/{Ms(r.PingDuringMs)} (max {Ms(r.PingDuringMaxMs)})/{Ms(r.PingAfterMs)} ms; "
        + $"http {Ms(r.HttpBeforeMs)}/{Ms(r.HttpDuringMs)} (max {Ms(r.HttpDuringMaxMs)})/{Ms(r.HttpAfterMs)} ms; tcp timeouts {r.TcpTimeouts}"
        + (r.EngineSwitchover is { } s
            ? $"; engine switchover: stop {Ms(s.PauseMs)}, scan {Ms(s.DirtyScanMs)}, last pages {Ms(s.LastPagesMs)}, device state {Ms(s.DeviceStateMs)}, "
                + $"verify {Ms(s.DestinationVerifyMs)}, ready {Ms(s.ReadyMs)}, commit {Ms(s.CommitMs)}, resume {Ms(s.ResumeMs)} ms"
            : "");

    private static string Row(LabPauseRow r) =>
        $"in place #{r.Index} at the {r.Site} host: paused {Ms(r.PausedMs)} ms in the same QEMU process; stall {Ms(r.TrafficStallMs)} ms, first echo {Ms(r.ResumeToFirstEchoMs)} ms after resume; "
        + $"ping max {Ms(r.PingDuringMaxMs)} ms, http max {Ms(r.HttpDuringMaxMs)} ms; tcp timeouts {r.TcpTimeouts}";

    private static void Summary(LabMigrationReport report)
    {
        var o = Console.Out;
        o.WriteLine($"{report.Migrations.Count} migration(s), mode {report.Mode}, workload {report.Workload}, {report.MemoryMb} MiB, WAN {report.WanDelayMs} ms one way, {report.WanLossPercent} % loss, "
            + $"migration link {(report.MigrationMbit is { } m ? $"{m:0.###} Mbit/s" : "unshaped")}, page engine {(report.EngineProcesses ? "in two processes" : "in the lab's process")}, QEMU's own migration {report.QemuFeatures}"
            + (report.QemuFeatures.StartsWith("multifd z", StringComparison.Ordinal) ? " (QEMU 7.2 counts multifd pages before compression: its own bytes are not what crossed the link; the ratios use the link's)" : ""));
        foreach (var group in report.ByMode)
        {
            double? Med(Func<LabMigrationRow, double?> value) => LabMigrationReport.MedianOf(group, value);
            o.WriteLine($"mode {group.Key}, medians over {group.Count()} migration(s):");
            o.WriteLine($"  qemu downtime {Ms(Med(r => r.QemuDowntimeMs))} ms, engine downtime {Ms(Med(r => r.EngineDowntimeMs))} ms, paused {Ms(Med(r => r.PausedMs))} ms, total {Ms(Med(r => r.TotalMs))} ms, bytes {Ms(Med(r => r.Bytes))} as reported, {Ms(Med(r => r.LinkBytes))} on the migration link");
            o.WriteLine($"  handover: resume->attached {Ms(Med(r => r.ResumeToAttachedMs))} ms, ->binding {Ms(Med(r => r.ResumeToBindingMs))} ms, ->first packet at guest {Ms(Med(r => r.ResumeToFirstPacketMs))} ms");
            o.WriteLine($"  traffic: stall {Ms(Med(r => r.TrafficStallMs))} ms (longest {Ms(group.Max(r => r.TrafficStallMs))} ms), first echo {Ms(Med(r => r.ResumeToFirstEchoMs))} ms after resume, "
                + $"ping before/during/after {Ms(Med(r => r.PingBeforeMs))}/{Ms(Med(r => r.PingDuringMs))}/{Ms(Med(r => r.PingAfterMs))} ms, "
                + $"http {Ms(Med(r => r.HttpBeforeMs))}/{Ms(Med(r => r.HttpDuringMs))}/{Ms(Med(r => r.HttpAfterMs))} ms, TCP timeouts {group.Sum(r => r.TcpTimeouts)}");
            if (report.InPlace.Count > 0 && Med(r => r.ResumeToFirstEchoMs) is { } echo && report.InPlaceMedian(r => r.ResumeToFirstEchoMs) is { } still)
                o.WriteLine($"  the move's own cost: the guest echoed first {echo - still:0.#} ms later after its resume than after a pause in place (a fresh QEMU process, the handover), "
                    + $"stall over the pause {Ms(Med(r => r.TrafficStallMs - r.PausedMs))} ms against {Ms(report.InPlaceMedian(r => r.TrafficStallMs - r.PausedMs))} ms in place");
            if (group.Key != "qemu" && report.RatioToQemu(group.Key, r => r.PausedMs) is { } pause)
            {
                double? total = report.RatioToQemu(group.Key, r => r.TotalMs), bytes = report.RatioToQemu(group.Key, r => r.LinkBytes);
                string goals = group.Key == "engine"
                    ? $" (goals: pause <= 0.5x {Met(pause <= 0.5)}, total <= 0.7x {Met(total <= 0.7)}, bytes <= 0.5x {Met(bytes <= 0.5)}, "
                        + $"first correspondent packet at the guest <= 5 ms after resume in every move {Met(group.All(r => r.ResumeToFirstPacketMs <= 5))}, "
                        + $"0 TCP timeouts {Met(group.Sum(r => r.TcpTimeouts) == 0)}, "
                        + $"stall <= pause + WAN round trip + 50 ms in every move {Met(group.All(r => r.TrafficStallMs is not { } stall || stall <= r.StallBoundMs(report.WanRoundTripMs)))})"
                    : "";
                o.WriteLine($"  against qemu in this run: pause {pause:0.00}x, total {Ratio(total)}, bytes on the migration link {Ratio(bytes)}{goals}");
            }
        }
        if (report.InPlace.Count > 0)
        {
            var still = report.InPlace;
            o.WriteLine($"in place, medians over {still.Count} pause(s) in the same QEMU process (the control): paused {Ms(report.InPlaceMedian(r => r.PausedMs))} ms, "
                + $"stall {Ms(report.InPlaceMedian(r => r.TrafficStallMs))} ms (longest {Ms(still.Max(r => r.TrafficStallMs))} ms), first echo {Ms(report.InPlaceMedian(r => r.ResumeToFirstEchoMs))} ms after resume, "
                + $"TCP timeouts {still.Sum(r => r.TcpTimeouts)}; stall <= pause + WAN round trip + 50 ms in every pause {Met(still.All(r => r.TrafficStallMs is not { } stall || stall <= r.StallBoundMs(report.WanRoundTripMs)))}");
        }
        o.WriteLine($"echo stream {report.EchoBytes} bytes checked, {report.HttpRequests} HTTP requests answered, TCP timeouts {report.TcpTimeouts}, "
            + $"stalls over pause + WAN round trip + 50 ms: {report.StallsOverBound.Count()}, failures {report.Failures.Count}");
        foreach (var failure in report.Failures) o.WriteLine($"  failure: {failure}");
    }

    private static string Met(bool met) => met ? "met" : "not met";

    private static string Ratio(double? ratio) => ratio is { } r ? $"{r:0.00}x" : "-";

    private static void WriteJson(LabMigrationReport report)
    {
        var options = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        var document = new
        {
            report.Mode, report.Workload, report.MemoryMb, report.WanDelayMs, report.WanLossPercent, report.MigrationMbit, report.EngineProcesses, report.QemuFeatures,
            report.EchoBytes, report.HttpRequests, report.TcpTimeouts, StallsOverBound = report.StallsOverBound.Count(), report.Failures,
            ByMode = report.ByMode.Select(g => new
            {
                Mode = g.Key, Migrations = g.Count(),
                PausedMs = LabMigrationReport.MedianOf(g, r => r.PausedMs), TotalMs = LabMigrationReport.MedianOf(g, r => r.TotalMs), Bytes = LabMigrationReport.MedianOf(g, r => r.Bytes),
                EngineDowntimeMs = LabMigrationReport.MedianOf(g, r => r.EngineDowntimeMs), TrafficStallMs = LabMigrationReport.MedianOf(g, r => r.TrafficStallMs),
                ResumeToFirstEchoMs = LabMigrationReport.MedianOf(g, r => r.ResumeToFirstEchoMs),
                TcpTimeouts = g.Sum(r => r.TcpTimeouts),
                PauseToQemu = report.RatioToQemu(g.Key, r => r.PausedMs), TotalToQemu = report.RatioToQemu(g.Key, r => r.TotalMs), BytesToQemu = report.RatioToQemu(g.Key, r => r.LinkBytes), LinkBytes = LabMigrationReport.MedianOf(g, r => r.LinkBytes),
            }),
            Medians = new
            {
                QemuDowntimeMs = report.MedianOf(r => r.QemuDowntimeMs), EngineDowntimeMs = report.MedianOf(r => r.EngineDowntimeMs), PausedMs = report.MedianOf(r => r.PausedMs), TotalMs = report.MedianOf(r => r.TotalMs),
                Bytes = report.MedianOf(r => r.Bytes), ResumeToBindingMs = report.MedianOf(r => r.ResumeToBindingMs),
                ResumeToFirstPacketMs = report.MedianOf(r => r.ResumeToFirstPacketMs), TrafficStallMs = report.MedianOf(r => r.TrafficStallMs),
                ResumeToFirstEchoMs = report.MedianOf(r => r.ResumeToFirstEchoMs),
                PingBeforeMs = report.MedianOf(r => r.PingBeforeMs), PingDuringMs = report.MedianOf(r => r.PingDuringMs), PingAfterMs = report.MedianOf(r => r.PingAfterMs),
                HttpBeforeMs = report.MedianOf(r => r.HttpBeforeMs), HttpDuringMs = report.MedianOf(r => r.HttpDuringMs), HttpAfterMs = report.MedianOf(r => r.HttpAfterMs),
            },
            report.Migrations,
            InPlace = new
            {
                Pauses = report.InPlace.Count,
                PausedMs = report.InPlaceMedian(r => r.PausedMs), TrafficStallMs = report.InPlaceMedian(r => r.TrafficStallMs),
                ResumeToFirstEchoMs = report.InPlaceMedian(r => r.ResumeToFirstEchoMs), TcpTimeouts = report.InPlace.Sum(r => r.TcpTimeouts),
                Rows = report.InPlace,
            },
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(document, options));
    }
}
