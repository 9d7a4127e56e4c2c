namespace NetMobility.Lab.Vm;

/// <summary>What QMP events say.</summary>
internal static class QemuEvents
{
    /// <summary>A MIGRATION event's status (completed, failed ...).</summary>
    public static string? Status(QmpEvent e) =>
        e.Data.ValueKind == System.Text.Json.JsonValueKind.Object && e.Data.TryGetProperty("status", out var status) ? status.GetString() : null;
}
