using System.Text.Json;
using System.Text.Json.Nodes;

namespace NetMobility.Tests.Cli;

/// <summary>One random change to a JSON document: a value replaced by an odd one, a field removed, renamed or added, an item duplicated.</summary>
internal static class JsonMutator
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly Func<Random, JsonNode?>[] OddValues =
    [
        _ => null,
        _ => JsonValue.Create(0),
        _ => JsonValue.Create(-1),
        _ => JsonValue.Create(1e300),
        _ => JsonValue.Create(1e-300),
        _ => JsonValue.Create(4294967296L),
        _ => JsonValue.Create(long.MaxValue),
        _ => JsonValue.Create(0.5),
        _ => JsonValue.Create(true),
        _ => JsonValue.Create(""),
        _ => JsonValue.Create("a\nb\u001b[2J"),
        _ => JsonValue.Create("10.1.0.0/24"),
        _ => JsonValue.Create("10.1.0.255"),
        _ => JsonValue.Create("255.255.255.255"),
        _ => JsonValue.Create("03:00:00:00:00:01"),
        _ => JsonValue.Create("00:00:00:00:00:00"),
        _ => JsonValue.Create("0.0.0.0/0"),
        _ => JsonValue.Create(new string('x', 5000)),
        _ => new JsonArray(),
        _ => new JsonObject(),
        r => new JsonArray(Enumerable.Range(0, r.Next(1, 50)).Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()),
    ];

    public static string Mutate(Random rng, string json)
    {
        var root = JsonNode.Parse(json, documentOptions: Lenient)!;
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[rng.Next(nodes.Count)];
        switch (rng.Next(5))
        {
            case 0 when target.Parent is JsonObject parent:
                parent.Remove(target.GetPropertyName());
                break;
            case 1 when target is JsonObject obj:
                obj[rng.Next(2) == 0 ? "unknownField" : "key"] = OddValues[rng.Next(OddValues.Length)](rng);
                break;
            case 2 when target.Parent is JsonArray array:
                array.Add(target.DeepClone());
                break;
            default:
                Replace(target, OddValues[rng.Next(OddValues.Length)](rng));
                break;
        }
        return root.ToJsonString();
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj) if (child is not null) Collect(child, into);
                break;
            case JsonArray array:
                foreach (var child in array) if (child is not null) Collect(child, into);
                break;
        }
    }

    private static void Replace(JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = value;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = value;
                break;
        }
    }
}
