using System.Text.Json;

namespace NetMobility.Cli;

/// <summary>A daemon's status answer (JSON) as tables, the way a router shows <c>show ip mobile binding</c>.</summary>
public static class AgentStatusTable
{
    public static void Write(string json, TextWriter output)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        output.WriteLine($"node {root.GetProperty("node").GetString()}  up {root.GetProperty("uptimeSeconds").GetDouble():0} s  roles {Join(root.GetProperty("roles"))}");
        Section(output, "links", root.GetProperty("links"), ["name", "address", "device", "state", "framesSent", "framesReceived", "drops", "problem"]);
        Section(output, "bindings", root.GetProperty("bindings"), ["homeAddress", "careOf", "encapsulation", "reverseTunnel", "lifetime", "remaining"]);
        Section(output, "visitors", root.GetProperty("visitors"), ["homeAddress", "mac", "homeAgent", "accepted", "reverseTunnel", "lifetime", "remaining"]);
        Section(output, "tunnels", root.GetProperty("tunnels"), ["role", "encapsulation", "local", "remote", "users", "packetsOut", "packetsIn", "dropped"]);
        Section(output, "vms", root.GetProperty("vms"), ["name", "homeAddress", "interface", "attached", "location", "registration", "careOf"]);
        output.WriteLine();
        output.WriteLine("counters");
        foreach (var group in root.GetProperty("counters").EnumerateObject())
            output.WriteLine($"  {group.Name}: {string.Join(", ", group.Value.EnumerateObject().Select(p => $"{p.Name} {Text(p.Value)}"))}");
    }

    private static void Section(TextWriter output, string title, JsonElement rows, string[] columns)
    {
        output.WriteLine();
        output.WriteLine($"{title} ({rows.GetArrayLength()})");
        if (rows.GetArrayLength() == 0) return;
        var cells = new List<string[]> { columns };
        foreach (var row in rows.EnumerateArray())
            cells.Add([.. columns.Select(c => row.TryGetProperty(c, out var v) ? Text(v) : "")]);
        var widths = columns.Select((_, i) => cells.Max(r => r[i].Length)).ToArray();
        foreach (var row in cells) output.WriteLine("  " + string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => "-",
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Object => string.Join(" ", value.EnumerateObject().Select(p => $"{p.Name}={Text(p.Value)}")),
        JsonValueKind.Array => Join(value),
        _ => value.GetRawText(),
    };

    private static string Join(JsonElement array) => string.Join(",", array.EnumerateArray().Select(Text));
}
