using System.Globalization;
using NetMobility.Configuration;

namespace NetMobility.Lab.Site;

/// <summary>
/// The WAN between the sites, as the WAN agent impairs it in each direction (<c>delayMs</c> one way, <c>jitterMs</c>,
/// <c>lossPercent</c>, <c>reorderPercent</c>, <c>seed</c>), and a bandwidth limit per direction by the kernel's
/// <c>tc tbf</c> on the WAN's devices (<c>rateKbit</c>, 0: none).
/// </summary>
public sealed record WanSpec
{
    public double DelayMs { get; init; }
    public double JitterMs { get; init; }
    public double LossPercent { get; init; }
    public double ReorderPercent { get; init; }
    public long RateKbit { get; init; }
    public long Seed { get; init; } = 1;

    public static WanSpec Read(ConfigElement wan)
    {
        wan.AllowOnly("delayMs", "jitterMs", "lossPercent", "reorderPercent", "rateKbit", "seed");
        var spec = new WanSpec();
        if (wan.TryGet("delayMs", out var d)) spec = spec with { DelayMs = d.AsNumber(0, 10_000) };
        if (wan.TryGet("jitterMs", out var j)) spec = spec with { JitterMs = j.AsNumber(0, 10_000) };
        if (wan.TryGet("lossPercent", out var l)) spec = spec with { LossPercent = l.AsNumber(0, 100) };
        if (wan.TryGet("reorderPercent", out var r)) spec = spec with { ReorderPercent = r.AsNumber(0, 100) };
        if (wan.TryGet("rateKbit", out var k)) spec = spec with { RateKbit = k.AsInteger(0, 100_000_000) };
        if (wan.TryGet("seed", out var s)) spec = spec with { Seed = s.AsInteger(0, long.MaxValue) };
        return spec;
    }

    /// <summary>The agent configuration's <c>impairment</c> object for one direction of this WAN.</summary>
    internal string ImpairmentJson(int direction) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"delayMs": {{DelayMs}}, "jitterMs": {{JitterMs}}, "lossPercent": {{LossPercent}}, "reorderPercent": {{ReorderPercent}}, "seed": {{Seed + direction}}}""");
}
