using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Benchmarks.Router;

/// <summary>
/// The limit of the path a router on two devices can reach: one thread that waits in poll() on both descriptors,
/// reads each frame with one read(2)/recv(2), writes the two MAC addresses a next hop needs, and writes it to the
/// other device with one write(2)/send(2). No checks, no routing table, no TTL: the least any forwarder does (on
/// packet sockets, it also completes the checksum the veth's sender left to its device, as the link does).
/// </summary>
internal sealed unsafe class PlainForwarder : IDisposable
{
    private readonly int[] _fds;
    private readonly bool _packet;
    private readonly MacAddress[] _ownMac;
    private readonly MacAddress[] _nextHopMac;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private volatile bool _stopping;

    /// <param name="fds">The two devices' descriptors (non-blocking).</param>
    /// <param name="packet">True for AF_PACKET sockets (recv/send), false for TAP descriptors (read/write).</param>
    /// <param name="ownMac">This side's address on each device.</param>
    /// <param name="nextHopMac">The kernel's address behind each device.</param>
    public PlainForwarder(int[] fds, bool packet, MacAddress[] ownMac, MacAddress[] nextHopMac)
    {
        _fds = fds;
        _packet = packet;
        _ownMac = ownMac;
        _nextHopMac = nextHopMac;
        _wakeFd = TapNative.EventFd(0, TapNative.EfdCloExec | TapNative.EfdNonBlock);
        _thread = new Thread(Run) { IsBackground = true, Name = "plain forwarder" };
        _thread.Start();
    }

    public long Forwarded;

    private void Run()
    {
        var buffer = new byte[65536];
        Span<TapNative.PollFd> polls = stackalloc TapNative.PollFd[3];
        while (!_stopping)
        {
            polls[0] = new TapNative.PollFd(_fds[0], TapNative.PollIn);
            polls[1] = new TapNative.PollFd(_fds[1], TapNative.PollIn);
            polls[2] = new TapNative.PollFd(_wakeFd, TapNative.PollIn);
            if (TapNative.Poll(ref MemoryMarshal.GetReference(polls), 3, -1) < 0) continue;
            if (polls[2].ReturnedEvents != 0) return;
            for (int from = 0; from < 2; from++)
            {
                if (polls[from].ReturnedEvents == 0) continue;
                int to = 1 - from;
                while (true)
                {
                    nint read = TapNative.Read(_fds[from], ref buffer[0], (nuint)buffer.Length);
                    if (read < EthernetHeader.UntaggedLength) break;
                    _nextHopMac[to].Write(buffer.AsSpan(0, 6));
                    _ownMac[to].Write(buffer.AsSpan(6, 6));
                    if (_packet)
                    {
                        // Every UDP frame from a veth's kernel end carries a checksum left to the "device" to finish.
                        PartialChecksum.Complete(buffer.AsSpan(0, (int)read));
                        fixed (byte* bytes = buffer) PacketNative.Send(_fds[to], bytes, (nuint)read, PacketNative.MsgDontWait);
                    }
                    else TapNative.Write(_fds[to], ref buffer[0], (nuint)read);
                    Forwarded++;
                }
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        ulong one = 1;
        TapNative.Write(_wakeFd, ref Unsafe.As<ulong, byte>(ref one), sizeof(ulong));
        _thread.Join();
        TapNative.Close(_wakeFd);
        foreach (int fd in _fds) TapNative.Close(fd);
    }
}
