using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using NetMobility.Capture;

namespace NetMobility.Benchmarks;

/// <summary>
/// <c>netmob decode</c> against what a user would run instead, <c>tshark -T ek</c> (Wireshark's newline-delimited JSON),
/// each as the program a user starts, on the same capture file: 100,000 frames cycling through the 31 of
/// captures/samples/mobility.pcap (ARP, ICMP, 802.1Q, Mobile IP registrations, GRE with IP, ICMP and TCP inside, two
/// malformed). One operation is one frame, process start included (spread over the frames). Output is read and thrown
/// away. tshark dissects every layer it knows and names more fields than netmob does: this measures what each tool
/// costs a user for the job, not the same work. Needs tshark (Debian's tshark package):
/// <c>dotnet run -c Release -- --filter '*DecodeAgainstTshark*' --job short --inProcess</c>.
/// </summary>
public class DecodeAgainstTsharkBenchmarks
{
    private const int Frames = 100_000;
    private string _file = "";

    [Params("netmob", "tshark")]
    public string Decoder { get; set; } = "netmob";

    [GlobalSetup]
    public void Setup()
    {
        string sample = FindSample();
        var frames = new List<(long Time, byte[] Data)>();
        using (var reader = CaptureReader.Open(File.OpenRead(sample), sample))
        {
            while (reader.TryRead(out var record) == CaptureReadResult.Record) frames.Add((record.TimestampNanoseconds, record.Data.ToArray()));
        }
        _file = Path.Combine(Path.GetTempPath(), $"netmob-decode-bench-{Environment.ProcessId}.pcap");
        using var writer = PcapWriter.Create(_file, LinkType.Ethernet);
        for (int i = 0; i < Frames; i++) writer.Write(frames[0].Time + i * 1_000L, frames[i % frames.Count].Data);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_file);

    [Benchmark(OperationsPerInvoke = Frames)]
    public long Decode()
    {
        var start = Decoder == "netmob"
            ? new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "netmob.dll"), "decode", _file])
            : new ProcessStartInfo("tshark", ["-r", _file, "-T", "ek"]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var errors = process.StandardError.ReadToEndAsync();
        long lines = 0;
        var buffer = new char[1 << 16];
        int read;
        while ((read = process.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
            lines += buffer.AsSpan(0, read).Count('\n');
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{start.FileName} exited with {process.ExitCode}: {errors.Result.Trim()}");
        // netmob writes one line a frame; tshark's ek writes an index line before each frame's line.
        long expected = Decoder == "netmob" ? Frames : 2L * Frames;
        if (lines != expected) throw new InvalidOperationException($"{Decoder} wrote {lines} lines for {Frames} frames");
        return lines;
    }

    private static string FindSample()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "captures", "samples", "mobility.pcap");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("captures/samples/mobility.pcap not found above the benchmark's folder");
    }
}
