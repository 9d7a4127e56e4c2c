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
        await using var lab = VmLab.Create();
        var guest = await lab.StartGuestAsync("g1");
        await guest.WaitForBootAsync(VmLab.BootBound);

        Assert.Equal("running", await guest.QueryStatusAsync());
        Assert.Contains($"eth0 {VmLab.GuestAddress} netmask 255.255.255.0 gateway {VmLab.HostAddress} mac {VmLab.GuestMac}", guest.Console);
        var ping = lab.Namespace.Run(Bound, "ping", "-c", "3", "-i", "0.2", "-W", "5", VmLab.GuestAddress);
        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
        Assert.Contains("3 received", ping.StandardOutput);

        var data = RandomNumberGenerator.GetBytes(256 << 10);
        string sent = Path.Combine(lab.Files, "sent"), echoed = Path.Combine(lab.Files, "echoed");
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

    [Theory]
    [InlineData(QemuMigrationMode.Qemu)]
    [InlineData(QemuMigrationMode.SharedFileCopy)]
    public async Task A_guest_migrates_there_and_back_between_qemu_processes_and_keeps_a_tcp_session(QemuMigrationMode mode)
    {
        VmPrerequisites.Require();
        await using var lab = VmLab.Create();
        string? Ram(int index) => mode == QemuMigrationMode.SharedFileCopy ? $"/dev/shm/{lab.Namespace.Name}-{index}" : null;
        try
        {
            var guest = await lab.StartGuestAsync("vm0", sharedMemoryPath: Ram(0));
            await guest.WaitForBootAsync(VmLab.BootBound);

            // The session: the namespace's kernel holds the TCP connection to the guest's echo server; the test reaches it
            // through socat's Unix socket and keeps bytes flowing across the migrations, checking every byte that comes back.
            string relay = Path.Combine(lab.Files, "session.sock");
            using var socat = lab.Namespace.Start("socat", "-d", "-d", $"UNIX-LISTEN:{relay}", $"TCP:{VmLab.GuestAddress}:{GuestInit.EchoPort}");
            await socat.WaitForOutputAsync("listening on", Bound);
            using var session = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await session.ConnectAsync(new UnixDomainSocketEndPoint(relay));
            await socat.WaitForOutputAsync("starting data transfer loop", Bound);
            using var stop = new CancellationTokenSource();
            var pump = new EchoPump(session);
            var pumping = pump.RunAsync(stop.Token);
            await pump.WaitForBytesAsync(64 << 10, Bound);

            for (int i = 1; i <= 2; i++)
            {
                var destination = await lab.StartGuestAsync($"vm{i}", incoming: true, sharedMemoryPath: Ram(i));
                Assert.Equal("inmigrate", await destination.QueryStatusAsync());
                var result = await QemuMigration.RunAsync(guest, destination, mode, QemuMigrationSeries.MigrationUri, VmLab.BootBound);
                long atResume = pump.Verified;
                await pump.WaitForBytesAsync(atResume + (128 << 10), Bound);

                output.WriteLine($"{mode} migration {i} of the {lab.Image.MemoryMb} MiB guest: {result.Qemu}; paused {result.Paused.TotalMilliseconds:0.#} ms, "
                    + $"total {result.Total.TotalMilliseconds:0.#} ms, copy {result.Copy.TotalMilliseconds:0.#} ms, {result.Bytes} bytes; longest echo wait so far {pump.LongestWait.TotalMilliseconds:0} ms");
                Assert.True(result.Qemu.Completed, result.Qemu.ToString());
                Assert.Null(result.Qemu.Error);
                Assert.True(result.Qemu.TotalTimeMs > 0, result.Qemu.ToString());
                Assert.InRange(result.Qemu.DowntimeMs, 0, result.Qemu.TotalTimeMs);
                Assert.True(result.Paused > TimeSpan.Zero && result.Paused < result.Total, $"paused {result.Paused}, total {result.Total}");
                Assert.Null(pump.Failure);
                Assert.Equal("postmigrate", await guest.QueryStatusAsync());
                Assert.Equal("running", await destination.QueryStatusAsync());
                if (mode == QemuMigrationMode.SharedFileCopy)
                {
                    // Only device state in QEMU's stream; the RAM went by the file copy.
                    Assert.Equal(lab.Image.MemoryMb << 20, result.CopiedBytes);
                    Assert.InRange(result.Qemu.TransferredBytes, 1, 4 << 20);
                }
                else
                {
                    Assert.Equal(0, result.CopiedBytes);
                    Assert.True(result.Qemu.TransferredBytes > 4 << 20, result.Qemu.ToString());
                }
                await lab.RetireAsync(guest);
                guest = destination;
            }
            stop.Cancel();
            await pumping;
            Assert.Null(pump.Failure);
            var ping = lab.Namespace.Run(Bound, "ping", "-c", "2", "-i", "0.2", "-W", "5", VmLab.GuestAddress);
            Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
        }
        finally
        {
            for (int i = 0; i <= 2; i++)
                if (Ram(i) is { } path) File.Delete(path);
        }
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
