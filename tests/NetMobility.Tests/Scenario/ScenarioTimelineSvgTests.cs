using System.Buffers.Binary;
using System.Globalization;
using System.Xml.Linq;
using NetMobility.Scenario;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Scenario;

/// <summary>
/// The SVG timeline as a real renderer sees it: <c>rsvg-convert</c> (Debian's librsvg2-bin, installed by .ci/run)
/// turns it into a PNG of the picture's size with something drawn on it, and as XML it holds every series and mark.
/// </summary>
public class ScenarioTimelineSvgTests(TimelineScenario run) : IClassFixture<TimelineScenario>, IDisposable
{
    private const string RsvgConvert = "/usr/bin/rsvg-convert";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly string _directory = Directory.CreateTempSubdirectory("netmob-svg-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(ScenarioTimeline timeline, string name = "timeline.svg")
    {
        string path = Path.Combine(_directory, name);
        ScenarioTimelineSvg.Write(timeline, path);
        return path;
    }

    /// <summary>Renders with rsvg-convert and returns the PNG's width, height and length in octets.</summary>
    private (int Width, int Height, long Length) Render(string svg)
    {
        Assert.True(File.Exists(RsvgConvert), $"{RsvgConvert} is missing: install Debian's librsvg2-bin (.ci/run does)");
        string png = Path.ChangeExtension(svg, ".png");
        var result = ExternalProcess.Run(RsvgConvert, [svg, "-o", png]);
        Assert.True(result.ExitCode == 0 && result.StandardError.Length == 0, $"rsvg-convert exited {result.ExitCode}: {result.StandardError}");
        var bytes = File.ReadAllBytes(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)), bytes.Length);
    }

    private static XElement Group(XDocument svg, string id) =>
        svg.Descendants(Svg + "g").SingleOrDefault(g => (string?)g.Attribute("id") == id) ?? throw new Xunit.Sdk.XunitException($"no group {id}");

    [Fact]
    public void The_scenarios_timeline_renders_to_a_png_of_its_size_with_every_series_and_mark()
    {
        string path = Write(run.Timeline);
        var (width, height, length) = Render(path);
        Assert.Equal(ScenarioTimelineSvg.Width, width);
        Assert.Equal(ScenarioTimelineSvg.Height(run.Timeline), height);
        // A white page of this size is about 4 KB of PNG; the drawn one is many times that.
        Assert.True(length > 20_000, $"{length} octets of PNG");

        var svg = XDocument.Load(path);
        Assert.Equal(width.ToString(CultureInfo.InvariantCulture), (string?)svg.Root!.Attribute("width"));
        Assert.Equal(run.Report.Memory.Rounds.Count, Group(svg, "round-bytes").Elements(Svg + "rect").Count());
        Assert.Equal(run.Report.Memory.Rounds.Count, Group(svg, "round-dirty").Elements(Svg + "circle").Count());
        foreach (var id in new[] { "delivered-bulk", "delivered-requests", "latency-requests", "ping-rtt" })
        {
            var points = ((string)Group(svg, id).Element(Svg + "polyline")!.Attribute("points")!).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(points.Length > 10, $"{id}: {points.Length} points");
            Assert.Equal(int.Parse((string)Group(svg, id).Attribute("data-points")!, CultureInfo.InvariantCulture), points.Length);
        }
        // The VM's pause shaded across the three panels and in the close-up, where the handover's marks are labelled again.
        Assert.Equal(4, svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "vm-paused").SelectMany(g => g.Elements(Svg + "rect")).Count());
        var closeUp = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "zoom-mark").Select(g => (string)g.Attribute("data-name")!).ToList();
        Assert.Equal([ScenarioTimeline.PausedMark, ScenarioTimeline.RegistrationSentMark, ScenarioTimeline.ResumedMark, ScenarioTimeline.RegisteredMark,
            ScenarioTimeline.FirstPacketMark], closeUp);
        int pingsNearTheMove = int.Parse((string)Group(svg, "zoom-ping-rtt").Attribute("data-points")!, CultureInfo.InvariantCulture);
        // From 200 ms before the pause to 600 ms after the last mark, widened to whole ticks: about a second of pings every 20 ms, of the run's four.
        Assert.InRange(pingsNearTheMove, 20, run.Timeline.PingRtt.Count / 2);
        Assert.Equal(pingsNearTheMove, Group(svg, "zoom-ping-rtt").Elements(Svg + "circle").Count());

        var marks = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "mark")
            .ToDictionary(g => (string)g.Attribute("data-name")!, g => double.Parse((string)g.Attribute("data-ms")!, CultureInfo.InvariantCulture));
        Assert.Equal(run.Report.Timeline.PausedMs!.Value, marks[ScenarioTimeline.PausedMark], 2);
        Assert.Equal(run.Report.Timeline.ResumedMs!.Value, marks[ScenarioTimeline.ResumedMark], 2);
        Assert.Equal(run.Report.Timeline.RegistrationStartedMs!.Value, marks[ScenarioTimeline.RegistrationSentMark], 2);
        Assert.Contains(ScenarioTimeline.RegisteredMark, marks.Keys);
        Assert.Contains(ScenarioTimeline.FirstPacketMark, marks.Keys);
        // Axes carry their units; the legend names each series.
        var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("MB sent", texts);
        Assert.Contains("dirty pages", texts);
        Assert.Contains("MB delivered", texts);
        Assert.Contains("ms", texts);
        Assert.Contains("time since the run began (s, virtual)", texts);
        Assert.Contains("ping round trip", texts);
        Assert.Contains(texts, t => t.StartsWith("bulk (", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_migration_is_drawn_with_its_rollback()
    {
        var timeline = new ScenarioTimeline();
        var report = await new LiveMigrationScenario(TimelineScenario.Options with { FailVerification = true }) { Timeline = timeline }.RunAsync();
        Assert.Equal(ScenarioReport.StayedHome, report.Outcome);
        string path = Write(timeline);
        Assert.Equal(ScenarioTimelineSvg.Height(timeline), Render(path).Height);
        var names = XDocument.Load(path).Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "mark").Select(g => (string)g.Attribute("data-name")!).ToList();
        Assert.Contains(ScenarioTimeline.RolledBackMark, names);
        Assert.DoesNotContain(ScenarioTimeline.ResumedMark, names);
        Assert.DoesNotContain(ScenarioTimeline.RegisteredMark, names);
    }

    [Fact]
    public void A_long_run_is_drawn_with_bounded_points_and_marks_of_any_text_do_not_overlap()
    {
        var timeline = new ScenarioTimeline(capacity: 256);
        var origin = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        timeline.Start(origin);
        for (int i = 0; i < 200_000; i++)
        {
            var at = origin + TimeSpan.FromMilliseconds(i * 10);
            timeline.SessionProgress("bulk", at, i * 1250L, 0);
            timeline.PingReply(at, TimeSpan.FromMilliseconds(i == 100_000 ? 900 : 20));
            timeline.Sample(at);
        }
        // Close together and with markup in their names: stacked in rows, escaped.
        string[] names = ["<paused>", "a & b", "\"quoted\"", "resumed"];
        for (int i = 0; i < names.Length; i++) timeline.Mark(names[i], origin + TimeSpan.FromMilliseconds(1_000_000 + i));

        string path = Write(timeline);
        Assert.Equal(ScenarioTimelineSvg.Height(timeline), Render(path).Height);
        var svg = XDocument.Load(path);
        Assert.InRange(int.Parse((string)Group(svg, "ping-rtt").Attribute("data-points")!, CultureInfo.InvariantCulture), 128, 256);
        Assert.InRange(int.Parse((string)Group(svg, "delivered-bulk").Attribute("data-points")!, CultureInfo.InvariantCulture), 128, 256);
        var marks = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "mark").ToList();
        Assert.Equal(names, marks.Select(g => (string)g.Attribute("data-name")!));
        Assert.Equal(names, marks.Select(g => g.Element(Svg + "text")!.Value));
        // Four labels at about the same x: four rows.
        Assert.Equal(4, marks.Select(g => (string)g.Element(Svg + "text")!.Attribute("y")!).Distinct().Count());
        // The spike at 1000 s is kept through the merges: the latency axis reaches it.
        Assert.Contains("1000", svg.Descendants(Svg + "text").Select(t => t.Value));
    }

    [Fact]
    public void A_file_that_cannot_be_written_leaves_nothing_behind()
    {
        var missing = Path.Combine(_directory, "no-such-dir", "timeline.svg");
        Assert.Throws<IOException>(() => ScenarioTimelineSvg.Write(run.Timeline, missing));
        Assert.Empty(Directory.GetFiles(_directory, "*", SearchOption.AllDirectories));
    }
}
