using NetMobility.Configuration;
using NetMobility.Links;
using NetMobility.Runtime;

namespace NetMobility.Host;

/// <summary>
/// An interface's <c>impairment</c> object: what the daemon does to every frame it sends out of that interface, with the
/// project's own impairment link (<see cref="ImpairedLink"/>), for a kernel that has no netem. A router with it on both
/// interfaces is a WAN between two sites: <c>delayMs</c> (one way), <c>jitterMs</c>, <c>lossPercent</c>,
/// <c>reorderPercent</c> (frames that skip the delay), <c>duplicatePercent</c>, <c>rateKbit</c> (0: unlimited),
/// <c>limit</c> (frames held at once) and <c>seed</c>.
/// </summary>
public static class LinkImpairment
{
    public const string Field = "impairment";

    /// <summary>The interface's impairment, or null when it has none; a mistake is a <see cref="ConfigException"/> naming the field.</summary>
    public static ImpairmentOptions? Read(ConfigElement item)
    {
        if (!item.TryGet(Field, out var field)) return null;
        field.AllowOnly("delayMs", "jitterMs", "lossPercent", "reorderPercent", "duplicatePercent", "rateKbit", "limit", "seed");
        var max = TimeSpan.FromSeconds(10);
        return new ImpairmentOptions
        {
            Latency = field.TryGet("delayMs", out var d) ? d.AsMilliseconds(max) : TimeSpan.Zero,
            Jitter = field.TryGet("jitterMs", out var j) ? j.AsMilliseconds(max) : TimeSpan.Zero,
            Loss = field.TryGet("lossPercent", out var l) ? l.AsNumber(0, 100) / 100 : 0,
            Reordering = field.TryGet("reorderPercent", out var r) ? r.AsNumber(0, 100) / 100 : 0,
            Duplication = field.TryGet("duplicatePercent", out var u) ? u.AsNumber(0, 100) / 100 : 0,
            BandwidthBitsPerSecond = field.TryGet("rateKbit", out var b) ? b.AsInteger(0, 100_000_000) * 1000 : 0,
            Limit = field.TryGet("limit", out var n) ? (int)n.AsInteger(1, 100_000) : 1000,
            Seed = field.TryGet("seed", out var s) ? (ulong)s.AsInteger(0, long.MaxValue) : 1,
        };
    }

    /// <summary><paramref name="link"/> wrapped so that what is sent through it is impaired; the link itself when <paramref name="options"/> is null.</summary>
    public static IFrameLink Wrap(EventLoop loop, IFrameLink link, ImpairmentOptions? options) =>
        options is null ? link : new ImpairedLink(loop, link, options);
}
