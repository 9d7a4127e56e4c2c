using NetMobility.Capture;
using NetMobility.Configuration;
using NetMobility.Files;
using NetMobility.Runtime;

namespace NetMobility.Replay;

/// <summary>What one replay did.</summary>
public sealed record ReplaySummary(long FramesIn, long FramesOut, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// Runs a capture through a node or tunnel endpoint on a virtual clock: <c>netmob replay</c>, and the replay
/// tests, go through <see cref="Run"/>. Each frame is injected at its captured time, after every timer due by
/// then has fired; after the last frame the clock runs on for the configuration's <c>settleMs</c> so that
/// timers still pending (a GRE receive window's OUTOFORDER_TIMER, ARP retries) can act. Frames the target
/// emits are written with the virtual time at which they leave.
/// </summary>
public static class Replayer
{
    /// <summary>How long the clock runs on after the last frame when the configuration does not say.</summary>
    public static readonly TimeSpan DefaultSettle = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan MaxSettle = TimeSpan.FromHours(1);

    /// <summary>
    /// How long after a frame the clock runs with every timer at its own time when the next frame is further off;
    /// the rest of such a gap is slept through (<see cref="Simulation.JumpTo"/>): each timer due in it fires once
    /// when the next frame comes, and re-arms from there, as a daemon's timers do after its machine slept.
    /// </summary>
    public static readonly TimeSpan DefaultGap = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan MaxGap = TimeSpan.FromHours(1);

    /// <summary>The largest output written when the configuration does not say: far above any replay case, and a bound on a runaway one.</summary>
    public const long DefaultMaxOutputBytes = 1L << 30;

    /// <summary>
    /// Replays <paramref name="inputPath"/> into the target <paramref name="configPath"/> describes and writes
    /// <paramref name="outputPath"/> (.pcap or .pcapng). Bad configuration: <see cref="ConfigException"/>;
    /// an unreadable capture: <see cref="CaptureFormatException"/>; a frame the target cannot take or a bad
    /// output path: <see cref="ReplayException"/>. The output is written beside <paramref name="outputPath"/> and
    /// takes its place only when the replay succeeds: after a failure, whatever was there before is still there.
    /// An output that is the input or the configuration (the same file, by any name) is refused before anything is read.
    /// A node's <c>roles</c> are looked up in <paramref name="roles"/>.
    /// </summary>
    public static ReplaySummary Run(string inputPath, string configPath, string outputPath, ReplayRoles roles)
    {
        if (FileIdentity.Same(outputPath, inputPath))
            throw new ReplayException($"{outputPath}: is the input capture {inputPath} (the same file); write the output to another file");
        if (FileIdentity.Same(outputPath, configPath))
            throw new ReplayException($"{outputPath}: is the configuration {configPath} (the same file); write the output to another file");
        var config = ConfigElement.Load(configPath);
        config.AllowOnly("node", "tunnel", "settleMs", "gapMs", "maxOutputBytes");
        if (config.Has("node") == config.Has("tunnel")) throw config.Error("needs exactly one of \"node\" and \"tunnel\"");
        var settle = config.TryGet("settleMs", out var s) ? s.AsMilliseconds(MaxSettle) : DefaultSettle;
        var gap = config.TryGet("gapMs", out var g) ? g.AsMilliseconds(MaxGap) : DefaultGap;
        long maxOutputBytes = config.TryGet("maxOutputBytes", out var m) ? m.AsInteger(1024, 1L << 40) : DefaultMaxOutputBytes;

        using var reader = CaptureReader.Open(inputPath);
        // The clock starts at the first frame's time, so that whatever the target schedules when it is built
        // (an agent's first advertisement, say) falls due at the start of the capture.
        bool any = reader.Read(out var record);
        var start = any ? record.Timestamp : DateTimeOffset.UnixEpoch;
        var simulation = new Simulation(new ManualTimeProvider(start));
        using IReplayTarget target = config.TryGet("node", out var node)
            ? ReplayNode.Build(node, simulation.Loop, roles)
            : ReplayEndpoint.Build(config.Get("tunnel"), simulation.Loop);
        CaptureOutput.FormatFor(outputPath, target.Interfaces);
        using var staged = CreateOutput(outputPath);
        var output = CaptureOutput.Create(outputPath, staged.Stream, maxOutputBytes, target.Interfaces, simulation.Clock);
        target.Output = output;

        long frames = 0;
        while (any)
        {
            frames++;
            if (record.Timestamp - simulation.Now > gap)
            {
                simulation.RunFor(gap);
                simulation.JumpTo(record.Timestamp);
            }
            simulation.RunUntil(record.Timestamp);
            if (record.InterfaceIndex >= target.Interfaces.Count)
                throw new ReplayException($"{inputPath}: frame {frames}: capture interface {record.InterfaceIndex} has no counterpart (the target has {target.Interfaces.Count})");
            if (target.Inject(record.InterfaceIndex, record.LinkType, record.Data.Span) is string refusal)
                throw new ReplayException($"{inputPath}: frame {frames}: {refusal}");
            simulation.RunUntilIdle();
            any = reader.Read(out record);
        }
        simulation.RunFor(settle);
        output.Dispose();
        try
        {
            staged.Commit();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ReplayException($"{outputPath}: cannot write: {ex.Message}");
        }
        return new ReplaySummary(frames, output.FramesWritten, start, simulation.Now);
    }

    private static StagedFile CreateOutput(string path)
    {
        try
        {
            return StagedFile.Create(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ReplayException(ex.Message);
        }
    }
}
