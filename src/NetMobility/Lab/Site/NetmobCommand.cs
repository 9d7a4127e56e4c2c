using System.Diagnostics;

namespace NetMobility.Lab.Site;

/// <summary>How to run the <c>netmob</c> program itself (the lab starts <c>netmob agent</c> processes): the apphost, or <c>dotnet netmob.dll</c>.</summary>
public sealed record NetmobCommand(string Program, IReadOnlyList<string> Prefix)
{
    /// <summary>The program this process runs as: its apphost, or the host and the entry assembly when run as <c>dotnet netmob.dll</c>.</summary>
    public static NetmobCommand Current()
    {
        string process = Environment.ProcessPath ?? throw new LabException("the path of the running program is unknown");
        if (Path.GetFileNameWithoutExtension(process) != "dotnet") return new NetmobCommand(process, []);
        string assembly = System.Reflection.Assembly.GetEntryAssembly()?.Location ?? throw new LabException("the entry assembly's path is unknown");
        return new NetmobCommand(process, [assembly]);
    }

    /// <summary>The apphost built beside <paramref name="directory"/>'s assemblies (the tests' copy).</summary>
    public static NetmobCommand In(string directory) => new(Path.Combine(directory, "netmob"), []);

    public List<string> With(params string[] arguments) => [.. Prefix, .. arguments];

    /// <summary>
    /// Starts <c>netmob ARGS</c> detached from this process: its own session (setsid), input from /dev/null, output appended
    /// to <paramref name="log"/>; it outlives this process. Answers its process id.
    /// </summary>
    public int StartDetached(string log, params string[] arguments) => StartDetached(log, null, arguments);

    /// <summary>As <see cref="StartDetached(string, string[])"/>, with <paramref name="environment"/> added to the process's environment.</summary>
    public int StartDetached(string log, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        foreach (var a in (string[])["-c", "log=$1; shift; exec setsid \"$@\" </dev/null >>\"$log\" 2>&1", "sh", log, Program, .. With(arguments)])
            info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info) ?? throw new LabException($"{Program} could not be started");
            return process.Id;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LabException($"sh could not be started ({e.Message})");
        }
    }
}
