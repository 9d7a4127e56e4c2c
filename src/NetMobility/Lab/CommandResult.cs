namespace NetMobility.Lab;

/// <summary>How a finished command ended and what it printed.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The first non-empty line of standard error (or of standard output when error is empty): what a one-line message quotes.</summary>
    public string FirstErrorLine()
    {
        foreach (var text in new[] { StandardError, StandardOutput })
            foreach (var line in text.Split('\n'))
                if (line.Trim() is { Length: > 0 } trimmed) return trimmed;
        return $"exit code {ExitCode}";
    }
}
