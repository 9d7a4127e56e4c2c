using System.Globalization;
using NetMobility.Lab;
using NetMobility.Lab.Vm;
using Xunit.Abstractions;

namespace NetMobility.Tests.Lab;

/// <summary>
/// What a failed QEMU lab test leaves in its output to be diagnosed after the fact (a rare failure in CI cannot be run
/// again by hand): for every guest the bridge started, retired ones included, the end of its serial console, what QEMU
/// printed on its standard error, its last QMP events, and, for a QEMU still running, its query-migrate answer when it
/// holds a migration. Used from a test's catch block, which then rethrows: it changes nothing the test asserts.
/// </summary>
internal static class GuestConsoles
{
    public const int Lines = 60;
    private const int Events = 20;
    private static readonly TimeSpan QueryBound = TimeSpan.FromSeconds(5);

    public static async Task WriteAsync(ITestOutputHelper output, GuestBridge lab)
    {
        foreach (var guest in lab.Started)
        {
            try
            {
                await WriteAsync(output, lab, guest);
            }
            catch (Exception ex)
            {
                // The record must never hide the failure it is written for.
                output.WriteLine($"--- a guest could not be described: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private static async Task WriteAsync(ITestOutputHelper output, GuestBridge lab, QemuGuest guest)
    {
        bool running = lab.IsRunning(guest);
        output.WriteLine($"--- {guest}, {(running ? "running" : "retired")}: the last {Lines} lines of its serial console ({guest.SerialLog})");
        output.WriteLine(Tail(SerialConsole(guest)));
        output.WriteLine($"--- {guest}: QEMU's standard error");
        output.WriteLine(Tail(guest.StandardError));
        var events = guest.Qmp.Events;
        output.WriteLine($"--- {guest}: its last {Math.Min(Events, events.Count)} of {events.Count} QMP events");
        foreach (var e in events.Skip(Math.Max(0, events.Count - Events)))
            output.WriteLine($"{e.Timestamp.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {e.Name} {(e.Data.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "" : e.Data.GetRawText())}");
        if (running) output.WriteLine($"--- {guest}: query-migrate: {await QueryMigrateAsync(guest)}");
    }

    /// <summary>The serial log QEMU writes; what it printed on standard output (the same console) if the file is gone.</summary>
    private static string SerialConsole(QemuGuest guest)
    {
        try
        {
            using var file = new FileStream(guest.SerialLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(file);
            return reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return guest.Console;
        }
    }

    private static async Task<string> QueryMigrateAsync(QemuGuest guest)
    {
        try
        {
            string answer = (await guest.Qmp.ExecuteAsync("query-migrate", null, QueryBound)).GetRawText();
            return answer == "{}" ? "(no migration)" : answer;
        }
        catch (Exception ex) when (ex is LabException or ObjectDisposedException or InvalidOperationException)
        {
            return $"(no answer: {ex.Message})";
        }
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? "(nothing)" : string.Join('\n', lines.Skip(Math.Max(0, lines.Length - Lines)).Select(l => l.TrimEnd('\r')));
    }
}
