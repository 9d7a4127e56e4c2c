using System.Net.Sockets;

namespace NetMobility.Tests.Lab;

/// <summary>
/// Sends a known byte sequence in 4 KiB writes and reads the echo back, comparing each byte with what was sent; counts
/// the bytes verified and the longest wait for an echo.
/// </summary>
internal sealed class EchoPump(Socket socket)
{
    private const int Chunk = 4096;
    private readonly object _gate = new();
    private readonly List<(long Bytes, TaskCompletionSource Reached)> _waits = [];
    private long _verified;

    public long Verified => Interlocked.Read(ref _verified);

    public TimeSpan LongestWait { get; private set; }

    public string? Failure { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        var send = new byte[Chunk];
        var receive = new byte[Chunk];
        long offset = 0;
        while (!stop.IsCancellationRequested)
        {
            for (int i = 0; i < Chunk; i++) send[i] = Pattern(offset + i);
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            await socket.SendAsync(send, SocketFlags.None);
            int got = 0;
            while (got < Chunk)
            {
                int n = await socket.ReceiveAsync(receive.AsMemory(got), SocketFlags.None);
                if (n == 0)
                {
                    Failure = $"the session closed after {offset + got} bytes";
                    Release();
                    return;
                }
                got += n;
            }
            var waited = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (waited > LongestWait) LongestWait = waited;
            for (int i = 0; i < Chunk; i++)
            {
                if (receive[i] == Pattern(offset + i)) continue;
                Failure = $"byte {offset + i} came back as {receive[i]}, not {Pattern(offset + i)}";
                Release();
                return;
            }
            offset += Chunk;
            Interlocked.Exchange(ref _verified, offset);
            Release();
        }
    }

    public Task WaitForBytesAsync(long bytes, TimeSpan timeout)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (Verified >= bytes || Failure is not null) return Task.CompletedTask;
            _waits.Add((bytes, reached));
        }
        return reached.Task.WaitAsync(timeout);
    }

    private static byte Pattern(long position) => (byte)(position * 7 + (position >> 8));

    private void Release()
    {
        lock (_gate)
            for (int i = _waits.Count - 1; i >= 0; i--)
            {
                if (Verified < _waits[i].Bytes && Failure is null) continue;
                _waits[i].Reached.TrySetResult();
                _waits.RemoveAt(i);
            }
    }
}
