using System.CommandLine;
using System.Globalization;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Bench;
using NetMobility.Migration.Transports;
using NetMobility.Migration;
using NetMobility.Runtime;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Workloads;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob migrate run</c>: one live migration in memory (source, link, destination in this process);
/// <c>netmob migrate bench</c>: the policy comparison table, simulated in virtual time.
/// </summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var migrate = new Command("migrate", "live-migrate a VM's memory: between two hosts (send, receive), one run in memory, or the policy bench");
        migrate.Subcommands.Add(CreateRun());
        migrate.Subcommands.Add(CreateBench());
        migrate.Subcommands.Add(MigrateSendCommand.Create());
        migrate.Subcommands.Add(MigrateReceiveCommand.Create());
        return migrate;
    }

    private static Command CreateRun()
    {
        var memory = new Option<string>("--memory") { Description = "memory size (64M, 1G); several, comma-separated, for a downtime table", DefaultValueFactory = _ => "64M" };
        var workload = new Option<string>("--workload") { Description = "idle, web, uniform or scan", DefaultValueFactory = _ => "web" };
        var policy = new Option<string>("--policy") { Description = string.Join(", ", MigrationBench.PolicyNames), DefaultValueFactory = _ => "adaptive" };
        var link = new Option<string>("--link") { Description = "link bandwidth in bit/s (100M, 1G, 10G)", DefaultValueFactory = _ => "1G" };
        var latency = new Option<double>("--latency-ms") { Description = "one-way link latency in milliseconds", DefaultValueFactory = _ => 1.0 };
        var channels = new Option<int>("--channels") { Description = "parallel connections", DefaultValueFactory = _ => 2 };
        var virtualTime = new Option<bool>("--virtual-time") { Description = "simulate the link's time instead of waiting for it" };
        var loopback = new Option<bool>("--loopback") { Description = "migrate over loopback TCP in real time instead of the in-memory link (--link is then what the encoder is told)" };
        var repeat = new Option<int>("--repeat") { Description = "runs per memory size; with several runs or sizes, a table of median downtimes and their parts", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var run = new Command("run", "migrate one in-memory VM over an in-memory link (or loopback TCP) and print the report");
        foreach (var o in new Option[] { memory, workload, policy, link, latency, channels, virtualTime, loopback, repeat, json }) run.Options.Add(o);
        run.SetAction(pr => RunOne(pr.GetValue(memory)!, pr.GetValue(workload)!, pr.GetValue(policy)!, pr.GetValue(link)!,
            pr.GetValue(latency), pr.GetValue(channels), pr.GetValue(virtualTime), pr.GetValue(loopback), pr.GetValue(repeat), pr.GetValue(json)));
        return run;
    }

    private static Command CreateBench()
    {
        var quick = new Option<bool>("--quick") { Description = "a subset: 0.5 GiB at 100 Mbit/s and 1 Gbit/s" };
        var sizes = new Option<string?>("--sizes") { Description = "memory sizes, comma-separated (512M,1G)" };
        var links = new Option<string?>("--links") { Description = "link bandwidths, comma-separated (100M,1G,10G)" };
        var json = new Option<bool>("--json") { Description = "print every report as JSON instead of the table" };
        var channels = new Option<int>("--channels") { Description = "parallel channels, each with its own encoding core (QEMU multifd's default is 2)", DefaultValueFactory = _ => 2 };
        var switchover = new Option<double?>("--switchover-ms") { Description = "the fixed switchover cost every policy pays, in ms (default: measured on the real engine over loopback TCP)" };
        var qemuCap = new Option<bool>("--qemu-cap") { Description = "cap the QEMU rows at QEMU's default max-bandwidth, 128 MiB/s" };
        var engine = new Option<bool>("--engine")
        {
            Description = "run every row on the real engine too (source and destination in virtual time, real encoders) and print it under the simulator's; for small sizes (--sizes 64M)",
        };
        var bench = new Command("bench", "compare stop policies and their systems' encoders on every workload, memory size and link speed, in virtual time");
        foreach (var o in new Option[] { quick, sizes, links, channels, switchover, qemuCap, engine, json }) bench.Options.Add(o);
        bench.SetAction(pr => RunBench(pr.GetValue(quick), pr.GetValue(sizes), pr.GetValue(links), pr.GetValue(channels), pr.GetValue(switchover),
            pr.GetValue(qemuCap), pr.GetValue(engine), pr.GetValue(json)));
        return bench;
    }

    private static int RunOne(string memoryText, string workloadName, string policyName, string linkText, double latencyMs, int channels,
        bool virtualTime, bool loopback, int repeat, bool json)
    {
        long[] sizes = [.. memoryText.Split(',').Select(s => ParseMemory(s, "--memory"))];
        double bps = ParseLink(linkText, "--link");
        foreach (long size in sizes)
        {
            if (MemoryFit.Check(size) is string fit) throw new UserInputException($"--memory: {fit}");
            if (PathModel.CheckBandwidth(bps, size) is string slow) throw new UserInputException($"--link: {slow}");
        }
        if (!(latencyMs >= 0) || latencyMs > 10_000) throw new UserInputException($"--latency-ms: {latencyMs} is not a latency from 0 to 10000 ms");
        if (channels is < 1 or > 16) throw new UserInputException($"--channels: {channels} is not from 1 to 16");
        if (repeat is < 1 or > 100) throw new UserInputException($"--repeat: {repeat} is not from 1 to 100");
        if (loopback && virtualTime) throw new UserInputException("--loopback runs in real time: it does not go with --virtual-time");
        _ = Named(() => MigrationBench.CreatePolicy(policyName), "--policy");
        _ = Named(() => MigrationBench.CreateWorkload(workloadName, 7), "--workload");
        var setup = new RunSetup(workloadName, policyName, bps, TimeSpan.FromMilliseconds(latencyMs), channels, virtualTime, loopback);
        if (sizes.Length == 1 && repeat == 1)
        {
            var report = Migrate(sizes[0], setup).GetAwaiter().GetResult();
            Console.Out.Write(json ? ReportJson.Serialize(report) + Environment.NewLine : ReportText.Format(report));
            return report.Completed ? 0 : 1;
        }
        var table = new DowntimeTable(setup.Describe(repeat));
        var reports = new List<MigrationReport>();
        foreach (long size in sizes)
            for (int i = 0; i < repeat; i++)
            {
                var report = Migrate(size, setup).GetAwaiter().GetResult();
                reports.Add(report);
                if (!report.Completed) throw new UserInputException($"the migration of {ReportText.Bytes(size)} was rolled back: {report.Error}");
                table.Add(report);
                if (!json) Console.Error.WriteLine(DowntimeTable.Line(report));
            }
        Console.Out.Write(json ? ReportJson.Serialize(reports) + Environment.NewLine : table.Format());
        return 0;
    }

    /// <summary>What every run of one <c>migrate run</c> shares.</summary>
    private sealed record RunSetup(string Workload, string Policy, double Bps, TimeSpan Latency, int Channels, bool VirtualTime, bool Loopback)
    {
        public string Describe(int repeat) => string.Create(CultureInfo.InvariantCulture,
            $"{Workload} workload, {Policy} policy, {Channels} channel(s), {(Loopback ? "loopback TCP, real time" : $"memory {PathModel.DescribeBandwidth(Bps)}, {Latency.TotalMilliseconds:0.###} ms{(VirtualTime ? ", virtual time" : ", real time")}")}, {repeat} run(s) per size");
    }

    private static async Task<MigrationReport> Migrate(long memory, RunSetup setup)
    {
        var policy = MigrationBench.CreatePolicy(setup.Policy);
        var workload = MigrationBench.CreateWorkload(setup.Workload, 7);
        double bps = setup.Bps;
        var latency = setup.Latency;
        int channels = setup.Channels;
        bool virtualTime = setup.VirtualTime;
        // In virtual time the in-memory link moves this clock; in real time everything waits on the system's.
        var virtualClock = virtualTime ? new ManualTimeProvider() : null;
        TimeProvider clock = (TimeProvider?)virtualClock ?? TimeProvider.System;
        using var image = new MemoryImage(memory);
        RealisticContent.Fill(image, 1, ContentProfile.Typical);
        var model = new PathModel { BitsPerSecond = bps, Latency = latency, VirtualTime = virtualTime };
        await using var memoryLink = setup.Loopback ? null : virtualClock is null ? new InMemoryPath(model, clock) : new InMemoryPath(model, virtualClock);
        await using var tcp = setup.Loopback ? new TcpChannelListener(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)) : null;
        IChannelListener listener = (IChannelListener?)memoryLink ?? tcp!;
        IChannelConnector connector = (IChannelConnector?)memoryLink ?? new TcpChannelConnector(tcp!.LocalEndPoint);
        await using var runner = virtualTime ? null : new WorkloadRunner(workload, image, clock);
        IWorkloadControl control = runner is null ? new VirtualWorkloadControl(workload, image, clock) : new RunnerWorkloadControl(runner);
        runner?.Start();
        var options = new SourceOptions
        {
            Channels = channels,
            Encoder = EncoderFor(policy.Name, bps, channels),
            TransportName = setup.Loopback ? $"tcp {tcp!.LocalEndPoint}" : $"memory {PathModel.DescribeBandwidth(bps)}, {latency.TotalMilliseconds:0.###} ms{(virtualTime ? ", virtual time" : "")}",
        };
        var source = new PreCopySource(image, policy, control, clock, options);
        var destination = new MigrationDestination(new DestinationOptions { Clock = clock });
        using var giveUp = new CancellationTokenSource();
        var receiving = destination.ReceiveAsync(listener, giveUp.Token);
        var report = await source.MigrateAsync(connector).ConfigureAwait(false);
        if (!report.Completed) await giveUp.CancelAsync().ConfigureAwait(false);
        try
        {
            var result = await receiving.ConfigureAwait(false);
            result.Image?.Dispose();
        }
        catch (OperationCanceledException)
        {
        }
        return report;
    }

    private static int RunBench(bool quick, string? sizes, string? links, int channels, double? switchoverMs, bool qemuCap, bool engine, bool json)
    {
        if (channels is < 1 or > 64) throw new UserInputException($"--channels: {channels} is not from 1 to 64");
        if (switchoverMs is double ms && !(ms >= 0 && ms <= 10_000)) throw new UserInputException($"--switchover-ms: {ms} is not from 0 to 10000 ms");
        var grid = (quick ? BenchGrid.Quick : new BenchGrid()) with { Channels = channels, QemuBandwidthCap = qemuCap ? QemuPolicy.DefaultMaxBandwidth : 0 };
        if (sizes is not null) grid = grid with { MemoryBytes = [.. sizes.Split(',').Select(s => ParseMemory(s, "--sizes"))] };
        if (links is not null) grid = grid with { Links = [.. links.Split(',').Select(s => ParseLink(s, "--links"))] };
        if (MemoryFit.Check(grid.MemoryBytes.Max()) is string fit) throw new UserInputException($"--sizes: {fit}");
        if (PathModel.CheckBandwidth(grid.Links.Min(), grid.MemoryBytes.Max()) is string slow) throw new UserInputException($"--links: {slow}");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (fixedCost, measured) = switchoverMs is double given ? (TimeSpan.FromMilliseconds(given), "given") : MeasureFixedSwitchover();
        grid = grid with { FixedSwitchover = fixedCost };
        var calibration = MigrationBench.Calibrate(grid);
        if (!json)
        {
            Console.Out.WriteLine($"calibration ({started.Elapsed.TotalSeconds:0.0} s): {calibration.Describe()}");
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fixed switchover cost paid by every policy: {fixedCost.TotalMilliseconds:0.###} ms ({measured})"));
            if (qemuCap) Console.Out.WriteLine("QEMU rows capped at max-bandwidth 128 MiB/s");
            Console.Out.WriteLine();
            Console.Out.WriteLine("Table 1: every baseline with its system's encoder");
            Console.Out.WriteLine(MigrationBench.Header(grid.Policies));
        }
        var rows = MigrationBench.Run(grid, calibration, json ? null : Console.Out.WriteLine, engine);
        if (!json)
        {
            Console.Out.WriteLine(MigrationBench.Summary(rows));
            Console.Out.WriteLine();
            Console.Out.WriteLine("Table 2: every stop rule on the adaptive encoder");
            Console.Out.WriteLine(MigrationBench.Header(grid.SameEncoderPolicies));
        }
        var same = MigrationBench.RunSameEncoder(grid, calibration, json ? null : Console.Out.WriteLine, engine);
        if (json)
        {
            // The real engine's reports follow the simulator's; their transport says "engine".
            Console.Out.WriteLine(ReportJson.Serialize([.. rows.Concat(same).SelectMany(r => r.Reports.Values.Concat(r.Engine?.Reports.Values ?? []))]));
            return 0;
        }
        Console.Out.WriteLine(MigrationBench.Summary(same));
        int runs = rows.Count * grid.Policies.Count + same.Count * grid.SameEncoderPolicies.Count;
        var engineTime = TimeSpan.FromTicks(rows.Concat(same).Sum(r => r.EngineTime.Ticks));
        Console.Out.WriteLine(engine
            ? string.Create(CultureInfo.InvariantCulture,
                $"{runs} migrations simulated and run on the real engine in {started.Elapsed.TotalSeconds:0.0} s ({engineTime.TotalSeconds:0.0} s of it the engine's, {engineTime.TotalSeconds / Math.Max(1, rows.Count + same.Count):0.0} s a row)")
            : string.Create(CultureInfo.InvariantCulture, $"{runs} simulated migrations in {started.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }

    /// <summary>
    /// The switchover's fixed costs on the real engine in real time: a 16 MiB idle guest migrated over loopback
    /// TCP five times; per run the downtime less what the simulation models itself (the last pages, the dirty-log
    /// sync and scan); the median.
    /// </summary>
    private static (TimeSpan Cost, string How) MeasureFixedSwitchover()
    {
        var setup = new RunSetup("idle", MigrationBench.Adaptive, 1e9, TimeSpan.Zero, 2, VirtualTime: false, Loopback: true);
        var parts = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var report = Migrate(16L << 20, setup).GetAwaiter().GetResult();
            if (!report.Completed || report.Switchover is not { } s) throw new UserInputException($"measuring the switchover over loopback failed: {report.Error}");
            parts.Add(s.TotalMs - s.LastPagesMs - s.DirtyLogSyncMs - s.DirtyScanMs);
        }
        parts.Sort();
        return (TimeSpan.FromMilliseconds(parts[parts.Count / 2]), string.Create(CultureInfo.InvariantCulture,
            $"median of 5 loopback migrations of 16 MiB: downtime less last pages and dirty-log sync; runs {string.Join(", ", parts.Select(p => p.ToString("0.###", CultureInfo.InvariantCulture)))} ms"));
    }

    /// <summary>The page encoder a policy's system ships with; the adaptive one is told the link's speed.</summary>
    internal static PageEncoderOptions EncoderFor(string policy, double bps, int channels) => MigrationBench.EncoderOptions(policy, bps, channels);

    internal static T Named<T>(Func<T> create, string option)
    {
        try
        {
            return create();
        }
        catch (ArgumentException ex)
        {
            throw new UserInputException($"{option}: {ex.Message.Split(" (Parameter")[0]}");
        }
    }

    internal static long ParseMemory(string text, string option)
    {
        text = text.Trim();
        if (text.Length == 0) throw new UserInputException($"{option}: empty memory size");
        long unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        string number = unit == 1 ? text : text[..^1];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0))
            throw new UserInputException($"{option}: '{text}' is not a memory size (64M, 1G)");
        double bytes = value * unit;
        if (bytes % MemoryImage.PageSize != 0 || bytes > MemoryImage.MaxMemoryBytes)
            throw new UserInputException($"{option}: {text} is not a whole number of {MemoryImage.PageSize}-byte pages");
        return (long)bytes;
    }

    private static double ParseLink(string text, string option)
    {
        if (!PathModel.TryParseBandwidth(text, out double bps)) throw new UserInputException($"{option}: '{text}' is not a bandwidth (100M, 1G, 10G)");
        if (PathModel.CheckBandwidth(bps) is string problem) throw new UserInputException($"{option}: {problem}");
        return bps;
    }
}
