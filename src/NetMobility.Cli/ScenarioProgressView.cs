using System.Globalization;
using NetMobility.Migration.Reports;
using NetMobility.Scenario;

namespace NetMobility.Cli;

/// <summary>
/// The progress of <c>scenario run</c> on stderr while it runs, driven by the timeline's samples on the virtual clock
/// and shown at a bounded real-time rate: on a terminal a panel rewritten in place four times a second (the memory
/// migration as <see cref="ProgressLine"/> shows it, then a line per session), otherwise one plain line a second,
/// starting <c>scenario t=</c> (logs, pipes, tests). A sample that comes sooner costs a clock read and nothing else.
/// Disposing shows the final state once.
/// </summary>
internal sealed class ScenarioProgressView : IDisposable
{
    /// <summary>What every plain line starts with, so a reader of stderr can tell progress from an error.</summary>
    public const string PlainPrefix = "scenario t=";

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private readonly ScenarioTimeline _timeline;
    private readonly TextWriter _error;
    private readonly bool _live;
    private readonly TimeProvider _realTime;
    private readonly Func<int> _width;
    private readonly long _interval;
    private readonly object _gate = new();
    private long _shownAt;
    private bool _shown;
    private int _lines;

    public ScenarioProgressView(ScenarioTimeline timeline, TextWriter error, bool live, TimeProvider? realTime = null, Func<int>? width = null)
    {
        _timeline = timeline;
        _error = error;
        _live = live;
        _realTime = realTime ?? TimeProvider.System;
        _width = width ?? (() => 0);
        _interval = (long)((live ? 0.25 : 1.0) * _realTime.TimestampFrequency);
        timeline.Sampled += OnSampled;
    }

    /// <summary>The width of the terminal on stderr, or 0 when it cannot be told.</summary>
    public static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException)
        {
            return 0;
        }
    }

    private void OnSampled(ScenarioTimeline timeline)
    {
        long now = _realTime.GetTimestamp();
        lock (_gate)
        {
            if (_shown && now - _shownAt < _interval) return;
            _shownAt = now;
            _shown = true;
            Show();
        }
    }

    /// <summary>
    /// The panel's lines: virtual time and the memory migration, then one per session and the pings; names padded
    /// into a column on a terminal, not in a plain line.
    /// </summary>
    public static List<string> Lines(ScenarioTimeline t, bool padded)
    {
        int column = padded ? -9 : 0;
        var lines = new List<string>
        {
            string.Create(C, $"{t.Elapsed.TotalSeconds:0.000} s (virtual)"),
            string.Format(C, $"{{0,{column}}} {{1}}", "memory", Memory(t)),
        };
        foreach (var s in t.Sessions)
            lines.Add(string.Format(C, $"{{0,{column}}} {{1}} delivered, {{2}} retransmitted", s.Name, ReportText.Bytes(s.BytesDelivered), s.Retransmissions)
                + (s.LastLatency is TimeSpan l ? string.Create(C, $", last request {l.TotalMilliseconds:0.0} ms") : ""));
        lines.Add(string.Format(C, $"{{0,{column}}} {{1}} replies", "ping", t.PingRtt.Samples)
            + (t.LastPingRtt is TimeSpan rtt ? string.Create(C, $", last round trip {rtt.TotalMilliseconds:0.0} ms") : ""));
        return lines;
    }

    private static string Memory(ScenarioTimeline t) => t.Migration switch
    {
        _ when t.MigrationFinished && t.Migration is { } p => string.Create(C, $"done after round {p.Round}, {ReportText.Bytes(p.WireBytes)} sent"),
        _ when t.MigrationFinished => "done",
        { } p => ProgressLine.Format(p),
        null => "not started",
    };

    private void Show()
    {
        var lines = Lines(_timeline, padded: _live);
        if (!_live)
        {
            _error.WriteLine(PlainPrefix + string.Join("; ", lines));
            return;
        }
        // Back to the panel's first line, then each line written over the old one and the rest of it cleared.
        int width = _width();
        var text = new System.Text.StringBuilder();
        if (_lines > 1) text.Append(C, $"\u001b[{_lines - 1}A");
        text.Append('\r');
        for (int i = 0; i < lines.Count; i++)
        {
            if (i > 0) text.Append('\n');
            string line = i == 0 ? "t=" + lines[0] : lines[i];
            text.Append(width > 1 && line.Length >= width ? line[..(width - 1)] : line).Append("\u001b[K");
        }
        _error.Write(text.ToString());
        _error.Flush();
        _lines = lines.Count;
    }

    public void Dispose()
    {
        _timeline.Sampled -= OnSampled;
        lock (_gate)
        {
            Show();
            if (_live) _error.WriteLine();
        }
    }
}
