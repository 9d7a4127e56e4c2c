using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace NetMobility.Host;

/// <summary>
/// The daemon's control socket: a Unix stream socket that takes one command line per connection (<c>status</c>,
/// <c>watch GENERATION MS</c> (the status at the first change after that generation, or after MS milliseconds), <c>attach VM</c>, <c>detach VM</c>, <c>handover VM</c>, <c>reload</c>) and answers one JSON object and a newline, then closes. A request longer than
/// <see cref="MaxRequest"/> bytes is refused. The socket file is made when the server starts (a stale one from a
/// daemon that died is replaced; one a running daemon answers on is not) and removed when it stops.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    public const int MaxRequest = 1024;

    private readonly Socket _listener;
    private readonly Func<string, Task<string>> _handle;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private ControlServer(string path, Socket listener, Func<string, Task<string>> handle, ILogger log)
    {
        Path = path;
        _listener = listener;
        _handle = handle;
        _log = log;
        _accepting = AcceptLoop();
    }

    public string Path { get; }

    /// <summary>Listens on <paramref name="path"/>; a path already served, or one that cannot be made, is an <see cref="IOException"/> with one line.</summary>
    public static ControlServer Start(string path, Func<string, Task<string>> handle, ILogger log)
    {
        string? directory = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        if (File.Exists(path))
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"control socket {path} is served by another daemon");
            }
            catch (SocketException)
            {
                File.Delete(path); // left by a daemon that died
            }
        }
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(16);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new IOException($"control socket {path}: {e.Message}");
        }
        return new ControlServer(path, listener, handle, log);
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested) return;
                AgentLog.ControlProblem(_log, e.Message);
                continue;
            }
            _ = Serve(client);
        }
    }

    private async Task Serve(Socket client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                string? request = await ReadLine(client, timeout.Token).ConfigureAwait(false);
                string answer = request is null
                    ? ErrorJson($"a request is one line of at most {MaxRequest} bytes")
                    : await _handle(request).ConfigureAwait(false);
                await client.SendAsync(Encoding.UTF8.GetBytes(answer + "\n"), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                AgentLog.ControlProblem(_log, $"a client went away: {e.Message}");
            }
        }
    }

    private static async Task<string?> ReadLine(Socket client, CancellationToken cancel)
    {
        var buffer = new byte[MaxRequest + 1];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancel).ConfigureAwait(false);
            if (read == 0) break;
            int end = Array.IndexOf(buffer, (byte)'\n', filled, read);
            filled += read;
            if (end >= 0) return Encoding.UTF8.GetString(buffer, 0, end).Trim();
        }
        return filled is > 0 and <= MaxRequest ? Encoding.UTF8.GetString(buffer, 0, filled).Trim() : null;
    }

    /// <summary>The answer to a request that failed: <c>{"ok": false, "error": ...}</c>.</summary>
    public static string ErrorJson(string problem) =>
        $"{{\"ok\":false,\"error\":{System.Text.Json.JsonSerializer.Serialize(problem)}}}";

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
    }
}
