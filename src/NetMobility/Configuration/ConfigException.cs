namespace NetMobility.Configuration;

/// <summary>
/// A configuration file says something unusable. <see cref="Exception.Message"/> is one line naming the
/// file, the field (as a JSON path such as <c>node.tunnels[0].ikey</c>) and what is wrong with it.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string file, string field, string problem)
        : base(field.Length == 0 ? $"{file}: {problem}" : $"{file}: {field}: {problem}") =>
        (File, Field, Problem) = (file, field, problem);

    public string File { get; }
    public string Field { get; }
    public string Problem { get; }
}
