using System.Globalization;
using System.Text;
using System.Xml;
using NetMobility.Files;

namespace NetMobility.Scenario;

/// <summary>
/// A <see cref="ScenarioTimeline"/> drawn as an SVG picture, written by hand: three panels on one time axis (the
/// memory migration's rounds: octets sent and pages left dirty; each TCP session's octets delivered; request latency
/// and ping round trips), the moments of the move as labelled vertical lines across them, axes with units and a legend
/// per panel; below them a close-up of the latency around the move, which on the whole run's axis is a few pixels wide. Elements carry ids (<c>round-bytes</c>, <c>round-dirty</c>, <c>delivered-bulk</c>, <c>latency-requests</c>,
/// <c>ping-rtt</c>) and marks the class <c>mark</c> with their name in <c>data-name</c>, so the picture can be checked.
/// </summary>
public static class ScenarioTimelineSvg
{
    public const int Width = 1000;

    private const double Left = 80, Right = 80, PlotWidth = Width - Left - Right;
    private const double HeaderHeight = 24, PlotHeight = 170, TickHeight = 30, PanelHeight = HeaderHeight + PlotHeight + TickHeight;
    private const double MarkTop = 46, MarkRow = 14, CharWidth = 6, LegendCharWidth = 5.9;
    private const int Panels = 3;
    private static readonly string[] Colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The picture's height for <paramref name="timeline"/>: it grows with the rows its mark labels need.</summary>
    public static int Height(ScenarioTimeline timeline)
    {
        var time = new Axis(0, Scale(timeline) / 1000);
        double height = PlotsTop(MarkRows(timeline.Marks, time)) + Panels * PanelHeight + 30;
        if (Zoom(timeline) is Axis zoom) height += ZoomHeight(MarkRows(ZoomMarks(timeline, zoom), zoom));
        return (int)Math.Ceiling(height);
    }

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
        var time = new Axis(0, endMs / 1000);
        var rows = MarkRows(timeline.Marks, time);
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

