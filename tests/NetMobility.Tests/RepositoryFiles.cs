namespace NetMobility.Tests;

/// <summary>Files committed with the project (captures, scripts), found from the test binary's folder upwards.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "NetMobility.sln"))) return dir.FullName;
        throw new InvalidOperationException("NetMobility.sln not found above " + AppContext.BaseDirectory);
    }
}
