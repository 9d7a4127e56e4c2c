using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetMobility.Lab.Vm;

namespace NetMobility.Lab.Site;

/// <summary>
/// The correspondent's traffic to the guest, from kernel sockets in the correspondent's namespace: (a) one TCP
/// connection to the guest's echo port carrying a known byte pattern, 4 KiB at a time, every byte checked as it comes
/// back, each round trip's wait recorded; (b) HTTP/1.0 requests to the guest's port 80 one after another (paced, or
/// back to back for the <c>http</c> workload), each checked (200 and the page) and timed; (c) <c>ping -D</c> every 50 ms.
/// Every sample carries its wall-clock time, so that a migration's before, during and after can be told apart.
/// </summary>
public sealed class CorrespondentTraffic : IAsyncDisposable
{
    private const int Chunk = 4096;
    private static readonly TimeSpan HttpPace = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RequestBound = TimeSpan.FromSeconds(30);

    private readonly string _netns;
    private readonly IPAddress _guest;
    private readonly bool _httpLoad;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<Sample> _echo = [];
    private readonly List<Sample> _http = [];
    private readonly List<string> _failures = [];
    private Socket? _session;
    private Task? _echoing, _requesting;
    private LabProcess? _ping;
    private long _echoBytes;
    private volatile bool _echoEnded;
    private TaskCompletionSource _echoProgress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CorrespondentTraffic(string netns, string guest, bool httpLoad)
    {
        _netns = netns;
        _guest = IPAddress.Parse(guest);
        _httpLoad = httpLoad;
    }

    /// <summary>Starts the three streams from <paramref name="netns"/> to <paramref name="guest"/>.</summary>
    public static async Task<CorrespondentTraffic> StartAsync(NetNamespace correspondent, string guest, bool httpLoad)
    {
        var traffic = new CorrespondentTraffic(correspondent.Name, guest, httpLoad);
        traffic._session = await traffic.ConnectAsync(GuestInit.EchoPort).ConfigureAwait(false);
        traffic._echoing = Task.Run(traffic.EchoAsync);
        traffic._requesting = Task.Run(traffic.RequestAsync);
        traffic._ping = correspondent.Start("ping", "-D", "-n", "-i", "0.05", guest);
        return traffic;
    }

    /// <summary>Bytes sent, echoed and checked so far.</summary>
    public long EchoBytes => Interlocked.Read(ref _echoBytes);

    /// <summary>What went wrong (a reset, a wrong byte, a bad HTTP answer), one line each.</summary>
    public IReadOnlyList<string> Failures
    {
        get { lock (_gate) return [.. _failures]; }
    }

    public IReadOnlyList<Sample> Echo
    {
        get { lock (_gate) return [.. _echo]; }
    }

    public IReadOnlyList<Sample> Http
    {
        get { lock (_gate) return [.. _http]; }
    }

    /// <summary>The echo replies received so far, with their times (from <c>ping -D</c>: the time the reply arrived).</summary>
    public IReadOnlyList<Sample> Ping => ParsePing(_ping?.Output ?? "");