        Downtime(x, timeline, time, plotsTop, Panels);
        for (int p = 0; p < Panels; p++) TimeAxis(x, time, plotsTop + p * PanelHeight + HeaderHeight);
        RoundsPanel(x, timeline, time, plotsTop);
        SessionsPanel(x, timeline, time, plotsTop + PanelHeight);
        LatencyPanel(x, timeline, time, plotsTop + 2 * PanelHeight);
        Marks(x, timeline.Marks, time, rows, MarkTop, plotsTop + (Panels - 1) * PanelHeight + HeaderHeight + PlotHeight, "mark");
        if (Zoom(timeline) is Axis zoom) ZoomPanel(x, timeline, zoom, plotsTop + Panels * PanelHeight);
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
    private static int[] MarkRows(IReadOnlyList<TimelineMark> marks, Axis time)
    {
        var rows = new int[marks.Count];
        var rowEnds = new List<double>();
        foreach (int i in Enumerable.Range(0, marks.Count).OrderBy(i => marks[i].TimeMs))
        {
            double x = time.ToX(marks[i].TimeMs / 1000);
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

    /// <summary>Each mark a dashed line from its label (in its row from <paramref name="top"/>) down to <paramref name="bottom"/>.</summary>
    private static void Marks(XmlWriter x, IReadOnlyList<TimelineMark> marks, Axis time, int[] rows, double top, double bottom, string cssClass)
    {
        for (int i = 0; i < marks.Count; i++)
        {
            var m = marks[i];
            double mx = time.ToX(m.TimeMs / 1000), labelY = top + rows[i] * MarkRow;
            double labelX = Math.Min(mx, Width - 4 - LabelWidth(m.Name));
            x.WriteStartElement("g");
            x.WriteAttributeString("class", cssClass);
            x.WriteAttributeString("data-name", m.Name);
            x.WriteAttributeString("data-ms", Num(m.TimeMs));
            Line(x, mx, labelY + 2, mx, bottom, "#555555", "4 3");
            Text(x, labelX + 2, labelY, m.Name, "start", 11, null);
            x.WriteEndElement();
        }
    }

    /// <summary>
    /// The window of the close-up panel: from a little before the pause to a while after the resume (or rollback) and
    /// the marks that follow it, so that the handover, invisible on the whole run's axis, shows; null without a pause.
    /// </summary>
    private static Axis? Zoom(ScenarioTimeline timeline)
    {
        double? paused = null, last = null;
        foreach (var m in timeline.Marks)
        {
            if (m.Name == ScenarioTimeline.PausedMark) paused = m.TimeMs;
            if (m.Name != ScenarioTimeline.StartMark) last = Math.Max(last ?? m.TimeMs, m.TimeMs);
        }
        if (paused is not double p || last is not double l) return null;
        double span = Math.Max(l - p, 1);
        double from = Math.Max(0, p - Math.Max(ZoomBeforeMs, span)) / 1000;
        return new Axis(from, (l + Math.Max(ZoomAfterMs, 4 * span)) / 1000, from);
    }

    private const double ZoomBeforeMs = 200, ZoomAfterMs = 600;

    private static List<TimelineMark> ZoomMarks(ScenarioTimeline timeline, Axis zoom) =>
        [.. timeline.Marks.Where(m => m.TimeMs / 1000 >= zoom.Min && m.TimeMs / 1000 <= zoom.Max && m.Name != ScenarioTimeline.StartMark)];

    private static double ZoomHeight(int[] rows) => HeaderHeight + (rows.Length == 0 ? 0 : rows.Max() + 1) * MarkRow + 4 + PlotHeight + TickHeight;

    /// <summary>The close-up of the move: request latency and ping round trips around it, the marks labelled in it.</summary>
    private static void ZoomPanel(XmlWriter x, ScenarioTimeline timeline, Axis zoom, double top)
    {
        var marks = ZoomMarks(timeline, zoom);
        var rows = MarkRows(marks, zoom);
        double plotTop = top + ZoomHeight(rows) - PlotHeight - TickHeight;
        var series = new List<(string Id, string Label, TimelineSeries Points)>();
        foreach (var s in timeline.Sessions)
            if (s.Latency.Count > 0) series.Add(($"zoom-latency-{Id(s.Name)}", $"{s.Name}: request to whole response", s.Latency));
        series.Add(("zoom-ping-rtt", "ping round trip", timeline.PingRtt));
        var ms = new Axis(0, series.Max(s => Max(s.Points, zoom)));
        Header(x, top, "around the move: latency, by the time the request left", [.. series.Select((s, i) => (s.Label, Colours[(i + 2) % Colours.Length]))]);
        Downtime(x, timeline, zoom, plotTop - HeaderHeight, 1);
        Frame(x, plotTop, ms, "ms", null, null);
        TimeAxis(x, zoom, plotTop);
        for (int i = 0; i < series.Count; i++) Series(x, series[i].Id, series[i].Points, zoom, ms, plotTop, Colours[(i + 2) % Colours.Length], dots: true);
        Marks(x, marks, zoom, rows, top + HeaderHeight + 10, plotTop + PlotHeight, "zoom-mark");
    }

    /// <summary>A shaded band across <paramref name="panels"/> panels from the pause to the resume (or the rollback): the VM did not run.</summary>
    private static void Downtime(XmlWriter x, ScenarioTimeline timeline, Axis time, double plotsTop, int panels)
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
        x.WriteAttributeString("class", "vm-paused");
        for (int p = 0; p < panels; p++) Rect(x, x0, plotsTop + p * PanelHeight + HeaderHeight, Math.Max(x1 - x0, 1), PlotHeight, "#d62728", "0.12");
        x.WriteEndElement();
    }

    /// <summary>A series as a line (and a dot per point, if asked), the points outside the axis's window left out.</summary>
    private static void Series(XmlWriter x, string id, TimelineSeries series, Axis time, Axis values, double plotTop, string colour, bool dots = false)
    {
        var points = new StringBuilder();
        int drawn = 0;
        for (int i = 0; i < series.Count; i++)
            if (Drawn(series[i], time)) drawn++;
        x.WriteStartElement("g");
        x.WriteAttributeString("id", id);
        x.WriteAttributeString("data-points", Num(drawn));
        for (int i = 0; i < series.Count; i++)
        {
            var p = series[i];
            if (!Drawn(p, time)) continue;
            double px = time.ToX(p.TimeMs / 1000), py = ToY(values, p.Value, plotTop);
            points.Append(C, $"{px:0.##},{py:0.##} ");
            if (!dots) continue;
            x.WriteStartElement("circle");
            x.WriteAttributeString("cx", Num(px));
            x.WriteAttributeString("cy", Num(py));
            x.WriteAttributeString("r", "2");
            x.WriteAttributeString("fill", colour);
            x.WriteEndElement();
        }
        Polyline(x, points.ToString(), colour);
        x.WriteEndElement();
    }

    private static bool Drawn(TimelinePoint p, Axis time) => double.IsFinite(p.Value) && time.Contains(p.TimeMs / 1000);

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
            double w = label.Length * LegendCharWidth;
            Text(x, right, top + 16, label, "end", 11, null);
            Rect(x, right - w - 19, top + 7, 12, 10, colour, null);
            right -= w + 36;
        }
        x.WriteEndElement();
    }

    private static double Max(TimelineSeries s, Axis? window = null)
    {
        double max = 0;
        for (int i = 0; i < s.Count; i++)
            if (double.IsFinite(s[i].Value) && (window is not Axis w || w.Contains(s[i].TimeMs / 1000))) max = Math.Max(max, s[i].Value);
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

        /// <summary>From <paramref name="min"/> (or the tick at or below <paramref name="from"/>, when given) to a tick at or above <paramref name="max"/>.</summary>
        public Axis(double min, double max, double? from = null)
        {
            double span = max > min && double.IsFinite(max) ? max - min : 1;
            double rough = span / 5, power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            double unit = rough / power;
            _step = (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
            Min = from is double f ? Math.Max(0, Math.Floor(f / _step) * _step) : min;
            Max = Min + Math.Ceiling((Math.Max(max, Min + _step) - Min) / _step - 1e-9) * _step;
        }

        public bool Contains(double v) => v >= Min && v <= Max;

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
