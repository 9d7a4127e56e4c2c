using System.Buffers;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Net;

public enum ArpEntryState
{
    /// <summary>Requests sent, no answer yet; packets wait in the entry's queue.</summary>
    Incomplete,
    /// <summary>Confirmed within the reachable time.</summary>
    Reachable,
    /// <summary>Past its reachable time: still used while unicast requests re-confirm it (RFC 1122 sec 2.3.2.1).</summary>
    Stale,
    /// <summary>Configured; never expires and ARP does not change it.</summary>
    Static,
}

/// <summary>A neighbour as the cache holds it.</summary>
public readonly record struct ArpEntryInfo(NetInterface Interface, Ipv4Address Address, MacAddress Mac, ArpEntryState State);

/// <summary>
/// A node's ARP cache and resolver (RFC 826, RFC 1122 sec 2.3.2): per-interface neighbour entries with
/// lifetimes, requests retransmitted on the loop's clock, a bounded queue of packets per address being
/// resolved, static entries, proxy entries (addresses this node answers for with its own hardware
/// address, as a home agent does for mobile nodes away from home, RFC 5944 sec 4.6) and gratuitous
/// announcements. The merge rule of RFC 826 updates an existing entry from any ARP packet, so a
/// gratuitous ARP moves every cache that knew the address.
/// </summary>
public sealed class ArpCache
{
    private static readonly Action<object?> OnTimer = static s => ((Entry)s!).Cache.Retransmit((Entry)s!);
    private readonly Node _node;
    private readonly NodeOptions _options;
    private readonly Dictionary<(int Interface, uint Address), Entry> _entries = [];
    private readonly HashSet<(int Interface, uint Address)> _proxies = [];
    private int _dynamicEntries;

    internal ArpCache(Node node, NodeOptions options)
    {
        _node = node;
        _options = options;
    }

    public long RequestsSent { get; private set; }
    public long RepliesSent { get; private set; }
    /// <summary>Replies sent for proxied addresses (included in <see cref="RepliesSent"/>).</summary>
    public long ProxyRepliesSent { get; private set; }
    public long GratuitousSent { get; private set; }
    /// <summary>Resolutions given up after the last request went unanswered.</summary>
    public long Failures { get; private set; }

    /// <summary>The hardware address held for <paramref name="address"/> on <paramref name="iface"/>, if the entry is complete.</summary>
    public bool TryLookup(NetInterface iface, Ipv4Address address, out MacAddress mac, out ArpEntryState state)
    {
        mac = default;
        state = default;
        if (!_entries.TryGetValue((iface.Index, address.Value), out var entry)) return false;
        state = entry.State;
        mac = entry.Mac;
        return entry.State != ArpEntryState.Incomplete;
    }

    /// <summary>Adds or replaces a permanent entry.</summary>
    public void AddStatic(NetInterface iface, Ipv4Address address, MacAddress mac)
    {
        var entry = GetOrAdd(iface, address, counted: false);
        if (entry.State != ArpEntryState.Static && entry.CountedDynamic) Uncount(entry);
        entry.Mac = mac;
        entry.State = ArpEntryState.Static;
        entry.Timer?.Cancel();
        Flush(entry);
    }

    /// <summary>Removes the entry for <paramref name="address"/>, static or not; packets waiting on it are dropped.</summary>
    public bool Remove(NetInterface iface, Ipv4Address address)
    {
        if (!_entries.TryGetValue((iface.Index, address.Value), out var entry)) return false;
        Discard(entry, NodeDrop.ArpUnresolved);
        return true;
    }

    /// <summary>Answer requests for <paramref name="address"/> arriving on <paramref name="iface"/> with the interface's hardware address.</summary>
    public void AddProxy(NetInterface iface, Ipv4Address address) => _proxies.Add((iface.Index, address.Value));

    public bool RemoveProxy(NetInterface iface, Ipv4Address address) => _proxies.Remove((iface.Index, address.Value));

    public bool IsProxied(NetInterface iface, Ipv4Address address) => _proxies.Contains((iface.Index, address.Value));

