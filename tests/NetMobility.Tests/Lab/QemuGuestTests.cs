using System.Net.Sockets;
using System.Security.Cryptography;
using NetMobility.Lab.Vm;
using Xunit.Abstractions;

namespace NetMobility.Tests.Lab;

/// <summary>
/// A real guest (Debian's cloud kernel and busybox, built by <see cref="GuestImageBuilder"/>) under QEMU on a TAP in a
/// namespace: ping, its TCP echo, its stream digest and its HTTP server from the namespace's kernel; then QEMU's own
/// live migration to a second QEMU process with a TCP session carried across.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class QemuGuestTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = VmLab.Bound;

    [Fact]
    public async Task A_guest_built_from_debian_packages_boots_and_answers_ping_tcp_echo_digest_and_http()
    {
        VmPrerequisites.Require();
        await using var lab = new VmLab();
        var guest = await lab.StartGuestAsync("g1");
        await guest.WaitForBootAsync(VmLab.BootBound);

        Assert.Equal("running", await guest.QueryStatusAsync());
        Assert.Contains($"eth0 {VmLab.GuestAddress} netmask 255.255.255.0 gateway {VmLab.HostAddress} mac {VmLab.GuestMac}", guest.Console);
        var ping = lab.Namespace.Run(Bound, "ping", "-c", "3", "-i", "0.2", "-W", "5", VmLab.GuestAddress);
        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
        Assert.Contains("3 received", ping.StandardOutput);

        var data = RandomNumberGenerator.GetBytes(256 << 10);
        string sent = Path.Combine(lab.Files.FullName, "sent"), echoed = Path.Combine(lab.Files.FullName, "echoed");
        await File.WriteAllBytesAsync(sent, data);
        var echo = lab.Namespace.Run(Bound, "sh", "-c", $"socat -t 10 - TCP:{VmLab.GuestAddress}:{GuestInit.EchoPort} < {sent} > {echoed}");
        Assert.True(echo.Succeeded, echo.StandardError);
        Assert.Equal(data, await File.ReadAllBytesAsync(echoed));

        var digest = lab.Namespace.Run(Bound, "sh", "-c", $"socat -t 10 - TCP:{VmLab.GuestAddress}:{GuestInit.DigestPort} < {sent}");
        Assert.True(digest.Succeeded, digest.StandardError);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)) + "  -", digest.StandardOutput.Trim());

        var http = lab.Namespace.Run(Bound, "sh", "-c", $"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | socat -t 10 - TCP:{VmLab.GuestAddress}:{GuestInit.HttpPort}");
        Assert.True(http.Succeeded, http.StandardError);
        Assert.StartsWith("HTTP/1.", http.StandardOutput);
        Assert.Contains(" 200 ", http.StandardOutput.Split('\n')[0]);
        Assert.EndsWith("\r\n\r\n" + GuestInit.IndexPage, http.StandardOutput);
    }

    [Fact]
    public async Task Qemus_own_live_migration_to_a_second_qemu_keeps_a_tcp_session_to_the_guest()
    {
        VmPrerequisites.Require();
        await using var lab = new VmLab();
        var source = await lab.StartGuestAsync("src");
        await source.WaitForBootAsync(VmLab.BootBound);
        var destination = await lab.StartGuestAsync("dst", incoming: true);
        Assert.Equal("inmigrate", await destination.QueryStatusAsync());

        // The session: the namespace's kernel holds the TCP connection to the guest's echo server; the test reaches it
        // through socat's Unix socket and keeps bytes flowing across the migration, checking every byte that comes back.
        string relay = Path.Combine(lab.Files.FullName, "session.sock");
        using var socat = lab.Namespace.Start("socat", "-d", "-d", $"UNIX-LISTEN:{relay}", $"TCP:{VmLab.GuestAddress}:{GuestInit.EchoPort}");
        await socat.WaitForOutputAsync("listening on", Bound);
        using var session = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await session.ConnectAsync(new UnixDomainSocketEndPoint(relay));
        await socat.WaitForOutputAsync("starting data transfer loop", Bound);
        using var stop = new CancellationTokenSource();
        var pump = new EchoPump(session);
        var pumping = pump.RunAsync(stop.Token);
        await pump.WaitForBytesAsync(64 << 10, Bound);

        await destination.MigrateIncomingAsync("tcp:127.0.0.1:4444");
        await source.MigrateAsync("tcp:127.0.0.1:4444");
        var stats = await source.WaitForMigrationAsync(VmLab.BootBound);
        await destination.WaitForResumeAsync(Bound);
        long atResume = pump.Verified;
        await pump.WaitForBytesAsync(atResume + (256 << 10), Bound);
        stop.Cancel();
        await pumping;

        output.WriteLine($"QEMU migration of the {lab.Image.MemoryMb} MiB guest: {stats}; session verified {pump.Verified} bytes, longest echo wait {pump.LongestWait.TotalMilliseconds:0} ms");
        Assert.True(stats.Completed, stats.ToString());
        Assert.Null(stats.Error);
        Assert.InRange(stats.DowntimeMs, 0, stats.TotalTimeMs);
        Assert.True(stats.TransferredBytes > 0, stats.ToString());
        Assert.Equal("postmigrate", await source.QueryStatusAsync());
        Assert.Equal("running", await destination.QueryStatusAsync());
        Assert.Null(pump.Failure);
        var ping = lab.Namespace.Run(Bound, "ping", "-c", "2", "-i", "0.2", "-W", "5", VmLab.GuestAddress);
        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
    }

    /// <summary>
    /// Sends a known byte sequence in 4 KiB writes and reads the echo back, comparing each byte with what was sent; counts
    /// the bytes verified and the longest wait for an echo.
    /// </summary>
    private sealed class EchoPump(Socket socket)
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
}
