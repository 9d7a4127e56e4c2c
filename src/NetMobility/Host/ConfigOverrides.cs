using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using NetMobility.Configuration;

namespace NetMobility.Host;

/// <summary>
/// Environment variables (<c>NETMOB_node__interfaces__0__address</c>) and command-line arguments
/// (<c>--node:interfaces:0:address=10.1.0.1/24</c>) laid over the agent's JSON file, as the .NET configuration
/// system reads them, so that one check (<see cref="ConfigElement"/>) sees the result. A value replaces the file's
/// value at the same key path, taking its JSON kind (number, true/false) when the file had one there; a new key is
/// added, a number or true/false when it reads as one.
/// </summary>
public static class ConfigOverrides
{
    public const string EnvironmentPrefix = "NETMOB_";

    /// <summary>The key/value pairs from the environment and <paramref name="args"/>, as the host would read them.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Read(string[] args) =>
        [.. new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).AddCommandLine(args).Build()
            .AsEnumerable(makePathsRelative: true).Where(pair => pair.Value is not null)];

    /// <summary>Loads <paramref name="path"/> and lays <paramref name="overrides"/> over it; every mistake is a <see cref="ConfigException"/>.</summary>
    public static ConfigElement Load(string path, IReadOnlyList<KeyValuePair<string, string?>> overrides)
    {
        var file = ConfigElement.Load(path);
        if (overrides.Count == 0) return file;
        // The element's raw text is the file's own, comments and trailing commas included.
        var root = JsonNode.Parse(file.Element.GetRawText(), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        foreach (var (key, value) in overrides) Apply(root, key, value!, path);
        return ConfigElement.Parse(root.ToJsonString(), path);
    }

    private static void Apply(JsonNode root, string key, string value, string file)
    {
        string[] parts = key.Split(':');
        JsonNode node = root;
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            string part = parts[i];
            string where = string.Join('.', parts[..(i + 1)]);
            if (node is JsonArray array)
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index > array.Count)
                    throw new ConfigException(file, where, $"override '{key}': '{part}' is not an index of an array of {array.Count} (0..{array.Count})");
                if (index == array.Count) array.Add(last ? null : new JsonObject());
                if (last)
                {
                    array[index] = Value(array[index], value);
                    return;
                }
                node = array[index] ??= new JsonObject();
                continue;
            }
            if (node is not JsonObject obj) throw new ConfigException(file, where, $"override '{key}': the value above this key is not an object");
            // The configuration system matches keys without regard to case; so does this, keeping the file's spelling.
            string name = obj.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, part, StringComparison.OrdinalIgnoreCase)) ?? part;
            if (last)
            {
                obj[name] = Value(obj[name], value);
                return;
            }
            node = obj[name] ??= int.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out _) ? new JsonArray() : new JsonObject();
        }
    }

    private static JsonNode? Value(JsonNode? old, string text)
    {
        var kind = old?.GetValueKind();
        if (kind is JsonValueKind.Number or null)
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer)) return JsonValue.Create(integer);
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double real) && double.IsFinite(real)) return JsonValue.Create(real);
        }
        if ((kind is JsonValueKind.True or JsonValueKind.False || kind is null) && text is "true" or "false") return JsonValue.Create(text == "true");
        return JsonValue.Create(text);
    }
}
