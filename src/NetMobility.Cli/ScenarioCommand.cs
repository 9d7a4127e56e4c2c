using System.CommandLine;
using System.Globalization;
using NetMobility.Migration;
using NetMobility.Migration.Transports;
using NetMobility.Mobility;
using NetMobility.Scenario;
using NetMobility.Tunnels;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob scenario run</c>: the whole mission in one command. A VM on its home subnet talks with a correspondent
/// while its memory live-migrates across a WAN to a host on another subnet; it resumes there, keeps its address
/// and its flows through Mobile IPv4, and the report says what it took. Runs in virtual time, in a few seconds.
/// </summary>
public static class ScenarioCommand
{
    public static Command Create()
    {
        var scenario = new Command("scenario", "live-migrate a VM across a WAN with its network: memory, handover, tunnels, in virtual time");
        scenario.Subcommands.Add(CreateRun());
        return scenario;
    }

    private static Command CreateRun()
    {
        var defaults = new ScenarioOptions();
        var memory = new Option<string>("--memory") { Description = "the VM's memory (64M, 128M, 1G)", DefaultValueFactory = _ => $"{defaults.MemoryBytes >> 20}M" };
        var workload = new Option<string>("--workload") { Description = "idle, web, uniform or scan", DefaultValueFactory = _ => defaults.Workload };
        var policy = new Option<string>("--policy") { Description = "xen-legacy, xen-v2, qemu, qemu-ac or adaptive", DefaultValueFactory = _ => defaults.Policy };
        var compression = new Option<string>("--compression") { Description = "auto (as the policy's system), off, lz4, zstd or deflate", DefaultValueFactory = _ => "auto" };
        var channels = new Option<int>("--channels") { Description = "parallel connections of the page stream", DefaultValueFactory = _ => defaults.Channels };
        var wan = new Option<string>("--wan") { Description = "WAN bandwidth in bit/s (10M, 100M, 1G)", DefaultValueFactory = _ => "100M" };
        var latency = new Option<double>("--latency-ms") { Description = "one-way WAN latency between the sites, ms", DefaultValueFactory = _ => defaults.WanLatency.TotalMilliseconds };
        var loss = new Option<double>("--loss") { Description = "probability a frame is lost on each WAN leg (0 to 1)" };
        var reordering = new Option<double>("--reordering") { Description = "probability a frame overtakes those in flight on each WAN leg (0 to 1)" };
        var encapsulation = new Option<string>("--encapsulation") { Description = "gre, ipip or minimal", DefaultValueFactory = _ => "gre" };
        var noReverse = new Option<bool>("--no-reverse-tunnel") { Description = "register without reverse tunnelling; the correspondent's router then filters no ingress" };
        var bulkRate = new Option<string>("--bulk") { Description = "rate the correspondent writes its bulk TCP stream to the VM at, bit/s (10M)", DefaultValueFactory = _ => "10M" };
        var request = new Option<int>("--request") { Description = "octets of each request to the VM", DefaultValueFactory = _ => defaults.RequestBytes };
        var response = new Option<int>("--response") { Description = "octets of each response from the VM", DefaultValueFactory = _ => defaults.ResponseBytes };
        var think = new Option<double>("--think-ms") { Description = "time between a response and the next request, ms", DefaultValueFactory = _ => defaults.ThinkTime.TotalMilliseconds };
        var pingEvery = new Option<double>("--ping-ms") { Description = "interval of the correspondent's pings to the VM, ms", DefaultValueFactory = _ => defaults.PingInterval.TotalMilliseconds };
        var after = new Option<double>("--after-ms") { Description = "how long the flows run on after the VM resumes, ms", DefaultValueFactory = _ => defaults.After.TotalMilliseconds };
        var back = new Option<bool>("--back") { Description = "after the move, migrate the VM back to its home host (home -> foreign -> home); moving home deregisters" };
        var failVerification = new Option<bool>("--fail-verification") { Description = "corrupt a page at the destination: the migration fails and the VM stays home" };
        var capture = new Option<string?>("--capture") { Description = "write home.pcapng, wan.pcapng, foreign.pcapng and correspondent.pcapng into this directory" };
        var seed = new Option<int>("--seed") { Description = "seed of the memory contents, the workload and the WAN", DefaultValueFactory = _ => defaults.Seed };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var outDir = new Option<string>("--out") { Description = $"write the SVG timeline ({TimelineFile}) into this directory", DefaultValueFactory = _ => DefaultOutDirectory };
        var noSvg = new Option<bool>("--no-svg") { Description = "write no SVG timeline" };
        var vms = new Option<int>("--vms")
        {
            Description = $"evacuate this many VMs from the home host at once (1 to {ScenarioVm.MaxVms}); with more than one, --memory is per VM "
                + $"({EvacuationMemoryDefault >> 20}M unless given), each VM serves a request session, and no SVG timeline is written",
            DefaultValueFactory = _ => 1,
        };
        var run = new Command("run", "run one live migration with its handover and print the report");
        foreach (var o in new Option[] { memory, workload, policy, compression, channels, wan, latency, loss, reordering, encapsulation, noReverse, bulkRate, request, response, think, pingEvery, after,
                     failVerification, back, capture, seed, json, outDir, noSvg, vms })
            run.Options.Add(o);
        run.SetAction(pr =>
        {
            int count = pr.GetValue(vms);
            if (EvacuationScenario.ValidateCount(count) is string bad) throw new UserInputException("--" + bad);
            var options = new ScenarioOptions
            {
                MemoryBytes = ParseMemory(pr.GetValue(memory)!),
                Workload = pr.GetValue(workload)!,
                Policy = pr.GetValue(policy)!,
                Compression = ParseCompression(pr.GetValue(compression)!),
                Channels = pr.GetValue(channels),
                WanBitsPerSecond = PathModel.TryParseBandwidth(pr.GetValue(wan)!, out double bps)
                    ? bps : throw new UserInputException($"--wan: '{pr.GetValue(wan)}' is not a bandwidth (10M, 100M, 1G)"),
                WanLatency = Milliseconds(pr.GetValue(latency), "--latency-ms"),
                WanLoss = pr.GetValue(loss),
                WanReordering = pr.GetValue(reordering),
                Encapsulation = ParseEncapsulation(pr.GetValue(encapsulation)!),
                ReverseTunnel = !pr.GetValue(noReverse),
                BulkBitsPerSecond = PathModel.TryParseBandwidth(pr.GetValue(bulkRate)!, out double bulkBps)
                    ? bulkBps : throw new UserInputException($"--bulk: '{pr.GetValue(bulkRate)}' is not a rate (1M, 10M)"),
                RequestBytes = pr.GetValue(request),
                ResponseBytes = pr.GetValue(response),
                ThinkTime = Milliseconds(pr.GetValue(think), "--think-ms"),
                PingInterval = Milliseconds(pr.GetValue(pingEvery), "--ping-ms"),
                After = Milliseconds(pr.GetValue(after), "--after-ms"),
                FailVerification = pr.GetValue(failVerification),
                Back = pr.GetValue(back),
                CaptureDirectory = pr.GetValue(capture),
                Seed = pr.GetValue(seed),
            };
            if (count > 1)
            {
                if (pr.GetResult(memory) is null or { Implicit: true }) options = options with { MemoryBytes = EvacuationMemoryDefault };
                return RunEvacuation(options, count, pr.GetValue(json), Console.Out);
            }
            return Run(options, pr.GetValue(json), Console.Out, pr.GetValue(noSvg) ? null : pr.GetValue(outDir),
                Console.Error, liveProgress: !Console.IsErrorRedirected);
        });
        return run;
    }

