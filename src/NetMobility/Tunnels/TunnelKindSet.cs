namespace NetMobility.Tunnels;

/// <summary>A set of <see cref="TunnelKind"/>s, as bits by <see cref="TunnelKind.Id"/>: what an agent offers, say.</summary>
public readonly record struct TunnelKindSet
{
    private readonly uint _bits;

    private TunnelKindSet(uint bits) => _bits = bits;

    public static TunnelKindSet Empty => default;

    public static TunnelKindSet Of(params ReadOnlySpan<TunnelKind> kinds)
    {
        var set = Empty;
        foreach (var kind in kinds) set = set.With(kind);
        return set;
    }

    public bool Contains(TunnelKind kind) => (_bits & (1u << kind.Id)) != 0;

    public TunnelKindSet With(TunnelKind kind) => new(_bits | (1u << kind.Id));

    public bool IsEmpty => _bits == 0;

    public IEnumerable<TunnelKind> Kinds => TunnelKind.All.Where(Contains);

    public override string ToString() => string.Join(", ", Kinds.Select(k => k.Name));
}
