using System.Globalization;
using System.Text.Json.Nodes;

namespace NetMobility.Lab.Vm;

/// <summary>
/// What QEMU's own migration (<see cref="QemuMigrationMode.Qemu"/>) may use of its own features, as a user of QEMU would
/// turn them on: multifd (the RAM over <see cref="MultifdChannels"/> connections, each page batch compressed with
/// <see cref="MultifdCompression"/>: none, zlib or zstd) and XBZRLE (pages sent again as deltas against a cache of
/// <see cref="XbzrleCacheBytes"/>). The default is QEMU's: neither.
/// </summary>
public sealed record QemuStreamFeatures
{
    /// <summary>Multifd's compression, "none", "zlib" or "zstd"; null: no multifd (one stream).</summary>
    public string? MultifdCompression { get; init; }

    public int MultifdChannels { get; init; } = 2;

    public bool Xbzrle { get; init; }

    /// <summary>XBZRLE's cache at the source (QEMU's default is 64 MiB).</summary>
    public long XbzrleCacheBytes { get; init; } = 64L << 20;

    public static readonly QemuStreamFeatures None = new();

    public static readonly IReadOnlyList<string> Compressions = ["none", "zlib", "zstd"];

    /// <summary>"multifd zstd x2, xbzrle" or "plain", for reports.</summary>
    public string Describe() =>
        (MultifdCompression, Xbzrle) switch
        {
            (null, false) => "plain",
            (null, true) => "xbzrle",
            ({ } c, var x) => string.Create(CultureInfo.InvariantCulture, $"multifd {c} x{MultifdChannels}{(x ? ", xbzrle" : "")}"),
        };

    /// <summary>
    /// Sets these features on <paramref name="qemu"/>, off as well as on: a QEMU process that arrived by a move with other
    /// features keeps them otherwise, and both ends of a migration must agree on multifd.
    /// </summary>
    internal async Task ApplyAsync(QemuMonitor qemu)
    {
        await qemu.SetMigrationCapabilitiesAsync(("multifd", MultifdCompression is not null), ("xbzrle", Xbzrle)).ConfigureAwait(false);
        var parameters = new JsonObject();
        if (MultifdCompression is { } compression)
        {
            parameters["multifd-compression"] = compression;
            parameters["multifd-channels"] = MultifdChannels;
        }
        if (Xbzrle) parameters["xbzrle-cache-size"] = XbzrleCacheBytes;
        if (parameters.Count > 0) await qemu.Qmp.ExecuteAsync("migrate-set-parameters", parameters, QemuMonitor.CommandTimeout).ConfigureAwait(false);
    }
}
