using System.Globalization;

namespace NetMobility.Tests.Interop;

/// <summary>
/// Wireshark's command-line tools (Debian packages tshark and wireshark-common) as the independent decoder
/// no one here wrote: field extraction and problem reports for captures, and plain runs of tshark, editcap
/// and mergecap. A run that exits non-zero or outlives its timeout fails the test with the tool's stderr.
/// </summary>
public static class Tshark
{
    public const string Program = "/usr/bin/tshark";
    public const string TsharkPath = Program;
    public const string EditcapPath = "/usr/bin/editcap";
    public const string MergecapPath = "/usr/bin/mergecap";

    /// <summary>Preferences used for every field run: absolute TCP sequence numbers, every checksum validated.</summary>
    private static readonly string[] Preferences =
    [
        "-o", "tcp.relative_sequence_numbers:FALSE",
        "-o", "ip.check_checksum:TRUE",
        "-o", "udp.check_checksum:TRUE",
        "-o", "tcp.check_checksum:TRUE",
    ];

    /// <summary>
    /// The values of <paramref name="fieldNames"/> per frame: for each frame, each field's occurrences
    /// (outer first), normalised so that they compare with netmob's NDJSON values (see <see cref="Normalise"/>).
    /// </summary>
    public static List<Dictionary<string, string[]>> Fields(string capture, IReadOnlyList<string> fieldNames)
    {
        var args = new List<string> { "-r", capture, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", "-E", "separator=\t" };
        args.AddRange(Preferences);
        foreach (var f in fieldNames) { args.Add("-e"); args.Add(f); }
        var output = ExternalProcess.RunChecked(Program, args);
        var frames = new List<Dictionary<string, string[]>>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var columns = line.Split('\t');
            var frame = new Dictionary<string, string[]>(StringComparer.Ordinal);
            for (int i = 0; i < fieldNames.Count && i < columns.Length; i++)
                if (columns[i].Length > 0)
                    frame[fieldNames[i]] = columns[i].Split('|').Select(Normalise).ToArray();
            frames.Add(frame);
        }
        return frames;
    }

    /// <summary>Frames tshark flags as malformed or with an expert warning/error (checksums among them), as "frame: text".</summary>
    public static List<string> Problems(string capture)
    {
        var args = new List<string> { "-r", capture, "-T", "fields", "-e", "frame.number", "-e", "_ws.malformed", "-e", "_ws.expert.severity", "-e", "_ws.expert.message", "-E", "occurrence=a" };
        args.AddRange(Preferences);
        var problems = new List<string>();
        foreach (var line in ExternalProcess.RunChecked(Program, args).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var c = line.Split('\t');
            bool malformed = c.Length > 1 && c[1].Length > 0;
            // Expert severities: 0x00400000 warning, 0x00800000 error (epan/proto.h PI_WARN, PI_ERROR).
            bool severe = c.Length > 2 && c[2].Split(',').Any(s => s is "8388608" or "4194304" or "0x00800000" or "0x00400000");
            if (malformed || severe) problems.Add($"{c[0]}: {(c.Length > 3 ? c[3] : "malformed")}");
        }
        return problems;
    }

    /// <summary>Hex ("0x0800") to decimal, booleans (True/False) to 1/0, addresses lower-case.</summary>
    public static string Normalise(string value)
    {
        if (value.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(value.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
            return hex.ToString(CultureInfo.InvariantCulture);
        if (value is "True") return "1";
        if (value is "False") return "0";
        return value.ToLowerInvariant();
    }

    /// <summary>Runs tshark with <paramref name="arguments"/>; returns its stdout.</summary>
    public static string Run(params string[] arguments) => RunTool(TsharkPath, arguments);

    /// <summary>Runs one of the Wireshark tools by path; returns its stdout, failing the test on a non-zero exit.</summary>
    public static string RunTool(string path, params string[] arguments) => ExternalProcess.RunChecked(path, arguments);
}
