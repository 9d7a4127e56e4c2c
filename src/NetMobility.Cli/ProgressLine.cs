using System.Globalization;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Reports;

namespace NetMobility.Cli;

/// <summary>
/// The progress of <c>migrate send</c> on stderr while it runs: on a terminal one line rewritten in place four times a
/// second, otherwise a plain line every second (logs, pipes, tests).
/// </summary>
internal sealed class ProgressLine : IAsyncDisposable
{
    private readonly Func<MigrationProgress> _read;
    private readonly TextWriter _error;
    private readonly bool _live;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _width;

    public ProgressLine(Func<MigrationProgress> read, TextWriter error, bool live)
    {
        _read = read;
        _error = error;
        _live = live;
        _loop = RunAsync(live ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(1));
    }

    public static string Format(MigrationProgress p)
    {
        var c = CultureInfo.InvariantCulture;
        string eta = p.RoundEta is { } t ? string.Create(c, $", round ETA {t.TotalSeconds:0.0} s") : "";
        return string.Create(c, $"round {p.Round}{(p.StopAndCopy ? " (stop-and-copy)" : "")}: {p.PagesLeftInRound} pages left, dirty {p.DirtyPagesPerSecond:0} pages/s, {ReportText.Bytes(p.WireBytes)} sent at {ReportText.Bytes((long)p.Throughput)}/s{eta}");
    }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var p = _read();
                if (p.Round == 0) continue;
                Write(Format(p));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Write(string line)
    {
        if (!_live)
        {
            _error.WriteLine(line);
            return;
        }
        // Rewrite the line in place, blanking what a longer previous line left.
        _error.Write($"\r{line.PadRight(_width)}");
        _width = line.Length;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (_live && _width > 0) _error.WriteLine();
        _stop.Dispose();
    }
}
