namespace NetMobility.Tests.Replay;

/// <summary>Where the repository's own files (captures/, docs/) are, found from the test assembly's folder upwards.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Captures => Path.Combine(Root, "captures");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NetMobility.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no NetMobility.sln above {AppContext.BaseDirectory}");
    }
}
