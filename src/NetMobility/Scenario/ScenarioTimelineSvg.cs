using System.Globalization;
using System.Text;
using System.Xml;
using NetMobility.Files;

namespace NetMobility.Scenario;

/// <summary>
/// A <see cref="ScenarioTimeline"/> drawn as an SVG picture, written by hand: three panels on one time axis (the
/// memory migration's rounds: octets sent and pages left dirty; each TCP session's octets delivered; request latency
/// and ping round trips), the moments of the move as labelled vertical lines across them, axes with units and a legend
/// per panel. Elements carry ids (<c>round-bytes</c>, <c>round-dirty</c>, <c>delivered-bulk</c>, <c>latency-requests</c>,
/// <c>ping-rtt</c>) and marks the class <c>mark</c> with their name in <c>data-name</c>, so the picture can be checked.
/// </summary>
public static class ScenarioTimelineSvg
{
    public const int Width = 1000;

    private const double Left = 80, Right = 80, PlotWidth = Width - Left - Right;
    private const double HeaderHeight = 24, PlotHeight = 170, TickHeight = 30, PanelHeight = HeaderHeight + PlotHeight + TickHeight;
    private const double MarkTop = 46, MarkRow = 14, CharWidth = 6;
    private const int Panels = 3;
    private static readonly string[] Colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The picture's height for <paramref name="timeline"/>: it grows with the rows its mark labels need.</summary>
    public static int Height(ScenarioTimeline timeline) => (int)Math.Ceiling(PlotsTop(MarkRows(timeline, Scale(timeline))) + Panels * PanelHeight + 30);

    /// <summary>Writes the picture to <paramref name="path"/> through a staged file: the target appears whole or not at all.</summary>
    public static void Write(ScenarioTimeline timeline, string path)
    {
        using var file = StagedFile.Create(path);
        Render(timeline, file.Stream);
        file.Commit();
    }