    /// <summary>
    /// Broadcasts a gratuitous ARP for <paramref name="address"/> at <paramref name="mac"/> (the interface's own
    /// when null): as a request (RFC 5227 sec 2.3 announcement, target hardware address zero) or as a reply with
    /// the target hardware address also set (RFC 5944 sec 4.6). Sender and target protocol address are both
    /// <paramref name="address"/>.
    /// </summary>
    public bool SendGratuitous(NetInterface iface, Ipv4Address address, ArpOpcode opcode = ArpOpcode.Request, MacAddress? mac = null)
    {
        if (opcode is not (ArpOpcode.Request or ArpOpcode.Reply)) throw new ArgumentOutOfRangeException(nameof(opcode), opcode, "a gratuitous ARP is a request or a reply");
        var hardware = mac ?? iface.Mac;
        var message = opcode == ArpOpcode.Request
            ? ArpMessage.Announcement(hardware, address)
            : ArpMessage.Reply(hardware, address, hardware, address);
        if (!Transmit(iface, MacAddress.Broadcast, message)) return false;
        GratuitousSent++;
        return true;
    }

    /// <summary>Every entry, for inspection.</summary>
    public List<ArpEntryInfo> Entries()
    {
        var list = new List<ArpEntryInfo>(_entries.Count);
        foreach (var entry in _entries.Values) list.Add(new ArpEntryInfo(entry.Interface, entry.Address, entry.Mac, entry.State));
        return list;
    }

    /// <summary>
    /// The hardware address to send to, when there is one to use now (a stale entry is used while it is
    /// re-confirmed). Starts that re-confirmation when a reachable entry has just run out.
    /// </summary>
    internal bool TryResolve(NetInterface iface, Ipv4Address address, out MacAddress mac)
    {
        mac = default;
        if (!_entries.TryGetValue((iface.Index, address.Value), out var entry) || entry.State == ArpEntryState.Incomplete) return false;
        mac = entry.Mac;
        if (entry.State == ArpEntryState.Reachable && Now() >= entry.ExpiresTicks)
        {
            entry.State = ArpEntryState.Stale;
            entry.RequestsSent = 0;
            Request(entry, unicastTo: entry.Mac);
        }
        return true;
    }

    /// <summary>
    /// Holds a copy of <paramref name="packet"/> until <paramref name="address"/> resolves, starting the
    /// resolution if needed. The copy sits behind <see cref="Node.Headroom"/> bytes so it leaves as a frame
    /// without another copy.
    /// </summary>
    internal void Enqueue(NetInterface iface, Ipv4Address address, ReadOnlySpan<byte> packet)
    {
        if (!_entries.TryGetValue((iface.Index, address.Value), out var entry))
        {
            if (_dynamicEntries >= _options.ArpCacheCapacity && !SweepExpired())
            {
                _node.Counters.CountDrop(NodeDrop.ArpCacheFull);
                return;
            }
            entry = GetOrAdd(iface, address, counted: true);
            entry.State = ArpEntryState.Incomplete;
            Request(entry, unicastTo: null);
        }
        var queue = entry.Pending ??= new Queue<PendingPacket>(_options.ArpQueueLength);
        if (queue.Count >= _options.ArpQueueLength)
        {
            // RFC 1122 sec 2.3.2.2: keep the latest packet; the oldest makes room.
            ArrayPool<byte>.Shared.Return(queue.Dequeue().Buffer);
            _node.Counters.CountDrop(NodeDrop.ArpQueueFull);
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Node.Headroom + packet.Length);
        packet.CopyTo(buffer.AsSpan(Node.Headroom));
        queue.Enqueue(new PendingPacket(buffer, packet.Length));
    }

    /// <summary>An ARP packet arrived on <paramref name="iface"/>.</summary>
    internal void Receive(NetInterface iface, ReadOnlySpan<byte> payload)
    {
        if (!ArpPacket.TryCreate(payload, out var arp, out _))
        {
            _node.Counters.CountDrop(NodeDrop.MalformedArp);
            return;
        }
        if (arp.Opcode is not (ArpOpcode.Request or ArpOpcode.Reply)) return;
        var sender = arp.SenderIp;
        var target = arp.TargetIp;
        // Someone else claiming one of our own addresses is a conflict, not a neighbour to learn.
        if (!sender.IsUnspecified && _node.IsLocalAddress(sender)) return;
        bool forUs = (!iface.Address.IsUnspecified && target == iface.Address) || IsProxied(iface, target);

        // RFC 826 packet reception: merge into an existing entry first, add one only if we are the target.
        if (!sender.IsUnspecified)
        {
            if (_entries.TryGetValue((iface.Index, sender.Value), out var entry))
            {
                if (entry.State != ArpEntryState.Static) Confirm(entry, arp.SenderMac);
            }
            else if (forUs && (_dynamicEntries < _options.ArpCacheCapacity || SweepExpired()))
            {
                Confirm(GetOrAdd(iface, sender, counted: true), arp.SenderMac);
            }
        }

        if (forUs && arp.Opcode == ArpOpcode.Request)
        {
            bool proxy = target != iface.Address;
            if (Transmit(iface, arp.SenderMac, ArpMessage.Reply(iface.Mac, target, arp.SenderMac, sender)))
            {
                RepliesSent++;
                if (proxy) ProxyRepliesSent++;
            }
        }
    }

