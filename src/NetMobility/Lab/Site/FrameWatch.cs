using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using NetMobility.Wire;

namespace NetMobility.Lab.Site;

/// <summary>
/// Watches every frame in a network namespace (an AF_PACKET socket for all protocols, packet(7)) for IPv4 packets from
/// one address to one hardware address, and keeps the wall-clock time of the first one after each <see cref="Arm"/>:
/// in a site's host namespace, the moment the hosting agent hands the guest the correspondent's first packet after a
/// move (the frame enters the host's bridge from the agent's TAP). One thread reads; nothing is allocated per frame.
/// </summary>
public sealed class FrameWatch : IDisposable
{
    private const short EthPAll = 0x0003;
    private readonly Socket _socket;
    private readonly Thread _reader;
    private readonly MacAddress _to;
    private readonly uint _from;
    private long _armedAtTicks = long.MaxValue;
    private long _seenTicks;
    private volatile bool _disposed;

    private FrameWatch(Socket socket, MacAddress to, Ipv4Address from, string name)
    {
        _socket = socket;
        _to = to;
        _from = from.Value;
        _reader = new Thread(Read) { IsBackground = true, Name = $"frame watch {name}" };
        _reader.Start();
    }

    /// <summary>Opens the watch in <paramref name="netns"/> for IPv4 frames from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static FrameWatch Open(string netns, MacAddress to, Ipv4Address from)
    {
        try
        {
            var socket = NetnsScope.Run(netns, () =>
                new Socket(AddressFamily.Packet, SocketType.Raw, (ProtocolType)IPAddress.HostToNetworkOrder(EthPAll)));
            // Reads time out now and then so that the reader sees Dispose: a socket closed under a blocked read is not woken.
            socket.ReceiveTimeout = 200;
            return new FrameWatch(socket, to, from, netns);
        }
        catch (SocketException e)
        {
            throw new LabException($"a packet socket in {netns} could not be opened: {e.Message}");
        }
    }

    /// <summary>From now on, the first matching frame's time is kept (an earlier one is forgotten).</summary>
    public void Arm()
    {
        Interlocked.Exchange(ref _seenTicks, 0);
        Interlocked.Exchange(ref _armedAtTicks, DateTimeOffset.UtcNow.UtcTicks);
    }

    /// <summary>When the first matching frame after <see cref="Arm"/> was seen, or null while none has been.</summary>
    public DateTimeOffset? Seen
    {
        get
        {
            long ticks = Interlocked.Read(ref _seenTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    private void Read()
    {
        var buffer = new byte[65536];
        Span<byte> to = stackalloc byte[6];
        _to.Write(to);
        while (!_disposed)
        {
            int length;
            try
            {
                length = _socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            long now = DateTimeOffset.UtcNow.UtcTicks;
            // Ethernet: destination 0..5, type 12..13 = IPv4; IPv4 source at 14 + 12.
            if (length < 34 || Interlocked.Read(ref _seenTicks) != 0 || now < Interlocked.Read(ref _armedAtTicks)) continue;
            var frame = buffer.AsSpan(0, length);
            if (!frame[..6].SequenceEqual(to) || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800) continue;
            if (BinaryPrimitives.ReadUInt32BigEndian(frame[26..]) != _from) continue;
            Interlocked.CompareExchange(ref _seenTicks, now, 0);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _reader.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
    }
}
