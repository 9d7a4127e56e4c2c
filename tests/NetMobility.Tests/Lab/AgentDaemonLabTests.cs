using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NetMobility.Lab;
using static NetMobility.Tests.Lab.AgentLab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The home and foreign agents as <c>netmob agent</c> daemons, separate processes, on TAP devices between Linux kernels
/// (see <see cref="AgentLab"/>): the kernel's ping and TCP reach the VM at home, at the foreign site (registration through
/// the foreign agent, GRE from the home agent, reverse tunnelling through a strict reverse-path filter) and home again,
/// and one TCP connection carries every byte once and in order across many moves.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class AgentDaemonLabTests
{
    [Fact]
    public async Task Kernel_ping_and_tcp_reach_the_vm_at_home_away_and_home_again_and_the_daemons_stop_cleanly()
    {
        LabPrerequisites.Require();
        using var lab = new AgentLab();
        await lab.StartAsync();

        lab.PingAndTransfer("at home");

        // A move announced to the home agent: it holds the VM's packets until the registration from the foreign site, then
        // sends them into the tunnel; the foreign daemon, which is no home agent, refuses.
        await NetMobility.Lab.Site.LabMove.Control(lab.HomeSocket, "handover", "vm1");
        var refused = await Assert.ThrowsAsync<LabException>(() => NetMobility.Lab.Site.LabMove.Control(lab.ForeignSocket, "handover", "vm1"));
        Assert.Contains("node foreign is no home agent", refused.Message);
        await lab.MoveAwayAsync();
        lab.PingAndTransfer("away");
        var home = Status(lab.HomeSocket);
        var binding = Assert.Single(home.GetProperty("bindings").EnumerateArray());
        Assert.Equal(VmAddress, binding.GetProperty("homeAddress").GetString());
        Assert.Equal("198.51.100.1", binding.GetProperty("careOf").GetString());
        Assert.Equal(NetMobility.Tunnels.TunnelKind.Gre.Name, binding.GetProperty("encapsulation").GetString());
        Assert.True(binding.GetProperty("reverseTunnel").GetBoolean());
        Assert.True(home.GetProperty("counters").GetProperty("homeAgent").GetProperty("reverseTunnelled").GetInt64() > 0, "nothing came back through the reverse tunnel");
        var foreign = Status(lab.ForeignSocket);
        var visitor = Assert.Single(foreign.GetProperty("visitors").EnumerateArray());
        Assert.True(visitor.GetProperty("accepted").GetBoolean());
        Assert.Equal(VmMac, visitor.GetProperty("mac").GetString());
        Assert.Contains(foreign.GetProperty("tunnels").EnumerateArray(), t => t.GetProperty("remote").GetString() == "10.1.0.1" && t.GetProperty("packetsIn").GetInt64() > 0);

        await lab.MoveHomeAsync();
        lab.PingAndTransfer("home again");

        // SIGTERM: each daemon stops with exit 0 within 5 s, lets its TAPs go (they persist: the lab made them) and
        // leaves a capture that tshark reads without a malformed frame.
        await lab.StopAndCheckCaptureAsync(lab.Home!, "home");
        await lab.StopAndCheckCaptureAsync(lab.Foreign!, "foreign");
        Assert.Contains(lab.VmDevice, lab.Vm.Ip("link", "show"));
    }

    [Fact]
    public async Task Sigterm_at_the_foreign_agent_deregisters_its_away_vm_so_the_home_agent_holds_no_binding_into_it()
    {
        LabPrerequisites.Require();
        using var lab = new AgentLab();
        await lab.StartAsync();
        await lab.MoveAwayAsync();
        var binding = Assert.Single(Status(lab.HomeSocket).GetProperty("bindings").EnumerateArray());
        Assert.Equal("198.51.100.1", binding.GetProperty("careOf").GetString());

        // The foreign daemon, hosting the VM away, deregisters its care-of address through its own foreign agent before
        // it lets go of anything, and waits for the answer: by the time it has exited (0, within 5 s) the binding is gone.
        await lab.StopAndCheckCaptureAsync(lab.Foreign!, "foreign");
        Assert.Contains("vm vm1: deregistering care-of 198.51.100.1 through the foreign agent before the node stops", lab.Foreign!.Output);
        Assert.Contains("vm vm1: registration Deregistered", lab.Foreign.Output);
        Assert.DoesNotContain("not all answered", lab.Foreign.Output);
        var home = Status(lab.HomeSocket);
        Assert.Empty(home.GetProperty("bindings").EnumerateArray());
        Assert.Contains($"binding removed: {VmAddress} (Deregistered)", lab.Home!.Output);
    }

    [Fact]
    public async Task One_tcp_connection_carries_every_byte_once_and_in_order_across_twenty_moves()
    {
        LabPrerequisites.Require();
        using var lab = new AgentLab();
        await lab.StartAsync();
        const int Moves = 20;

        using var listener = NetnsScope.Run(lab.Vm.Name, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Any, 5002));
        listener.Listen(1);
        using var client = NetnsScope.Run(lab.Correspondent.Name, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        await client.ConnectAsync(IPAddress.Parse(VmAddress), 5002).WaitAsync(Bound);
        using var server = await listener.AcceptAsync().WaitAsync(Bound);

        using var stop = new CancellationTokenSource();
        var progress = new ReceiveProgress();
        var sending = Task.Run(() => Send(client, stop.Token));
        var receiving = Task.Run(() => Receive(server, progress));

        const int AfterEachMove = 64 * 1024;
        for (int move = 0; move < Moves; move++)
        {
            if (move % 2 == 0) await lab.MoveAwayAsync();
            else await lab.MoveHomeAsync();
            Assert.False(sending.IsCompleted, $"the sender stopped at move {move + 1}: {sending.Exception?.InnerException?.Message}");
            Assert.False(receiving.IsCompleted, $"the receiver stopped at move {move + 1}: {receiving.Exception?.InnerException?.Message}");
            // The stream goes on at the VM's new place before the next move.
            long target = progress.Bytes + AfterEachMove;
            Assert.True(await progress.ReachAsync(target, Bound), $"no {AfterEachMove} bytes reached the VM within {Bound} after move {move + 1}");
        }
        stop.Cancel();
        var (sentBytes, sentHash) = await sending.WaitAsync(Bound);
        var (receivedBytes, receivedHash) = await receiving.WaitAsync(Bound);

        Assert.True(receivedBytes >= Moves * AfterEachMove, $"only {receivedBytes} bytes arrived");
        Assert.Equal(sentBytes, receivedBytes);
        Assert.Equal(Convert.ToHexString(sentHash), Convert.ToHexString(receivedHash));
        var home = Status(lab.HomeSocket).GetProperty("counters").GetProperty("homeAgent");
        Assert.True(home.GetProperty("accepted").GetInt64() >= Moves, $"the home agent accepted {home.GetProperty("accepted")} registrations for {Moves} moves");
    }

    /// <summary>Writes seeded pseudo-random bytes, 16 KiB at a time, paced, until told to stop; then closes its side.</summary>
    private static (long Bytes, byte[] Hash) Send(Socket socket, CancellationToken stop)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(10);
        var chunk = new byte[16 * 1024];
        long total = 0;
        while (!stop.IsCancellationRequested)
        {
            random.NextBytes(chunk);
            int sent = 0;
            while (sent < chunk.Length) sent += socket.Send(chunk, sent, chunk.Length - sent, SocketFlags.None);
            hash.AppendData(chunk);
            total += chunk.Length;
            // Pacing, not synchronisation: about 3 MB/s keeps the daemons' two cores for routing rather than for this loop;
            // the wait ends at once when the stream is told to stop.
            stop.WaitHandle.WaitOne(5);
        }
        socket.Shutdown(SocketShutdown.Send);
        return (total, hash.GetHashAndReset());
    }

    private static (long Bytes, byte[] Hash) Receive(Socket socket, ReceiveProgress progress)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        while (true)
        {
            int read = socket.Receive(buffer);
            if (read == 0) break;
            hash.AppendData(buffer, 0, read);
            total += read;
            progress.Add(read);
        }
        return (total, hash.GetHashAndReset());
    }

    /// <summary>How many bytes the receiver has taken, and a wait for a count to be reached (signalled on every read).</summary>
    private sealed class ReceiveProgress
    {
        private readonly SemaphoreSlim _read = new(0);
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Add(int count)
        {
            Interlocked.Add(ref _bytes, count);
            _read.Release();
        }

        /// <summary>True once <see cref="Bytes"/> reaches <paramref name="target"/>; false when <paramref name="bound"/> runs out first.</summary>
        public async Task<bool> ReachAsync(long target, TimeSpan bound)
        {
            using var timeout = new CancellationTokenSource(bound);
            try
            {
                while (Bytes < target) await _read.WaitAsync(timeout.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return Bytes >= target;
            }
        }
    }
}