    private void Confirm(Entry entry, MacAddress mac)
    {
        entry.Mac = mac;
        entry.State = ArpEntryState.Reachable;
        entry.ExpiresTicks = Now() + _options.ArpReachableTime.Ticks;
        entry.RequestsSent = 0;
        entry.Timer?.Cancel();
        Flush(entry);
    }

    /// <summary>Sends every packet that waited for <paramref name="entry"/>, in the order they came.</summary>
    private void Flush(Entry entry)
    {
        var queue = entry.Pending;
        if (queue is null) return;
        while (queue.TryDequeue(out var pending))
        {
            _node.TransmitResolved(entry.Interface, entry.Mac, pending.Buffer, pending.Length);
            ArrayPool<byte>.Shared.Return(pending.Buffer);
        }
    }

    private void Request(Entry entry, MacAddress? unicastTo)
    {
        var iface = entry.Interface;
        var request = ArpMessage.Request(iface.Mac, iface.Address, entry.Address);
        if (Transmit(iface, unicastTo ?? MacAddress.Broadcast, request)) RequestsSent++;
        entry.RequestsSent++;
        entry.Timer ??= _node.CreateTimer(OnTimer, entry);
        entry.Timer.Schedule(_options.ArpRetransmitInterval);
    }

    private void Retransmit(Entry entry)
    {
        if (entry.State is not (ArpEntryState.Incomplete or ArpEntryState.Stale)) return;
        if (entry.RequestsSent < _options.ArpMaxRequests)
        {
            Request(entry, entry.State == ArpEntryState.Stale ? entry.Mac : null);
            return;
        }
        Failures++;
        Discard(entry, NodeDrop.ArpUnresolved);
    }

    /// <summary>Removes an entry; each packet still waiting is dropped and, if it was being forwarded, answered with host unreachable.</summary>
    private void Discard(Entry entry, NodeDrop reason)
    {
        _entries.Remove((entry.Interface.Index, entry.Address.Value));
        if (entry.CountedDynamic) Uncount(entry);
        entry.Timer?.Dispose();
        entry.Timer = null;
        if (entry.Pending is null) return;
        while (entry.Pending.TryDequeue(out var pending))
        {
            _node.Counters.CountDrop(reason);
            _node.OnUnresolved(entry.Interface, pending.Buffer.AsSpan(Node.Headroom, pending.Length));
            ArrayPool<byte>.Shared.Return(pending.Buffer);
        }
    }

    private bool SweepExpired()
    {
        long now = Now();
        List<Entry>? expired = null;
        foreach (var entry in _entries.Values)
            if (entry.State == ArpEntryState.Reachable && now >= entry.ExpiresTicks) (expired ??= []).Add(entry);
        if (expired is null) return false;
        foreach (var entry in expired) Discard(entry, NodeDrop.ArpUnresolved);
        return true;
    }

    private Entry GetOrAdd(NetInterface iface, Ipv4Address address, bool counted)
    {
        if (_entries.TryGetValue((iface.Index, address.Value), out var entry)) return entry;
        entry = new Entry(this, iface, address) { CountedDynamic = counted };
        _entries.Add((iface.Index, address.Value), entry);
        if (counted) _dynamicEntries++;
        return entry;
    }

    private void Uncount(Entry entry)
    {
        entry.CountedDynamic = false;
        _dynamicEntries--;
    }

    private bool Transmit(NetInterface iface, MacAddress destination, in ArpMessage message)
    {
        Span<byte> payload = stackalloc byte[ArpMessage.PacketLength];
        message.Emit(payload);
        return iface.SendFrame(destination, EtherType.Arp, payload);
    }

    private long Now() => _node.Time.GetUtcNow().UtcTicks;

    private readonly record struct PendingPacket(byte[] Buffer, int Length);

    private sealed class Entry(ArpCache cache, NetInterface iface, Ipv4Address address)
    {
        public ArpCache Cache { get; } = cache;
        public NetInterface Interface { get; } = iface;
        public Ipv4Address Address { get; } = address;
        public MacAddress Mac { get; set; }
        public ArpEntryState State { get; set; }
        public long ExpiresTicks { get; set; }
        public int RequestsSent { get; set; }
        public bool CountedDynamic { get; set; }
        public Queue<PendingPacket>? Pending { get; set; }
        public LoopTimer? Timer { get; set; }
    }
}
