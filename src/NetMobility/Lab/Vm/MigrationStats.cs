using System.Text.Json;

namespace NetMobility.Lab.Vm;

/// <summary>What QEMU's <c>query-migrate</c> said about a migration: its status, times in milliseconds and bytes sent.</summary>
public sealed record MigrationStats(string Status, long TotalTimeMs, long DowntimeMs, long SetupTimeMs, long TransferredBytes, long RamTotalBytes, long DirtySyncCount, string? Error)
{
    public bool Completed => Status == "completed";

    internal static MigrationStats FromQueryMigrate(JsonElement answer)
    {
        long Read(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.TryGetInt64(out long n) ? n : 0;
        var ram = answer.TryGetProperty("ram", out var r) ? r : default;
        return new MigrationStats(
            answer.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "",
            Read(answer, "total-time"),
            Read(answer, "downtime"),
            Read(answer, "setup-time"),
            Read(ram, "transferred"),
            Read(ram, "total"),
            Read(ram, "dirty-sync-count"),
            answer.TryGetProperty("error-desc", out var e) ? e.GetString() : null);
    }

    public override string ToString() =>
        $"{Status}: total {TotalTimeMs} ms, downtime {DowntimeMs} ms, setup {SetupTimeMs} ms, {TransferredBytes} bytes sent, {DirtySyncCount} dirty syncs";
}