    /// <summary>Exit code when the migration failed and the VM stayed home.</summary>
    public const int StayedHome = 1;

    /// <summary>Exit code when the VM moved but no registration made it reachable (2 is bad input, as everywhere).</summary>
    public const int MovedUnreachable = 3;

    /// <summary>Where <c>--out</c> puts the SVG timeline unless told otherwise, relative to the working directory.</summary>
    public const string DefaultOutDirectory = "scenario-out";

    /// <summary>The SVG timeline's file name in the output directory.</summary>
    public const string TimelineFile = "timeline.svg";

    /// <summary>
    /// Runs the scenario and prints its report; exit code 0 when the VM moved and is reachable, <see cref="StayedHome"/>
    /// when the migration failed, <see cref="MovedUnreachable"/> when it moved but is cut off. With
    /// <paramref name="svgDirectory"/>, the SVG timeline goes there as <see cref="TimelineFile"/>; with
    /// <paramref name="progress"/>, the live view goes there (a panel rewritten in place when <paramref name="liveProgress"/>,
    /// plain lines otherwise).
    /// </summary>
    public static int Run(ScenarioOptions options, bool json, TextWriter output, string? svgDirectory = null, TextWriter? progress = null,
        bool liveProgress = false)
    {
        if (options.Validate() is string problem) throw new UserInputException(OptionNamed(problem));
        if (MemoryFit.Check(options.MemoryBytes) is string fit) throw new UserInputException($"--memory: {fit}");
        if (options.CaptureDirectory is string directory) CreateDirectory(directory, "--capture");
        if (svgDirectory is not null) CreateDirectory(svgDirectory, "--out");
        var timeline = new ScenarioTimeline();
        ScenarioReport report;
        using (progress is null ? null : new ScenarioProgressView(timeline, progress, liveProgress, width: liveProgress ? ScenarioProgressView.TerminalWidth : null))
            report = new LiveMigrationScenario(options) { Timeline = timeline }.RunAsync().GetAwaiter().GetResult();
        if (svgDirectory is not null)
        {
            string path = Path.Combine(svgDirectory, TimelineFile);
            try
            {
                ScenarioTimelineSvg.Write(timeline, path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UserInputException($"--out: {path}: {ex.Message}");
            }
            report.TimelineSvg = path;
        }
        output.Write(json ? ScenarioReportJson.Serialize(report) + Environment.NewLine : ScenarioReportText.Format(report));
        return report.Outcome switch
        {
            ScenarioReport.Moved => 0,
            ScenarioReport.StayedHome => StayedHome,
            _ => MovedUnreachable,
        };
    }

    /// <summary>Each VM's memory in an evacuation unless --memory says otherwise: small, so fifty VMs run in seconds.</summary>
    public const long EvacuationMemoryDefault = 4L << 20;

    /// <summary>
    /// Evacuates <paramref name="vms"/> VMs from the home host at once and prints the report; exit code 0 when every VM
    /// moved and is reachable, <see cref="StayedHome"/> when some VM stayed home, <see cref="MovedUnreachable"/> when
    /// all moved but some is cut off.
    /// </summary>
    public static int RunEvacuation(ScenarioOptions options, int vms, bool json, TextWriter output)
    {
        if (EvacuationScenario.ValidateCount(vms) is string count) throw new UserInputException("--" + count);
        if (options.Validate() is string problem) throw new UserInputException(OptionNamed(problem));
        if (options.Back) throw new UserInputException("--back: the move back home is for one VM (--vms 1)");
        if (MemoryFit.Check(options.MemoryBytes * vms) is string fit) throw new UserInputException($"--memory: {vms} VMs of {options.MemoryBytes >> 20} MiB: {fit}");
        if (options.CaptureDirectory is string directory) CreateDirectory(directory, "--capture");
        var report = new EvacuationScenario(options, vms).RunAsync().GetAwaiter().GetResult();
        output.Write(json ? EvacuationReportJson.Serialize(report) + Environment.NewLine : EvacuationReportText.Format(report));
        return report.Vms.Any(v => v.Outcome == ScenarioReport.StayedHome) ? StayedHome
            : report.Outcome == EvacuationReport.Evacuated ? 0 : MovedUnreachable;
    }

    private static void CreateDirectory(string directory, string option)
    {
        if (string.IsNullOrWhiteSpace(directory)) throw new UserInputException($"{option}: an empty directory name");
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserInputException($"{option}: {directory}: {ex.Message}");
        }
    }