    /// <summary>Waits until <paramref name="bytes"/> more bytes have been echoed and checked; false when the bound runs out first.</summary>
    public async Task<bool> WaitForEchoAsync(long bytes, TimeSpan bound)
    {
        long target = EchoBytes + bytes;
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            Task progress;
            lock (_gate) progress = _echoProgress.Task;
            if (EchoBytes >= target) return true;
            if (_echoEnded) return false;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            try
            {
                await progress.WaitAsync(left).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return EchoBytes >= target;
            }
        }
    }

    /// <summary>Wakes whoever waits for echo progress (a chunk checked, or the echo stream ended).</summary>
    private void EchoProgressed()
    {
        TaskCompletionSource reached;
        lock (_gate)
        {
            reached = _echoProgress;
            _echoProgress = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        reached.TrySetResult();
    }

    /// <summary>The correspondent's retransmission timeouts so far (<c>nstat</c>'s TcpExtTCPTimeouts in its namespace).</summary>
    public static long TcpTimeouts(NetNamespace correspondent)
    {
        var text = correspondent.RunChecked(TimeSpan.FromSeconds(30), "nstat", "-a", "-s", "-z", "TcpExtTCPTimeouts");
        foreach (var line in text.Split('\n'))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2 && words[0] == "TcpExtTCPTimeouts") return long.Parse(words[1], CultureInfo.InvariantCulture);
        }
        throw new LabException($"nstat in {correspondent.Name} printed no TcpExtTCPTimeouts: {text}");
    }

    private async Task<Socket> ConnectAsync(int port)
    {
        var socket = NetnsScope.Run(_netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        try
        {
            socket.NoDelay = true;
            using var bound = new CancellationTokenSource(RequestBound);
            await socket.ConnectAsync(new IPEndPoint(_guest, port), bound.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task EchoAsync()
    {
        var send = new byte[Chunk];
        var receive = new byte[Chunk];
        long offset = 0;
        var stop = _stop.Token;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                for (int i = 0; i < Chunk; i++) send[i] = Pattern(offset + i);
                long started = Stopwatch.GetTimestamp();
                var at = DateTimeOffset.UtcNow;
                await _session!.SendAsync(send, SocketFlags.None, stop).ConfigureAwait(false);
                int got = 0;
                while (got < Chunk)
                {
                    int n = await _session.ReceiveAsync(receive.AsMemory(got), SocketFlags.None, stop).ConfigureAwait(false);
                    if (n == 0)
                    {
                        Fail($"echo: the connection was closed after {offset + got} bytes");
                        return;
                    }
                    got += n;
                }
                for (int i = 0; i < Chunk; i++)
                {
                    if (receive[i] == Pattern(offset + i)) continue;
                    Fail($"echo: byte {offset + i} came back as {receive[i]}, not {Pattern(offset + i)}");
                    return;
                }
                offset += Chunk;
                Interlocked.Exchange(ref _echoBytes, offset);
                lock (_gate) _echo.Add(new Sample(at, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                EchoProgressed();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException e)
        {
            Fail($"echo: {e.SocketErrorCode} after {offset} bytes ({e.Message})");
        }
        finally
        {
            _echoEnded = true;
            EchoProgressed();
        }
    }

    private static byte Pattern(long position) => (byte)(position * 7 + (position >> 8));

    private async Task RequestAsync()
    {
        var stop = _stop.Token;
        var request = Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\nHost: guest\r\n\r\n");
        var buffer = new byte[4096];
        while (!stop.IsCancellationRequested)
        {
            var at = DateTimeOffset.UtcNow;
            long started = Stopwatch.GetTimestamp();
            try
            {
                using var socket = await ConnectAsync(GuestInit.HttpPort).ConfigureAwait(false);
                await socket.SendAsync(request, SocketFlags.None, stop).ConfigureAwait(false);
                var answer = new MemoryStream();
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(stop);
                bound.CancelAfter(RequestBound);
                while (true)
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token).ConfigureAwait(false);
                    if (n == 0) break;
                    answer.Write(buffer, 0, n);
                }
                string text = Encoding.ASCII.GetString(answer.ToArray());
                if (!text.StartsWith("HTTP/1.", StringComparison.Ordinal) || !text.Split('\n')[0].Contains(" 200 ", StringComparison.Ordinal) || !text.EndsWith(GuestInit.IndexPage, StringComparison.Ordinal))
                    Fail($"http: a request at {at:HH:mm:ss.fff} got '{text.Split('\n')[0].Trim()}' ({text.Length} bytes)");
                else
                    lock (_gate) _http.Add(new Sample(at, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                Fail($"http: a request at {at:HH:mm:ss.fff} failed: {e.Message}");
            }
            if (!_httpLoad)
            {
                try
                {
                    await Task.Delay(HttpPace, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Fail(string what)
    {
        lock (_gate) _failures.Add(what);
    }

    /// <summary>Reads <c>ping -D</c> lines: <c>[1700000000.123456] 64 bytes from ...: icmp_seq=1 ttl=62 time=1.23 ms</c>.</summary>
    internal static IReadOnlyList<Sample> ParsePing(string output)
    {
        var samples = new List<Sample>();
        foreach (var line in output.Split('\n'))
        {
            int close = line.IndexOf(']');
            int time = line.IndexOf(" time=", StringComparison.Ordinal);
            if (!line.StartsWith('[') || close < 0 || time < 0) continue;
            if (!double.TryParse(line.AsSpan(1, close - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)) continue;
            var rest = line.AsSpan(time + 6);
            int space = rest.IndexOf(' ');
            if (!double.TryParse(space < 0 ? rest : rest[..space], NumberStyles.Float, CultureInfo.InvariantCulture, out double ms)) continue;
            var received = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
            samples.Add(new Sample(received - TimeSpan.FromMilliseconds(ms), ms));
        }
        return samples;
    }

    /// <summary>Stops the streams: the echo connection is closed in order, the HTTP loop and ping end.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var task in new[] { _echoing, _requesting })
        {
            if (task is null) continue;
            try
            {
                await task.WaitAsync(RequestBound).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Fail("a stream did not stop within 30 s");
            }
        }
        _session?.Dispose();
        _ping?.Dispose();
        _stop.Dispose();
    }
}