    public static void Render(ScenarioTimeline timeline, Stream output)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), CloseOutput = false };
        using var x = XmlWriter.Create(output, settings);
        double endMs = Scale(timeline);
        var rows = MarkRows(timeline, endMs);
        double plotsTop = PlotsTop(rows);
        int height = Height(timeline);

        x.WriteStartDocument();
        x.WriteStartElement("svg", "http://www.w3.org/2000/svg");
        x.WriteAttributeString("width", Num(Width));
        x.WriteAttributeString("height", Num(height));
        x.WriteAttributeString("viewBox", $"0 0 {Num(Width)} {Num(height)}");
        x.WriteAttributeString("font-family", "sans-serif");
        x.WriteAttributeString("font-size", "11");
        Rect(x, 0, 0, Width, height, "#ffffff", null);
        Text(x, Left, 22, "live migration: the VM's memory, its TCP sessions and their latency over virtual time", "start", 14, "title");

        var time = new Axis(0, endMs / 1000);
        Downtime(x, timeline, time, plotsTop);
        for (int p = 0; p < Panels; p++) TimeAxis(x, time, plotsTop + p * PanelHeight + HeaderHeight);
        RoundsPanel(x, timeline, time, plotsTop);
        SessionsPanel(x, timeline, time, plotsTop + PanelHeight);
        LatencyPanel(x, timeline, time, plotsTop + 2 * PanelHeight);
        Marks(x, timeline, time, rows, plotsTop);
        Text(x, Left + PlotWidth / 2, height - 8, "time since the run began (s, virtual)", "middle", 11, null);

        x.WriteEndElement();
        x.WriteEndDocument();
    }

    /// <summary>The end of the time axis: the newest sample, mark or round end, in milliseconds.</summary>
    private static double Scale(ScenarioTimeline timeline)
    {
        double end = timeline.Elapsed.TotalMilliseconds;
        foreach (var m in timeline.Marks) end = Math.Max(end, m.TimeMs);
        foreach (var r in timeline.Rounds) end = Math.Max(end, r.StartMs + r.DurationMs);
        return Math.Max(end, 1);
    }

    private static double PlotsTop(int[] rows) => MarkTop + (rows.Length == 0 ? 0 : rows.Max() + 1) * MarkRow + 6;

    /// <summary>The label row of each mark: the first row whose last label ends left of this one, so no two labels overlap.</summary>
    private static int[] MarkRows(ScenarioTimeline timeline, double endMs)
    {
        var marks = timeline.Marks;
        var rows = new int[marks.Count];
        var rowEnds = new List<double>();
        foreach (int i in Enumerable.Range(0, marks.Count).OrderBy(i => marks[i].TimeMs))
        {
            double x = Left + PlotWidth * Math.Clamp(marks[i].TimeMs / endMs, 0, 1);
            double start = Math.Min(x, Width - 4 - LabelWidth(marks[i].Name));
            int row = rowEnds.FindIndex(end => end < start);
            if (row < 0)
            {
                row = rowEnds.Count;
                rowEnds.Add(0);
            }
            rowEnds[row] = start + LabelWidth(marks[i].Name) + 6;
            rows[i] = row;
        }
        return rows;
    }

    private static double LabelWidth(string text) => text.Length * CharWidth;

    private static void RoundsPanel(XmlWriter x, ScenarioTimeline timeline, Axis time, double top)
    {
        double plotTop = top + HeaderHeight;
        var rounds = timeline.Rounds;
        var bytes = new Axis(0, rounds.Count == 0 ? 0 : rounds.Max(r => r.WireBytes) / 1e6);
        var dirty = new Axis(0, rounds.Count == 0 ? 0 : rounds.Max(r => (double)r.DirtyPages));
        Frame(x, plotTop, bytes, "MB sent", dirty, "dirty pages");
        Header(x, top, "memory migration, round by round",
            [("MB sent in the round", Colours[0]), ("stop-and-copy", Colours[3]), ("pages dirty at its end", Colours[1])]);

        x.WriteStartElement("g");
        x.WriteAttributeString("id", "round-bytes");
        foreach (var r in rounds)
        {
            double x0 = time.ToX(r.StartMs / 1000), x1 = time.ToX((r.StartMs + r.DurationMs) / 1000);
            double y = ToY(bytes, r.WireBytes / 1e6, plotTop);
            Rect(x, x0, y, Math.Max(x1 - x0, 1.5), plotTop + PlotHeight - y, r.StopAndCopy ? Colours[3] : Colours[0], "0.75");
        }
        x.WriteEndElement();

        x.WriteStartElement("g");
        x.WriteAttributeString("id", "round-dirty");
        var points = new StringBuilder();
        foreach (var r in rounds)
        {
            double cx = time.ToX((r.StartMs + r.DurationMs) / 1000), cy = ToY(dirty, r.DirtyPages, plotTop);
            points.Append(C, $"{cx:0.##},{cy:0.##} ");
            x.WriteStartElement("circle");
            x.WriteAttributeString("cx", Num(cx));
            x.WriteAttributeString("cy", Num(cy));
            x.WriteAttributeString("r", "3");
            x.WriteAttributeString("fill", Colours[1]);
            x.WriteEndElement();
        }
        Polyline(x, points.ToString(), Colours[1]);
        x.WriteEndElement();
    }

    private static void SessionsPanel(XmlWriter x, ScenarioTimeline timeline, Axis time, double top)
    {
        double plotTop = top + HeaderHeight;
        var sessions = timeline.Sessions;
        var megabytes = new Axis(0, sessions.Count == 0 ? 0 : sessions.Max(s => Max(s.Delivered)));
        Frame(x, plotTop, megabytes, "MB delivered", null, null);
        Header(x, top, "TCP sessions: octets delivered once and in order",
            [.. sessions.Select((s, i) => ($"{s.Name} ({s.Retransmissions} retransmitted)", Colours[i % Colours.Length]))]);
        for (int i = 0; i < sessions.Count; i++) Series(x, $"delivered-{Id(sessions[i].Name)}", sessions[i].Delivered, time, megabytes, plotTop, Colours[i % Colours.Length]);
    }

    private static void LatencyPanel(XmlWriter x, ScenarioTimeline timeline, Axis time, double top)
    {
        double plotTop = top + HeaderHeight;
        var series = new List<(string Id, string Label, TimelineSeries Points)>();
        foreach (var s in timeline.Sessions)
            if (s.Latency.Count > 0) series.Add(($"latency-{Id(s.Name)}", $"{s.Name}: request to whole response", s.Latency));
        series.Add(("ping-rtt", "ping round trip", timeline.PingRtt));
        var ms = new Axis(0, series.Max(s => Max(s.Points)));
        Frame(x, plotTop, ms, "ms", null, null);
        Header(x, top, "latency, by the time the request left", [.. series.Select((s, i) => (s.Label, Colours[(i + 2) % Colours.Length]))]);
        for (int i = 0; i < series.Count; i++) Series(x, series[i].Id, series[i].Points, time, ms, plotTop, Colours[(i + 2) % Colours.Length]);
    }

    private static void Marks(XmlWriter x, ScenarioTimeline timeline, Axis time, int[] rows, double plotsTop)
    {
        double bottom = plotsTop + (Panels - 1) * PanelHeight + HeaderHeight + PlotHeight;
        var marks = timeline.Marks;
        for (int i = 0; i < marks.Count; i++)
        {
            var m = marks[i];
            double mx = time.ToX(m.TimeMs / 1000), labelY = MarkTop + rows[i] * MarkRow;
            double labelX = Math.Min(mx, Width - 4 - LabelWidth(m.Name));
            x.WriteStartElement("g");
            x.WriteAttributeString("class", "mark");
            x.WriteAttributeString("data-name", m.Name);
            x.WriteAttributeString("data-ms", Num(m.TimeMs));
            Line(x, mx, labelY + 2, mx, bottom, "#555555", "4 3");
            Text(x, labelX + 2, labelY, m.Name, "start", 11, null);
            x.WriteEndElement();
        }
    }

    /// <summary>A shaded band across the panels from the pause to the resume (or the rollback): the VM did not run.</summary>
    private static void Downtime(XmlWriter x, ScenarioTimeline timeline, Axis time, double plotsTop)
    {
        double? paused = null, resumed = null;
        foreach (var m in timeline.Marks)
        {
            if (m.Name == ScenarioTimeline.PausedMark) paused = m.TimeMs;
            else if (m.Name is ScenarioTimeline.ResumedMark or ScenarioTimeline.RolledBackMark) resumed = m.TimeMs;
        }
        if (paused is not double from || resumed is not double to) return;
        double x0 = time.ToX(from / 1000), x1 = time.ToX(to / 1000);
        x.WriteStartElement("g");
        x.WriteAttributeString("id", "vm-paused");
        for (int p = 0; p < Panels; p++) Rect(x, x0, plotsTop + p * PanelHeight + HeaderHeight, Math.Max(x1 - x0, 1), PlotHeight, "#d62728", "0.12");
        x.WriteEndElement();
    }

    private static void Series(XmlWriter x, string id, TimelineSeries series, Axis time, Axis values, double plotTop, string colour)
    {
        var points = new StringBuilder();
        for (int i = 0; i < series.Count; i++)
        {
            var p = series[i];
            if (!double.IsFinite(p.Value)) continue;
            points.Append(C, $"{time.ToX(p.TimeMs / 1000):0.##},{ToY(values, p.Value, plotTop):0.##} ");
        }
        x.WriteStartElement("g");
        x.WriteAttributeString("id", id);
        x.WriteAttributeString("data-points", Num(series.Count));
        Polyline(x, points.ToString(), colour);
        x.WriteEndElement();
    }

    /// <summary>The plot's box, its value axis on the left (and one on the right, if given), grid lines at the left axis's ticks.</summary>
    private static void Frame(XmlWriter x, double plotTop, Axis left, string leftUnit, Axis? right, string? rightUnit)
    {
        foreach (double v in left.Ticks())
        {
            double y = ToY(left, v, plotTop);
            Line(x, Left, y, Left + PlotWidth, y, "#e4e4e4", null);
            Text(x, Left - 6, y + 4, left.Label(v), "end", 11, null);
        }
        if (right is Axis r)
            foreach (double v in r.Ticks())
                Text(x, Left + PlotWidth + 6, ToY(r, v, plotTop) + 4, r.Label(v), "start", 11, null);
        Rect(x, Left, plotTop, PlotWidth, PlotHeight, "none", null, "#333333");
        VerticalText(x, Left - 56, plotTop + PlotHeight / 2, leftUnit);
        if (rightUnit is not null) VerticalText(x, Left + PlotWidth + 62, plotTop + PlotHeight / 2, rightUnit);
    }

    private static void TimeAxis(XmlWriter x, Axis time, double plotTop)
    {
        double bottom = plotTop + PlotHeight;
        foreach (double t in time.Ticks())
        {
            double tx = time.ToX(t);
            Line(x, tx, plotTop, tx, bottom, "#f0f0f0", null);
            Line(x, tx, bottom, tx, bottom + 4, "#333333", null);
            Text(x, tx, bottom + 16, time.Label(t) + " s", "middle", 11, null);
        }
    }

    private static void Header(XmlWriter x, double top, string title, (string Label, string Colour)[] legend)
    {
        Text(x, Left, top + 16, title, "start", 12, null);
        x.WriteStartElement("g");
        x.WriteAttributeString("class", "legend");
        double right = Left + PlotWidth;
        for (int i = legend.Length - 1; i >= 0; i--)
        {
            var (label, colour) = legend[i];
            double w = LabelWidth(label);
            Text(x, right, top + 16, label, "end", 11, null);
            Rect(x, right - w - 16, top + 7, 12, 10, colour, null);
            right -= w + 34;
        }
        x.WriteEndElement();
    }

    private static double Max(TimelineSeries s)
    {
        double max = 0;
        for (int i = 0; i < s.Count; i++)
            if (double.IsFinite(s[i].Value)) max = Math.Max(max, s[i].Value);
        return max;
    }

    private static double ToY(Axis axis, double value, double plotTop) => plotTop + PlotHeight - PlotHeight * axis.Fraction(value);

    /// <summary>An id made of the name's letters and digits (others become '-').</summary>
    private static string Id(string name) => string.Create(name.Length, name, static (span, n) =>
    {
        for (int i = 0; i < n.Length; i++) span[i] = char.IsAsciiLetterOrDigit(n[i]) ? char.ToLowerInvariant(n[i]) : '-';
    });

    private static string Num(double v) => v.ToString("0.##", C);

    private static void Rect(XmlWriter x, double rx, double ry, double w, double h, string fill, string? opacity, string? stroke = null)
    {
        x.WriteStartElement("rect");
        x.WriteAttributeString("x", Num(rx));
        x.WriteAttributeString("y", Num(ry));
        x.WriteAttributeString("width", Num(Math.Max(w, 0)));
        x.WriteAttributeString("height", Num(Math.Max(h, 0)));
        x.WriteAttributeString("fill", fill);
        if (opacity is not null) x.WriteAttributeString("fill-opacity", opacity);
        if (stroke is not null) x.WriteAttributeString("stroke", stroke);
        x.WriteEndElement();
    }

    private static void Line(XmlWriter x, double x1, double y1, double x2, double y2, string stroke, string? dash)
    {
        x.WriteStartElement("line");
        x.WriteAttributeString("x1", Num(x1));
        x.WriteAttributeString("y1", Num(y1));
        x.WriteAttributeString("x2", Num(x2));
        x.WriteAttributeString("y2", Num(y2));
        x.WriteAttributeString("stroke", stroke);
        if (dash is not null) x.WriteAttributeString("stroke-dasharray", dash);
        x.WriteEndElement();
    }

    private static void Polyline(XmlWriter x, string points, string colour)
    {
        x.WriteStartElement("polyline");
        x.WriteAttributeString("points", points.TrimEnd());
        x.WriteAttributeString("fill", "none");
        x.WriteAttributeString("stroke", colour);
        x.WriteAttributeString("stroke-width", "1.5");
        x.WriteEndElement();
    }

    private static void Text(XmlWriter x, double tx, double ty, string text, string anchor, int size, string? id)
    {
        x.WriteStartElement("text");
        if (id is not null) x.WriteAttributeString("id", id);
        x.WriteAttributeString("x", Num(tx));
        x.WriteAttributeString("y", Num(ty));
        x.WriteAttributeString("text-anchor", anchor);
        if (size != 11) x.WriteAttributeString("font-size", Num(size));
        x.WriteString(text);
        x.WriteEndElement();
    }

    private static void VerticalText(XmlWriter x, double tx, double ty, string text)
    {
        x.WriteStartElement("text");
        x.WriteAttributeString("x", Num(tx));
        x.WriteAttributeString("y", Num(ty));
        x.WriteAttributeString("text-anchor", "middle");
        x.WriteAttributeString("transform", $"rotate(-90 {Num(tx)} {Num(ty)})");
        x.WriteString(text);
        x.WriteEndElement();
    }

    /// <summary>A linear axis from <see cref="Min"/> to a round number at or above the largest value, with ticks at 1, 2 or 5 times a power of ten.</summary>
    private readonly struct Axis
    {
        private readonly double _step;

        public Axis(double min, double max)
        {
            Min = min;
            double span = max > min && double.IsFinite(max) ? max - min : 1;
            double rough = span / 5, power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            double unit = rough / power;
            _step = (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
            Max = min + Math.Ceiling(span / _step - 1e-9) * _step;
        }

        public double Min { get; }
        public double Max { get; }

        public double Fraction(double v) => Math.Clamp((v - Min) / (Max - Min), 0, 1);

        public double ToX(double v) => Left + PlotWidth * Fraction(v);

        public IEnumerable<double> Ticks()
        {
            for (int i = 0; Min + i * _step <= Max + _step * 1e-9; i++) yield return Min + i * _step;
        }

        public string Label(double v)
        {
            int decimals = Math.Max(0, (int)-Math.Floor(Math.Log10(_step) + 1e-9));
            return v.ToString("F" + decimals.ToString(C), C);
        }
    }
}