    /// <summary>A validation message names the setting; on the command line it names the option.</summary>
    private static string OptionNamed(string problem)
    {
        int colon = problem.IndexOf(':');
        string setting = colon < 0 ? "" : problem[..colon];
        string? option = setting switch
        {
            "memory" => "--memory",
            "workload" => "--workload",
            "policy" => "--policy",
            "channels" => "--channels",
            "WAN bandwidth" => "--wan",
            "WAN latency" => "--latency-ms",
            "WAN loss" => "--loss",
            "WAN reordering" => "--reordering",
            "bulk rate" => "--bulk",
            "request" => "--request",
            "response" => "--response",
            "think time" => "--think-ms",
            "ping interval" => "--ping-ms",
            _ => null,
        };
        return option is null ? problem : option + problem[colon..];
    }

    private static long ParseMemory(string text)
    {
        text = text.Trim();
        long unit = text.Length == 0 ? 1 : char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        string number = unit == 1 ? text : text[..^1];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0)
            || value * unit % MemoryImage.PageSize != 0 || value * unit > MemoryImage.MaxMemoryBytes)
            throw new UserInputException($"--memory: '{text}' is not a memory size of whole {MemoryImage.PageSize}-byte pages (64M, 128M, 1G)");
        return (long)(value * unit);
    }

    private static PageCompression ParseCompression(string text) => text switch
    {
        "auto" => PageCompression.Auto,
        "off" => PageCompression.Off,
        "lz4" => PageCompression.Lz4,
        "zstd" => PageCompression.Zstd,
        "deflate" => PageCompression.Deflate,
        _ => throw new UserInputException($"--compression: unknown compression '{text}' (expected auto, off, lz4, zstd or deflate)"),
    };

    private static TunnelKind ParseEncapsulation(string text) =>
        MobileIpEncapsulation.TryParse(text, out var kind) ? kind
        : throw new UserInputException($"--encapsulation: unknown encapsulation '{text}' (expected {MobileIpEncapsulation.Names})");

    private static TimeSpan Milliseconds(double value, string option) =>
        value is >= 0 and <= 600_000 ? TimeSpan.FromMilliseconds(value) : throw new UserInputException($"{option}: {value} is not a time from 0 to 600000 ms");
}
