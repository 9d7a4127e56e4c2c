using System.Text.Json;
using System.Text.Json.Serialization;
using NetMobility.Files;

namespace NetMobility.Lab.Site;

/// <summary>
/// What a lab has created, on disk (<c>STATE/lab.json</c>), written before each thing is made: the namespaces (every
/// device of the lab lives in one of them, so deleting them removes the devices), the agent processes with their
/// configuration files, and shared-memory files. <c>netmob lab down</c> removes what it lists, whether <c>up</c> finished
/// or died halfway; <see cref="Complete"/> says whether it finished.
/// </summary>
public sealed class LabState
{
    public const string FileName = "lab.json";

    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("complete")] public bool Complete { get; set; }
    [JsonPropertyName("namespaces")] public List<string> Namespaces { get; set; } = [];
    [JsonPropertyName("agents")] public List<AgentRecord> Agents { get; set; } = [];
    [JsonPropertyName("files")] public List<string> Files { get; set; } = [];
    [JsonPropertyName("sockets")] public Dictionary<string, string> Sockets { get; set; } = [];

    [JsonIgnore] public string Directory { get; private set; } = "";

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    public static LabState Begin(string directory, string name)
    {
        System.IO.Directory.CreateDirectory(directory);
        var state = new LabState { Name = name, Directory = directory };
        state.Save();
        return state;
    }

    /// <summary>Reads the state of the lab in <paramref name="directory"/>; null when there is none; a damaged file is a <see cref="LabException"/> naming it.</summary>
    public static LabState? Load(string directory)
    {
        string path = PathIn(directory);
        if (!File.Exists(path)) return null;
        try
        {
            var state = JsonSerializer.Deserialize<LabState>(BoundedText.Read(path, 1 << 20)) ?? throw new JsonException("null");
            state.Directory = directory;
            return state;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            throw new LabException($"{path}: not a lab state file ({e.Message})");
        }
    }

    /// <summary>Records namespace <paramref name="name"/> before it is made.</summary>
    public void AddNamespace(string name)
    {
        Namespaces.Add(name);
        Save();
    }

    public void AddAgent(AgentRecord agent)
    {
        Agents.Add(agent);
        Save();
    }

    public void AddFile(string path)
    {
        Files.Add(path);
        Save();
    }

    public void MarkComplete()
    {
        Complete = true;
        Save();
    }

    /// <summary>Written beside its place and renamed into it: a crash leaves the last whole version.</summary>
    public void Save()
    {
        string path = PathIn(Directory), part = $"{path}.part-{Environment.ProcessId}";
        File.WriteAllText(part, JsonSerializer.Serialize(this, Indented) + "\n");
        File.Move(part, path, overwrite: true);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
