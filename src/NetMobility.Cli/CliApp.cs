using System.CommandLine;

namespace NetMobility.Cli;

/// <summary>Runs a command line; every failure a user can cause ends as one line on stderr and exit code 2.</summary>
public static class CliApp
{
    public const int UsageError = 2;
    public const int InternalError = 70; // EX_SOFTWARE, sysexits.h

    public static int Run(RootCommand root, string[] args)
    {
        // No response files: an argument that starts with @ is a name like any other (a capture called @cap.pcapng),
        // and nothing is read from a file the user did not name as an input.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            // An unknown word explains the rest ("frobnicate" also leaves no command chosen): name it first.
            var error = parse.Errors.FirstOrDefault(e => parse.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'"))) ?? parse.Errors[0];
            Console.Error.WriteLine($"netmob: {OneLine(error.Message)}");
            return UsageError;
        }
        try
        {
            // Failures are reported here, as one line; the library's default handler would print a stack trace.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UserInputException ex)
        {
            Console.Error.WriteLine($"netmob: {OneLine(ex.Message)}");
            return UsageError;
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"netmob: {OneLine(ex.Message)}");
            return UsageError;
        }
        catch (UnauthorizedAccessException ex)
        {
            Console.Error.WriteLine($"netmob: {OneLine(ex.Message)}");
            return UsageError;
        }
        catch (Exception ex)
        {
            // A fault of the toolkit itself, not of the input: still one line, and a distinct exit code.
            Console.Error.WriteLine($"netmob: internal error: {ex.GetType().Name}: {OneLine(ex.Message)}");
            // For a bug report: the whole trace, only when asked for.
            if (Environment.GetEnvironmentVariable("NETMOB_TRACE") == "1") Console.Error.WriteLine(ex);
            return InternalError;
        }
    }

    /// <summary>
    /// The message with every control character, and the Unicode line and paragraph separators, written as an
    /// escape (<c>\n</c>, <c>\u001b</c>): a value the user typed cannot break the one-line error into two or colour the terminal.
    /// </summary>
    public static string OneLine(string message)
    {
        if (!message.Any(NeedsEscape)) return message;
        var line = new System.Text.StringBuilder(message.Length + 16);
        foreach (char c in message)
        {
            if (!NeedsEscape(c)) line.Append(c);
            else if (c == '\n') line.Append("\\n");
            else if (c == '\r') line.Append("\\r");
            else if (c == '\t') line.Append("\\t");
            else line.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
        }
        return line.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}

/// <summary>Bad input from the user (file, configuration, argument): the message is shown as it is, on one line.</summary>
public sealed class UserInputException(string message) : Exception(message);
