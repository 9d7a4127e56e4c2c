using System.Security.Cryptography;
using System.Text;
using NetMobility.Cli;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Cli;

/// <summary>
/// Random bytes and random mutations of valid captures, configurations and option values, fed to every command of
/// the real netmob process under an address-space limit (<c>ulimit -v</c>) and a time bound. Whatever comes in, the
/// process ends with exit 0, or 2 with one line on stderr (the scenario's outcomes 1 and 3 are results, not
/// errors), within the bound, and no file that was there before changes unless it is the output the command named.
/// Seeded and reproducible: NETMOB_PROPERTY_SEED and NETMOB_PROPERTY_CASES (default 200, about half a minute).
/// </summary>
public sealed class BadInputPropertyTests : IDisposable
{
    private const int AddressSpaceKiB = 4_000_000;
    private const int TimeBoundSeconds = 60;

    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("NETMOB_PROPERTY_CASES"), out var n) ? n : 200;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("NETMOB_PROPERTY_SEED"), out var s) ? s : 20261202;

    private static readonly string[] Captures =
    [
        RepositoryFiles.Path("captures", "samples", "mobility.pcap"),
        RepositoryFiles.Path("captures", "replay", "home-agent", "in.pcap"),
        RepositoryFiles.Path("captures", "replay", "gre-router", "in.pcapng"),
    ];

    private static readonly string[] ReplayCases = ["home-agent", "foreign-agent", "gre-router", "gre-endpoint", "ipip-endpoint", "gretap-endpoint"];

    private readonly string _root = Directory.CreateTempSubdirectory("netmob-property-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>One run: the arguments, the files it may write, and the exit codes that are results rather than errors.</summary>
    private sealed record Case(string Description, string[] Arguments, string? NamedOutput, int[] Results);

    [Fact]
    public void Any_input_ends_in_exit_0_or_2_with_one_line_and_changes_no_file_it_was_not_told_to()
    {
        var failures = new List<string>();
        Parallel.For(0, Cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var rng = new Random(HashCode.Combine(Seed, i));
            string dir = Path.Combine(_root, $"case-{i}");
            Directory.CreateDirectory(dir);
            var @case = Generate(rng, dir, i);
            var before = Snapshot(dir);
            var problem = Check(@case, before, dir);
            if (problem is not null)
                lock (failures) failures.Add($"case {i} (seed {Seed}) {@case.Description}: netmob {string.Join(' ', @case.Arguments.Select(Quote))}\n  {problem}");
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string? Check(Case @case, Dictionary<string, string> before, string dir)
    {
        string script = $"ulimit -v {AddressSpaceKiB} && cd \"$1\" && shift && exec dotnet \"$@\"";
        ExternalProcess.Result result;
        try
        {
            result = ExternalProcess.Run("bash", ["-c", script, "netmob", dir, Netmob.Dll, .. @case.Arguments], timeoutSeconds: TimeBoundSeconds);
        }
        catch (TimeoutException)
        {
            return $"did not finish within {TimeBoundSeconds} s";
        }
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (result.ExitCode == 2)
        {
            if (lines.Length != 1 || !lines[0].StartsWith("netmob: ", StringComparison.Ordinal))
                return $"exit 2 with {lines.Length} line(s) on stderr: {result.StandardError}";
        }
        else if (result.ExitCode == 0 || @case.Results.Contains(result.ExitCode))
        {
            // A scenario that ran shows its progress on stderr, in plain lines of their own.
            if (lines.Any(l => !l.StartsWith(ScenarioProgressView.PlainPrefix, StringComparison.Ordinal)))
                return $"exit {result.ExitCode} with stderr: {result.StandardError}";
        }
        else
        {
            return $"exit {result.ExitCode}: {result.StandardError}";
        }
        var allowed = @case.NamedOutput is string named ? Resolve(Path.Combine(dir, named)) : null;
        foreach (var (path, hash) in before)
        {
            if (path == allowed) continue;
            if (!File.Exists(path)) return $"{path} existed before and is gone";
            if (Hash(path) != hash) return $"{path} existed before and changed";
        }
        var partial = Directory.GetFiles(dir, "*.partial", SearchOption.AllDirectories);
        if (partial.Length > 0) return $"left a temporary file behind: {partial[0]}";
        return null;
    }

    private static Case Generate(Random rng, string dir, int index) => (index % 6) switch
    {
        0 => Decode(rng, dir),
        1 or 2 => Replay(rng, dir),
        3 => Scenario(rng),
        4 => Migrate(rng),
        _ => Arguments(rng),
    };

    private static Case Decode(Random rng, string dir)
    {
        string kind;
        byte[] bytes;
        switch (rng.Next(4))
        {
            case 0:
                kind = "random bytes";
                bytes = new byte[rng.Next(0, 600)];
                rng.NextBytes(bytes);
                break;
            case 1:
                kind = "random bytes after a capture's magic";
                bytes = [.. File.ReadAllBytes(Captures[rng.Next(Captures.Length)]).AsSpan(0, 4), .. RandomBytes(rng, rng.Next(0, 400))];
                break;
            default:
                kind = "a mutated capture";
                bytes = MutateBytes(rng, File.ReadAllBytes(Captures[rng.Next(Captures.Length)]));
                break;
        }
        File.WriteAllBytes(Path.Combine(dir, "in.pcap"), bytes);
        return new Case($"decode of {kind}", ["decode", "in.pcap"], null, []);
    }

    private static Case Replay(Random rng, string dir)
    {
        string name = ReplayCases[rng.Next(ReplayCases.Length)];
        string folder = RepositoryFiles.Path("captures", "replay", name);
        string input = Directory.GetFiles(folder, "in.*").Single();
        string inName = "in" + Path.GetExtension(input);
        var captureBytes = File.ReadAllBytes(input);
        string configText = File.ReadAllText(Path.Combine(folder, "config.json"));
        string what;
        switch (rng.Next(5))
        {
            case 0:
                what = "a mutated capture";
                captureBytes = MutateBytes(rng, captureBytes);
                break;
            case 1:
                what = "a configuration of random bytes";
                configText = Encoding.Latin1.GetString(RandomBytes(rng, rng.Next(0, 300)));
                break;
            case 2:
                what = "a configuration with its text mutated";
                configText = Encoding.Latin1.GetString(MutateBytes(rng, Encoding.UTF8.GetBytes(configText)));
                break;
            default:
                what = "a configuration with a value mutated";
                configText = JsonMutator.Mutate(rng, configText);
                break;
        }
        File.WriteAllBytes(Path.Combine(dir, inName), captureBytes);
        File.WriteAllText(Path.Combine(dir, "config.json"), configText, Encoding.Latin1);
        File.WriteAllText(Path.Combine(dir, "bystander.pcap"), "a file nobody named");
        string output = rng.Next(6) switch
        {
            0 => inName,                      // the input itself: refused
            1 => "config.json",               // the configuration: refused
            2 => "old-output.pcapng",         // there before, and named: may be replaced
            3 => Path.Combine("missing", "out.pcap"),
            4 => "out.txt",
            _ => rng.Next(2) == 0 ? "out.pcap" : "out.pcapng",
        };
        if (output == "old-output.pcapng") File.WriteAllText(Path.Combine(dir, output), "the previous output");
        return new Case($"replay {name} with {what}, output {output}", ["replay", inName, "--config", "config.json", "--out", output], output, []);
    }

    private static readonly string[] OddValues =
    [
        "", " ", "0", "-1", "1e-300", "1e300", "-1e300", "NaN", "Infinity", "-0", "2147483648", "99999999999999999999", "0x10",
        "1e-12", "abc", "a\nb", "\u001b[2J", "@/dev/zero", "--", "-", "1K", "1", "0.5", "8T", "3K", "1.5", "1e3", "\u2028",
    ];

    private static Case Scenario(Random rng)
    {
        string[] options = ["--memory", "--workload", "--policy", "--compression", "--channels", "--wan", "--latency-ms", "--loss", "--reordering",
            "--encapsulation", "--rate", "--payload", "--after-ms", "--seed", "--capture"];
        var arguments = new List<string> { "scenario", "run", "--memory", "1M", "--rate", "10" };
        int count = 1 + rng.Next(2);
        for (int i = 0; i < count; i++) arguments.AddRange([options[rng.Next(options.Length)], OddValues[rng.Next(OddValues.Length)]]);
        // A valid scenario may end with a migration that failed (1) or a VM cut off on a lossy WAN (3): results, not errors.
        return new Case("scenario run with odd values", [.. arguments], null, [1, 3]);
    }

    private static Case Migrate(Random rng)
    {
        if (rng.Next(3) == 0)
        {
            // The bench is minutes of work when its values are good: only values it must refuse.
            string[] refused = ["", "0", "-1", "1e-300", "abc", "a\nb", "3K", "8T", "1e300", "1K", "NaN"];
            var option = rng.Next(3) switch { 0 => "--sizes", 1 => "--links", _ => "--channels" };
            return new Case("migrate bench with a value it refuses", ["migrate", "bench", "--quick", option, refused[rng.Next(refused.Length)]], null, []);
        }
        string[] options = ["--memory", "--workload", "--policy", "--link", "--latency-ms", "--channels", "--repeat"];
        var arguments = new List<string> { "migrate", "run", "--virtual-time", "--memory", "1M" };
        int count = 1 + rng.Next(2);
        for (int i = 0; i < count; i++)
        {
            string option = options[rng.Next(options.Length)];
            string value = OddValues[rng.Next(OddValues.Length)];
            // Good but large values are minutes of honest work, not bad input: keep runs small.
            if (option == "--repeat" && int.TryParse(value, out int repeat) && repeat > 3) value = "3";
            if (option == "--memory" && value is "1e3") value = "4K";
            arguments.AddRange([option, value]);
        }
        // A migration that did not complete reports it with exit 1.
        return new Case("migrate run with odd values", [.. arguments], null, [1]);
    }

    private static Case Arguments(Random rng)
    {
        string[] words = ["decode", "replay", "scenario", "run", "migrate", "bench", "--json", "--help", "frobnicate", "@cap.pcapng", "--config",
            "--out", "--memory", "-x", "--", "\u0007", "a\tb"];
        var arguments = new List<string>();
        int count = rng.Next(0, 5);
        for (int i = 0; i < count; i++) arguments.Add(rng.Next(4) == 0 ? OddValues[rng.Next(OddValues.Length)] : words[rng.Next(words.Length)]);
        // Whatever the words, no run is long: a scenario or migration that parses gets small settings.
        if (arguments.Contains("scenario") || arguments.Contains("migrate")) arguments.AddRange(["--memory", "1M"]);
        if (arguments.Contains("bench")) arguments.Add("--sizes=abc");
        if (arguments.Contains("migrate") && arguments.Contains("run")) arguments.Add("--virtual-time");
        return new Case("odd arguments", [.. arguments], null, [1, 3]);
    }

    private static byte[] MutateBytes(Random rng, byte[] bytes)
    {
        var list = new List<byte>(bytes);
        int edits = 1 + rng.Next(8);
        for (int e = 0; e < edits; e++)
        {
            switch (rng.Next(5))
            {
                case 0 when list.Count > 0:
                    list[rng.Next(list.Count)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when list.Count > 0:
                    list[rng.Next(list.Count)] = (byte)rng.Next(256);
                    break;
                case 2 when list.Count > 0:
                    int at = rng.Next(list.Count);
                    list.RemoveRange(at, Math.Min(list.Count - at, 1 + rng.Next(16)));
                    break;
                case 3:
                    list.InsertRange(rng.Next(list.Count + 1), RandomBytes(rng, 1 + rng.Next(16)));
                    break;
                default:
                    list = list.GetRange(0, rng.Next(list.Count + 1));
                    break;
            }
        }
        return [.. list];
    }

    private static byte[] RandomBytes(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(p => p, Hash);

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static string Resolve(string path) =>
        new FileInfo(path) is { LinkTarget: not null } link ? link.ResolveLinkTarget(true)!.FullName : Path.GetFullPath(path);

    private static string Quote(string argument) => argument.Length == 0 || argument.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
        ? $"'{argument.Replace("\n", "\\n").Replace("\t", "\\t")}'"
        : argument;
}
