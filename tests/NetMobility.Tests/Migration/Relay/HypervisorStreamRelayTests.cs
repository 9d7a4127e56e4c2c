using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NetMobility.Migration.Relay;
using NetMobility.Migration.Transports;
using NetMobility.Tests.Migration.TwoHosts;

namespace NetMobility.Tests.Migration.Relay;

/// <summary>
/// The relay's two ends carrying a stream of random octets (a stand-in for QEMU's) over the in-memory link, TCP and
/// mutual TLS: whole, after a cut connection (nothing lost, nothing twice), and refused with one line when the bytes are bad.
/// </summary>
public class HypervisorStreamRelayTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static byte[] Data(int length)
    {
        var data = new byte[length];
        new Random(11).NextBytes(data);
        return data;
    }

    /// <summary>Runs both ends; answers what each reported and what reached the destination's hypervisor.</summary>
    private static async Task<(RelaySent Sent, RelayReceived Received, byte[] Delivered)> RelayAsync(
        byte[] stream, IChannelListener listener, IChannelConnector connector, RelayOptions options)
    {
        using var bound = new CancellationTokenSource(Bound);
        var hypervisor = new Pipe();
        var collected = new MemoryStream();
        var draining = hypervisor.Reader.CopyToAsync(collected, bound.Token);
        var receiving = new HypervisorStreamReceiver(options).ReceiveAsync(listener, hypervisor.Writer, bound.Token);
        var sent = await new HypervisorStreamSender(options).SendAsync(new MemoryStream(stream), connector, bound.Token);
        var received = await receiving;
        await hypervisor.Writer.CompleteAsync();
        await draining;
        return (sent, received, collected.ToArray());
    }

    [Fact]
    public async Task A_stream_larger_than_the_window_arrives_whole_over_the_in_memory_link()
    {
        var data = Data(3 << 20);
        var link = new InMemoryPath(new PathModel { BitsPerSecond = PathModel.MaxBitsPerSecond, VirtualTime = false }, TimeProvider.System);
        var (sent, received, delivered) = await RelayAsync(data, link, link, new RelayOptions { WindowBytes = 256 << 10 });
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(delivered));
        Assert.Equal(data.Length, sent.StreamBytes);
        Assert.Equal(data.Length, received.StreamBytes);
        Assert.Equal(1, sent.Connections);
        Assert.Equal(0, sent.ResentBytes);
        // Records cost 20 octets per 64 KiB chunk, 36 for the header and 20 for the end.
        Assert.Equal(data.Length + 48 * 20 + 36 + 20, sent.WireBytes);
    }

    [Fact]
    public async Task A_connection_cut_mid_stream_resumes_from_the_acknowledged_offset()
    {
        var data = Data(3 << 20);
        var link = new InMemoryPath(new PathModel { BitsPerSecond = PathModel.MaxBitsPerSecond, VirtualTime = false }, TimeProvider.System);
        link.DropNextConnectionAfter(1 << 20);
        var window = 512 << 10;
        var (sent, received, delivered) = await RelayAsync(data, link, link, new RelayOptions { WindowBytes = window });
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(delivered));
        Assert.Equal(2, sent.Connections);
        Assert.Equal(2, received.Connections);
        Assert.Equal(2, link.ConnectionsOpened);
        // What went again is what the destination had not acknowledged: at most the window.
        Assert.InRange(sent.ResentBytes, 0, window);
    }

    [Fact]
    public async Task A_tls_connection_cut_by_a_relay_resumes_and_the_stream_arrives_once()
    {
        var data = Data(4 << 20);
        using var certificate = TlsOptions.CreateSelfSigned();
        var tls = TlsOptions.PreSharedKey(certificate);
        await using var listener = new TcpChannelListener(new IPEndPoint(IPAddress.Loopback, 0), tls);
        await using var cut = new TcpRelay(listener.LocalEndPoint.Port, TcpRelay.Fault.Cut, at: 1_500_000);
        var connector = new TcpChannelConnector(new IPEndPoint(IPAddress.Loopback, cut.Port), tls);
        var (sent, received, delivered) = await RelayAsync(data, listener, connector, new RelayOptions { WindowBytes = 1 << 20 });
        Assert.True(cut.Tripped.IsCompleted);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(delivered));
        Assert.Equal(2, sent.Connections);
        Assert.Equal(2, received.Connections);
        Assert.InRange(sent.ResentBytes, 0, 1 << 20);
    }

    [Fact]
    public async Task A_flipped_octet_ends_the_relay_with_one_line_on_both_ends()
    {
        var data = Data(2 << 20);
        await using var listener = new TcpChannelListener(new IPEndPoint(IPAddress.Loopback, 0));
        await using var corrupt = new TcpRelay(listener.LocalEndPoint.Port, TcpRelay.Fault.Corrupt, at: 700_000);
        var connector = new TcpChannelConnector(new IPEndPoint(IPAddress.Loopback, corrupt.Port));
        using var bound = new CancellationTokenSource(Bound);
        var hypervisor = new Pipe();
        var draining = hypervisor.Reader.CopyToAsync(Stream.Null, bound.Token);
        var receiving = new HypervisorStreamReceiver().ReceiveAsync(listener, hypervisor.Writer, bound.Token);
        var sending = new HypervisorStreamSender().SendAsync(new MemoryStream(data), connector, bound.Token);
        var atDestination = await Assert.ThrowsAsync<HypervisorStreamRelayException>(() => receiving);
        var atSource = await Assert.ThrowsAsync<HypervisorStreamRelayException>(() => sending);
        Assert.StartsWith("hypervisor stream relay: bad record checksum in record ", atDestination.Message);
        Assert.Contains("refused the stream: bad record checksum", atSource.Message);
        Assert.DoesNotContain('\n', atDestination.Message + atSource.Message);
        await hypervisor.Writer.CompleteAsync();
        await draining;
    }

    [Fact]
    public async Task Foreign_bytes_at_the_receiver_end_the_relay_with_one_line()
    {
        await using var listener = new TcpChannelListener(new IPEndPoint(IPAddress.Loopback, 0));
        using var bound = new CancellationTokenSource(Bound);
        var hypervisor = new Pipe();
        var receiving = new HypervisorStreamReceiver().ReceiveAsync(listener, hypervisor.Writer, bound.Token);
        using var stranger = new TcpClient();
        await stranger.ConnectAsync(listener.LocalEndPoint, bound.Token);
        await stranger.GetStream().WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), bound.Token);
        var refused = await Assert.ThrowsAsync<HypervisorStreamRelayException>(() => receiving);
        Assert.StartsWith("hypervisor stream relay: bad record length in record 0 at offset 0 from ", refused.Message);
        await hypervisor.Writer.CompleteAsync();
        Assert.True((await hypervisor.Reader.ReadAsync()).Buffer.IsEmpty);
    }

    [Fact]
    public async Task An_ack_past_what_was_sent_ends_the_sender_with_one_line()
    {
        var link = new InMemoryPath(new PathModel { BitsPerSecond = PathModel.MaxBitsPerSecond, VirtualTime = false }, TimeProvider.System);
        using var bound = new CancellationTokenSource(Bound);
        var sending = new HypervisorStreamSender().SendAsync(new MemoryStream(Data(1000)), link, bound.Token);
        await using var channel = await link.AcceptAsync(bound.Token);
        var ack = new byte[8];
        new NetMobility.Migration.PageStream.HypervisorAck(1 << 20).Emit(ack);
        await channel.Output.WriteAsync(RelayRecords.Frame(NetMobility.Migration.PageStream.RecordType.HypervisorAck, ack), bound.Token);
        var refused = await Assert.ThrowsAsync<HypervisorStreamRelayException>(() => sending);
        Assert.StartsWith("hypervisor stream relay: record out of order in record 0 (HypervisorAck) at offset 0 from ", refused.Message);
    }
}
