using System.Diagnostics.CodeAnalysis;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// An in-memory Ethernet segment behaving as a learning switch: it learns which port each source MAC
/// sits behind, forwards unicast to that port alone, floods broadcast, multicast and unknown unicast to
/// every other port, and forgets addresses after the ageing time or when their port goes down. Each
/// port has a bounded output queue with its own drop counter (<see cref="LinkDrop.QueueFull"/> on the
/// port's <see cref="LinkCounters"/>).
/// </summary>
public sealed class EthernetSegment
{
    private readonly EventLoop _loop;
    private readonly SegmentOptions _options;
    private readonly List<SegmentPort> _ports = [];
    private readonly MacTable _macs;

    public EthernetSegment(EventLoop loop, string name, SegmentOptions? options = null)
    {
        _loop = loop;
        _options = options ?? new SegmentOptions();
        _macs = new MacTable(_options.MacTableCapacity, _options.AgeingTime);
        Name = name;
    }

    public string Name { get; }
    public int Mtu => _options.Mtu;
    public IReadOnlyList<SegmentPort> Ports => _ports;

    /// <summary>Frames sent to every other port because their destination was broadcast, multicast or not (or no longer) known.</summary>
    public long FloodedFrames { get; private set; }

    /// <summary>Frames not forwarded because their destination sits behind the port they came from.</summary>
    public long FilteredFrames { get; private set; }

    /// <summary>Source addresses not learned because the table was full.</summary>
    public long LearningRefused { get; private set; }

    /// <summary>Addresses currently learned (aged entries go when they are next looked up or swept).</summary>
    public int LearnedAddresses => _macs.Count;

    /// <summary>Attaches a new port; <paramref name="mac"/> is the address of the interface plugged into it.</summary>
    public SegmentPort AddPort(string name, MacAddress mac)
    {
        var port = new SegmentPort(this, _loop, _ports.Count, name, mac, _options.Mtu, _options.QueueCapacity);
        _ports.Add(port);
        return port;
    }

    /// <summary>The port a unicast address was learned on, if it is known and not aged out.</summary>
    public bool TryGetPort(MacAddress mac, [NotNullWhen(true)] out SegmentPort? port)
    {
        port = null;
        if (!_macs.TryLookup(mac, _loop.Time.GetUtcNow(), out int index)) return false;
        port = _ports[index];
        return true;
    }

    /// <summary>A frame sent by <paramref name="from"/>: learn its source, then forward or flood it.</summary>
    internal bool Forward(SegmentPort from, ReadOnlySpan<byte> frame)
    {
        var now = _loop.Time.GetUtcNow();
        var source = MacAddress.Read(frame[MacAddress.Length..]);
        var destination = MacAddress.Read(frame);
        if (source.IsUnicast && !_macs.Learn(source, from.Index, now)) LearningRefused++;

        if (destination.IsUnicast && _macs.TryLookup(destination, now, out int index))
        {
            if (index == from.Index)
            {
                FilteredFrames++;
                return true;
            }
            return _ports[index].Offer(frame);
        }

        // Flooding never fails the sender: a full or down port counts its own drop.
        FloodedFrames++;
        foreach (var port in _ports)
            if (port != from) port.Offer(frame);
        return true;
    }

    internal void PortWentDown(SegmentPort port) => _macs.ForgetPort(port.Index);

    public override string ToString() => $"{Name} ({_ports.Count} ports, {_macs.Count} addresses learned)";
}
