using System.Diagnostics;
using NetMobility.Host;
using NetMobility.Lab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The lab's waits on other processes: a process's end seen through its pidfd (no polling), and the readiness
/// protocol (sd_notify's <c>READY=1</c>) between a daemon and whoever started it.
/// </summary>
public sealed class ProcessWaitTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("nmwait-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_end_of_a_process_completes_its_wait_and_not_before()
    {
        using var sleeper = Process.Start("sleep", "600")!;
        var ended = ProcessExit.WaitAsync(sleeper.Id, CancellationToken.None);
        // The process is still there: its pidfd is not readable, so the wait cannot have completed.
        Assert.False(ended.IsCompleted);
        sleeper.Kill();
        await ended.WaitAsync(Bound);
        Assert.True(sleeper.HasExited || sleeper.WaitForExit(Bound));
    }

    [Fact]
    public async Task A_process_that_is_gone_already_is_not_waited_for()
    {
        using var quick = Process.Start("true")!;
        await quick.WaitForExitAsync();
        await ProcessExit.WaitAsync(quick.Id, CancellationToken.None).WaitAsync(Bound);
    }

    [Fact]
    public async Task A_cancelled_wait_ends_while_the_process_runs_on()
    {
        using var sleeper = Process.Start("sleep", "600")!;
        using var cancel = new CancellationTokenSource();
        var ended = ProcessExit.WaitAsync(sleeper.Id, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ended.WaitAsync(Bound));
        Assert.False(sleeper.HasExited);
        sleeper.Kill();
    }

    [Fact]
    public async Task Ready_is_seen_after_other_state_lines_and_a_missing_socket_is_one_line()
    {
        using var notice = ReadyNotice.Listen(Path.Combine(_directory, "agent.ready"));
        var ready = notice.WaitAsync(CancellationToken.None);
        Assert.Null(ServiceNotify.Send("STATUS=starting", notice.Path));
        Assert.Null(ServiceNotify.Send("STATUS=opening links\nREADY=0", notice.Path));
        Assert.Null(ServiceNotify.Send("READY=1\nSTATUS=serving", notice.Path));
        // Had a datagram without READY=1 ended the wait, the status would be an earlier one.
        Assert.Equal("serving", await ready.WaitAsync(Bound));

        string? problem = ServiceNotify.Send("READY=1", Path.Combine(_directory, "nobody.ready"));
        Assert.NotNull(problem);
        Assert.StartsWith($"NOTIFY_SOCKET {Path.Combine(_directory, "nobody.ready")}: ", problem);
        Assert.DoesNotContain("\n", problem);
        Assert.Null(ServiceNotify.Send("READY=1", null));
    }
}
