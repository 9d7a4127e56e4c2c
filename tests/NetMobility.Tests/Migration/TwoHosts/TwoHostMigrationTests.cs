using System.Net;
using System.Net.Sockets;
using NetMobility.Migration;
using NetMobility.Migration.Content;
using NetMobility.Migration.Reports;

namespace NetMobility.Tests.Migration.TwoHosts;

/// <summary>
/// <c>netmob migrate receive</c> and <c>netmob migrate send</c> as two processes over loopback TCP: plain and TLS, one
/// and four channels, a connection cut by a relay, a destination killed, a corrupted octet, a wrong certificate, and
/// the ways a migration cannot start.
/// </summary>
public sealed class TwoHostMigrationTests : IDisposable
{
    private const long ImageBytes = 8L << 20;
    private readonly string _dir = Directory.CreateTempSubdirectory("netmob-two-hosts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteImage(long bytes = ImageBytes)
    {
        string path = Path.Combine(_dir, "source.img");
        using var image = new MemoryImage(bytes);
        RealisticContent.Fill(image, 5, ContentProfile.Typical);
        image.SaveToFile(path);
        return path;
    }

    private static string[] Receive(string output, params string[] more) =>
        ["migrate", "receive", "--listen", "127.0.0.1:0", "--out", output, "--json", .. more];

    private static ReceiveReport ReceiveReportOf(string output) =>
        Assert.IsType<ReceiveReport>(ReportJson.DeserializeReceive(output));

    private static MigrationReport SendReportOf(string output) =>
        Assert.IsType<MigrationReport>(ReportJson.Deserialize(output));

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 4)]
    [InlineData(true, 1)]
    [InlineData(true, 4)]
    public async Task An_image_file_arrives_whole_in_the_other_process(bool tls, int channels)
    {
        string image = WriteImage(), output = Path.Combine(_dir, "received.img");
        string[] receiverTls = [], senderTls = [];
        if (tls)
        {
            var destinationPem = PemPair.Create(_dir, "destination");
            var sourcePem = PemPair.Create(_dir, "source");
            receiverTls = destinationPem.Arguments(sourcePem);
            senderTls = sourcePem.Arguments(destinationPem, pin: true);
        }
        using var receiver = NetmobProcess.Start(Receive(output, receiverTls));
        int port = await receiver.ListeningPortAsync();
        using var sender = NetmobProcess.Start(["migrate", "send", "--to", $"127.0.0.1:{port}", "--image", image, "--channels", $"{channels}", "--json", .. senderTls]);

        var (sent, sendOutput) = await sender.ExitAsync();
        var (received, receiveOutput) = await receiver.ExitAsync();
        Assert.True(sent == 0, sender.StandardError);
        Assert.True(received == 0, receiver.StandardError);
        var source = SendReportOf(sendOutput);
        var destination = ReceiveReportOf(receiveOutput);
        Assert.Equal(NetMobility.Migration.Reports.MigrationOutcome.Completed, source.Outcome);
        Assert.Equal(channels, source.Channels);
        Assert.StartsWith(tls ? "tls 127.0.0.1:" : "tcp 127.0.0.1:", source.Transport);
        Assert.True(destination.Committed);
        Assert.Equal(source.Digest, destination.Digest);
        Assert.Equal(channels, destination.Connections);
        Assert.Equal(File.ReadAllBytes(image), File.ReadAllBytes(output));
        Assert.True(source.Switchover!.ResumeConfirmed);
    }

    [Fact]
    public async Task A_running_web_server_migrates_and_the_saved_image_has_the_agreed_digest()
    {
        string output = Path.Combine(_dir, "received.img");
        using var receiver = NetmobProcess.Start(Receive(output));
        int port = await receiver.ListeningPortAsync();
        using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{port}", "--memory", "16M", "--workload", "web", "--json");

        var (sent, sendOutput) = await sender.ExitAsync();
        var (received, receiveOutput) = await receiver.ExitAsync();
        Assert.True(sent == 0, sender.StandardError);
        Assert.True(received == 0, receiver.StandardError);
        var source = SendReportOf(sendOutput);
        Assert.Equal("web-server", source.Workload);
        Assert.Equal(source.Digest, ReceiveReportOf(receiveOutput).Digest);
        Assert.Equal(16L << 20, new FileInfo(output).Length);
        // The saved image is the one the digest was agreed on.
        using var back = MemoryImage.FromFile(output);
        Assert.Equal(source.Digest, NetMobility.Migration.PageStream.PageDigestTable.Compute(back).ToString());
    }

    [Fact]
    public async Task A_connection_cut_midway_is_resumed_and_the_image_arrives_whole()
    {
        string image = WriteImage(), output = Path.Combine(_dir, "received.img");
        using var receiver = NetmobProcess.Start(Receive(output));
        int port = await receiver.ListeningPortAsync();
        await using var relay = new TcpRelay(port, TcpRelay.Fault.Cut, at: ImageBytes / 3);
        using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{relay.Port}", "--image", image, "--channels", "2", "--json");

        var (sent, sendOutput) = await sender.ExitAsync();
        var (received, receiveOutput) = await receiver.ExitAsync();
        Assert.True(relay.Tripped.IsCompleted, "the relay never cut the connections");
        Assert.True(sent == 0, sender.StandardError);
        Assert.True(received == 0, receiver.StandardError);
        var source = SendReportOf(sendOutput);
        var destination = ReceiveReportOf(receiveOutput);
        Assert.True(source.Resumes >= 1, $"{source.Resumes} resumes");
        Assert.True(destination.Connections > 2, $"{destination.Connections} connections");
        Assert.Equal(source.Digest, destination.Digest);
        Assert.Equal(File.ReadAllBytes(image), File.ReadAllBytes(output));
    }

    [Fact]
    public async Task A_destination_killed_midway_leaves_the_vm_running_at_the_source()
    {
        string image = WriteImage(), output = Path.Combine(_dir, "received.img");
        using var receiver = NetmobProcess.Start(Receive(output));
        int port = await receiver.ListeningPortAsync();
        await using var relay = new TcpRelay(port, TcpRelay.Fault.Hold, at: ImageBytes / 4);
        using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{relay.Port}", "--image", image, "--channels", "1");

        // Pages are on their way (stderr is not a terminal: plain progress lines, one a second): the destination dies.
        await relay.Tripped.WaitAsync(TimeSpan.FromSeconds(60));
        string progress = await sender.WaitForLineAsync(l => l.StartsWith("round 1: ", StringComparison.Ordinal));
        // The first line may come before a page has left (a loaded machine): any size, from B to GiB.
        Assert.Matches(@"^round 1: \d+ pages left, dirty \d+ pages/s, [\d.]+ (?:[KMG]i)?B sent at [\d.]+ (?:[KMG]i)?B/s", progress);
        receiver.Kill();
        await receiver.ExitAsync();

        var (sent, _) = await sender.ExitAsync();
        Assert.Equal(1, sent);
        var last = sender.StandardError.Split('\n')[^1];
        Assert.StartsWith($"netmob: migration to 127.0.0.1:{relay.Port} failed, the VM resumed here: ", last);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task An_interrupt_at_the_source_rolls_back_and_the_destination_is_told()
    {
        string image = WriteImage(), output = Path.Combine(_dir, "received.img");
        using var receiver = NetmobProcess.Start(Receive(output));
        int port = await receiver.ListeningPortAsync();
        await using var relay = new TcpRelay(port, TcpRelay.Fault.Hold, at: ImageBytes / 4);
        using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{relay.Port}", "--image", image, "--channels", "1", "--json");

        // Pages are on their way and held by the relay: Ctrl-C at the source, then the connection moves again.
        await relay.Tripped.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, Interrupt(sender.Id));
        await sender.WaitForLineAsync(l => l.StartsWith("netmob: interrupted: ", StringComparison.Ordinal));
        relay.Release();

        var (sent, sendOutput) = await sender.ExitAsync();
        Assert.Equal(130, sent);
        var report = SendReportOf(sendOutput);
        Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
        Assert.Equal(RollbackCause.Cancelled, report.Cause);
        var last = sender.StandardError.Split('\n')[^1];
        Assert.StartsWith($"netmob: migration to 127.0.0.1:{relay.Port} interrupted, the VM resumed here: cancelled (interrupted at the source); the destination was told", last);

        var (received, receiveOutput) = await receiver.ExitAsync();
        Assert.Equal(1, received);
        var receipt = ReceiveReportOf(receiveOutput);
        Assert.Equal(ReceiveOutcome.Refused, receipt.Outcome);
        Assert.StartsWith("the source cancelled the migration: interrupted at the source", receipt.Error);
        Assert.False(File.Exists(output));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Sends SIGINT (2), as Ctrl-C at a terminal does.</summary>
    private static int Interrupt(int pid) => Kill(pid, 2);

    [Fact]
    public async Task A_source_killed_midway_behind_a_silent_connection_is_given_up_by_the_destination_after_its_idle_timeout()
    {
        string image = WriteImage(), output = Path.Combine(_dir, "received.img");
        // Long enough that a source slowed by a loaded machine before its first quarter is not given up early.
        using var receiver = NetmobProcess.Start(Receive(output, "--idle-timeout", "4"));
        int port = await receiver.ListeningPortAsync();
        await using var relay = new TcpRelay(port, TcpRelay.Fault.Hold, at: ImageBytes / 4);
        using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{relay.Port}", "--image", image, "--channels", "1");

        var receiverEnded = receiver.ExitAsync();
        var first = await Task.WhenAny(relay.Tripped, receiverEnded).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(first == relay.Tripped, $"the destination ended before a quarter of the image had passed: {receiver.StandardError}\nsource: {sender.StandardError}");
        // The relay holds what comes after: the destination's connection stays open and silent, as to a source that
        // vanished without closing it.
        sender.Kill();
        await sender.ExitAsync();

        var (received, receiveOutput) = await receiverEnded;
        Assert.Equal(1, received);
        var report = ReceiveReportOf(receiveOutput);
        Assert.Equal(ReceiveOutcome.Refused, report.Outcome);
        Assert.Contains("the source did not come back within 4 s", report.Error);
        Assert.StartsWith("netmob: migration refused, the VM stays at the source: ", receiver.StandardError.Split('\n')[^1]);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task A_corrupted_page_is_refused_and_the_source_keeps_the_vm()
    {
        string image = WriteImage(), output = Path.Combine(_dir, "received.img");
        using var receiver = NetmobProcess.Start(Receive(output));
        int port = await receiver.ListeningPortAsync();
        // Past the stream header, inside the first page batch.
        await using var relay = new TcpRelay(port, TcpRelay.Fault.Corrupt, at: 20_000);
        using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{relay.Port}", "--image", image, "--channels", "1");

        var (sent, _) = await sender.ExitAsync();
        var (received, receiveOutput) = await receiver.ExitAsync();
        Assert.Equal(2, received);
        var destination = ReceiveReportOf(receiveOutput);
        Assert.False(destination.Committed);
        Assert.Contains("bad record checksum", destination.Error);
        Assert.StartsWith("netmob: migration refused, the VM stays at the source: ", receiver.StandardError.Split('\n')[^1]);
        Assert.Equal(1, sent);
        Assert.Contains("the VM resumed here", sender.StandardError.Split('\n')[^1]);
        Assert.Contains("bad record checksum", sender.StandardError.Split('\n')[^1]);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task A_wrong_peer_certificate_is_refused_before_any_page_is_sent()
    {
        string image = WriteImage(), output = Path.Combine(_dir, "received.img");
        var destination = PemPair.Create(_dir, "destination");
        var expected = PemPair.Create(_dir, "expected");
        var impostor = PemPair.Create(_dir, "impostor");
        using var receiver = NetmobProcess.Start(Receive(output, destination.Arguments(expected)));
        int port = await receiver.ListeningPortAsync();
        using var sender = NetmobProcess.Start(["migrate", "send", "--to", $"127.0.0.1:{port}", "--image", image, .. impostor.Arguments(destination)]);

        var (sent, sendOutput) = await sender.ExitAsync();
        Assert.Equal(2, sent);
        Assert.Equal("", sendOutput);
        var line = Assert.Single(sender.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // TLS 1.3: the destination checks this host's certificate once the handshake is complete at this end, and
        // refuses it by closing the connection before any record is answered.
        Assert.Equal($"netmob: channel 0 (tls 127.0.0.1:{port}): the destination closed the connection before answering the stream header"
            + " (over TLS: it refused this host's certificate, or is not the peer it expects); the VM stays here", line);
        // The destination turned the connection away and still waits for its source.
        await receiver.WaitForLineAsync(l => l.StartsWith("refused a connection from 127.0.0.1:", StringComparison.Ordinal));
        Assert.DoesNotContain("netmob:", receiver.StandardError);
    }

    [Fact]
    public async Task A_destination_certificate_other_than_the_pinned_one_is_refused_in_the_handshake()
    {
        string output = Path.Combine(_dir, "received.img");
        var destination = PemPair.Create(_dir, "destination");
        var source = PemPair.Create(_dir, "source");
        var other = PemPair.Create(_dir, "other");
        using var receiver = NetmobProcess.Start(Receive(output, destination.Arguments(source)));
        int port = await receiver.ListeningPortAsync();
        using var sender = NetmobProcess.Start(["migrate", "send", "--to", $"127.0.0.1:{port}", "--memory", "4M", .. source.Arguments(other, pin: true)]);

        var (sent, sendOutput) = await sender.ExitAsync();
        Assert.Equal(2, sent);
        Assert.Equal("", sendOutput);
        var line = Assert.Single(sender.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"netmob: TLS handshake with 127.0.0.1:{port} failed: ", line);
        Assert.Contains("certificate", line);
        Assert.EndsWith("; the VM stays here", line);
    }

    [Fact]
    public async Task A_destination_that_refuses_the_connection_ends_the_send_with_one_line()
    {
        int port = FreePort();
        using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{port}", "--memory", "4M");
        var (sent, output) = await sender.ExitAsync();
        Assert.Equal(2, sent);
        Assert.Equal("", output);
        var line = Assert.Single(sender.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"netmob: cannot connect channel 0 to 127.0.0.1:{port}: Connection refused; the VM stays here", line);
    }

    [Fact]
    public async Task A_peer_that_speaks_something_else_ends_the_send_with_one_line()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        int port = ((IPEndPoint)other.LocalEndpoint).Port;
        var answering = Task.Run(async () =>
        {
            using var client = await other.AcceptSocketAsync();
            await client.SendAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
            await client.ReceiveAsync(new byte[1 << 16], SocketFlags.None);
        });
        using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{port}", "--memory", "4M", "--channels", "1");
        var (sent, _) = await sender.ExitAsync();
        Assert.Equal(2, sent);
        var line = Assert.Single(sender.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"netmob: 127.0.0.1:{port} does not answer as a page-stream destination: ", line);
        await answering.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_port_in_use_ends_the_receive_with_one_line()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var receiver = NetmobProcess.Start("migrate", "receive", "--listen", $"127.0.0.1:{port}");
        var (code, _) = await receiver.ExitAsync();
        Assert.Equal(2, code);
        var line = Assert.Single(receiver.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"netmob: --listen 127.0.0.1:{port}: Address already in use", line);
    }

    [Theory]
    [InlineData(new[] { "--to", "127.0.0.1:1" }, "netmob: give exactly one of --image FILE, --memory SIZE and --qemu QMP-SOCKET")]
    [InlineData(new[] { "--to", "nowhere", "--memory", "4M" }, "netmob: --to: 'nowhere' is not a host and port")]
    [InlineData(new[] { "--to", "127.0.0.1:1", "--image", "/nonexistent/x.img" }, "netmob: --image /nonexistent/x.img: ")]
    [InlineData(new[] { "--to", "127.0.0.1:1", "--memory", "4M", "--cert", "c", "--key", "k", "--peer-cert", "p", "--peer-pin", "00" }, "netmob: --cert needs exactly one of --peer-cert and --peer-pin")]
    [InlineData(new[] { "--to", "127.0.0.1:1", "--memory", "4M", "--cert", "/nonexistent.crt", "--key", "k", "--peer-pin", "00" }, "netmob: --cert /nonexistent.crt: no such file")]
    [InlineData(new[] { "--to", "127.0.0.1:1", "--memory", "4M", "--key", "k" }, "netmob: --key needs --cert")]
    public void Bad_send_options_end_with_one_line_and_exit_code_2(string[] options, string message)
    {
        var r = NetMobility.Tests.Interop.ExternalProcess.Run("dotnet", [typeof(NetMobility.Cli.MigrateCommand).Assembly.Location, "migrate", "send", .. options]);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(message, line);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
