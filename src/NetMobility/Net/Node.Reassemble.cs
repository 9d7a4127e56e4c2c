using System.Buffers;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Net;

public sealed partial class Node
{
    private static readonly Action<object?> OnReassemblyTimer = static s => ((Node)s!).ExpireReassemblies();
    private readonly Dictionary<(uint, uint, byte, ushort), Reassembly> _reassemblies = [];
    private readonly Stack<Reassembly> _reassemblyPool = new();
    private LoopTimer? _reassemblyTimer;

    /// <summary>Datagrams whose fragments are still being collected.</summary>
    public int ReassembliesInProgress => _reassemblies.Count;

    /// <summary>
    /// A fragment for this node: collect it with the others of its datagram (source, destination, protocol,
    /// identification, RFC 791 sec 3.2) and deliver the datagram once whole.
    /// </summary>
    private void Reassemble(NetInterface iface, Ipv4Packet fragment, bool linkBroadcast)
    {
        var key = (fragment.Source.Value, fragment.Destination.Value, (byte)fragment.Protocol, fragment.Identification);
        if (!_reassemblies.TryGetValue(key, out var reassembly))
        {
            if (_reassemblies.Count >= Options.MaxReassemblies)
            {
                Counters.CountDrop(NodeDrop.ReassemblyOverflow);
                return;
            }
            reassembly = _reassemblyPool.TryPop(out var pooled) ? pooled : new Reassembly();
            long now = Time.GetUtcNow().UtcTicks;
            reassembly.Start(key, iface, now + Options.ReassemblyTimeout.Ticks);
            _reassemblies.Add(key, reassembly);
            _reassemblyTimer ??= CreateTimer(OnReassemblyTimer, this);
            if (!_reassemblyTimer.IsArmed) _reassemblyTimer.Schedule(Options.ReassemblyTimeout);
        }
        if (!reassembly.Add(fragment))
        {
            Counters.CountDrop(NodeDrop.BadFragment);
            Finish(reassembly);
            return;
        }
        if (!reassembly.IsComplete) return;

        byte[] buffer = ArrayPool<byte>.Shared.Rent(reassembly.HeaderLength + reassembly.PayloadLength);
        try
        {
            int length = reassembly.CopyDatagram(buffer);
            Finish(reassembly);
            Counters.DatagramsReassembled++;
            Ipv4Packet.TryCreate(buffer.AsSpan(0, length), ChecksumPolicy.None, out var datagram, out _);
            DeliverLocally(iface, datagram, linkBroadcast);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Drops the datagrams out of time, telling the source when its first fragment came (RFC 792, RFC 1122 sec 3.3.2).</summary>
    private void ExpireReassemblies()
    {
        long now = Time.GetUtcNow().UtcTicks;
        long next = long.MaxValue;
        List<Reassembly>? expired = null;
        foreach (var reassembly in _reassemblies.Values)
        {
            if (reassembly.DeadlineTicks <= now) (expired ??= []).Add(reassembly);
            else next = Math.Min(next, reassembly.DeadlineTicks);
        }
        if (expired is not null)
        {
            Span<byte> first = stackalloc byte[Icmpv4Error.MaxDatagramLength];
            foreach (var reassembly in expired)
            {
                Counters.CountDrop(NodeDrop.ReassemblyTimeout);
                if (reassembly.HeaderLength > 0)
                {
                    int length = reassembly.CopyFirstFragment(first);
                    if (Ipv4Packet.TryCreateQuoted(first[..length], out var quoted, out _))
                        SendIcmpError(quoted, IcmpError.ReassemblyTimeExceeded);
                }
                Finish(reassembly);
            }
        }
        if (next != long.MaxValue) _reassemblyTimer!.Schedule(TimeSpan.FromTicks(next - now));
    }

    private void Finish(Reassembly reassembly)
    {
        _reassemblies.Remove(reassembly.Key);
        reassembly.Release();
        _reassemblyPool.Push(reassembly);
    }
}
