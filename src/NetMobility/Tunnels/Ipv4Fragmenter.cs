using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// Cuts one IPv4 datagram into fragments of at most a given size (RFC 791 sec 3.2, "Fragmentation"), one at a
/// time into a caller's buffer, allocating nothing. The first fragment keeps every option, later ones only
/// the options whose copied flag is set. Fragment data is a multiple of 8 bytes except in the last fragment;
/// an already fragmented datagram is cut further with its offsets and its MF flag kept.
/// </summary>
public ref struct Ipv4Fragmenter
{
    private readonly Ipv4Packet _packet;
    private readonly Ipv4Header _first;
    private readonly Ipv4Header _later;
    private readonly int _firstChunk;
    private readonly int _laterChunk;
    private int _sent;

    /// <summary>
    /// Prepares to fragment <paramref name="packet"/> (DF clear) to fragments of at most <paramref name="mtu"/> bytes.
    /// False when DF is set, when there is no data to cut, or when the MTU leaves no room for 8 bytes of data
    /// after the header (RFC 791 requires 68 to be enough).
    /// </summary>
    public static bool TryCreate(Ipv4Packet packet, int mtu, out Ipv4Fragmenter fragmenter)
    {
        fragmenter = default;
        if (packet.DontFragment || packet.Payload.IsEmpty) return false;
        Span<byte> copied = stackalloc byte[OptionBytes.MaxLength];
        int copiedLength = 0;
        foreach (var option in packet.ReadOptions())
        {
            if (!option.IsCopied) continue;
            copied[copiedLength++] = (byte)option.Type;
            copied[copiedLength++] = (byte)option.Length;
            option.Data.CopyTo(copied[copiedLength..]);
            copiedLength += option.Data.Length;
        }
        // Pad with end-of-option-list (zero) to a 32-bit boundary (RFC 791 sec 3.1).
        int padded = (copiedLength + 3) & ~3;
        copied[copiedLength..padded].Clear();
        OptionBytes.TryCreate(packet.Options, out var all);
        OptionBytes.TryCreate(copied[..padded], out var laterOptions);
        var first = new Ipv4Header(packet.Source, packet.Destination, packet.Protocol, 0, packet.TimeToLive, packet.Identification,
            DontFragment: false, MoreFragments: false, FragmentOffset: 0, packet.Dscp, packet.Ecn, all);
        var later = first with { Options = laterOptions };
        int firstChunk = (mtu - first.Length) & ~7;
        int laterChunk = (mtu - later.Length) & ~7;
        if (firstChunk < 8 || laterChunk < 8) return false;
        fragmenter = new Ipv4Fragmenter(packet, first, later, firstChunk, laterChunk);
        return true;
    }

    private Ipv4Fragmenter(Ipv4Packet packet, Ipv4Header first, Ipv4Header later, int firstChunk, int laterChunk)
    {
        _packet = packet;
        _first = first;
        _later = later;
        _firstChunk = firstChunk;
        _laterChunk = laterChunk;
        _sent = 0;
    }

    /// <summary>Fragments <see cref="TryNext"/> will produce in all.</summary>
    public readonly int Count
    {
        get
        {
            int payload = _packet.Payload.Length;
            if (payload <= _firstChunk) return 1;
            return 1 + (payload - _firstChunk + _laterChunk - 1) / _laterChunk;
        }
    }

    /// <summary>Writes the next fragment into <paramref name="destination"/> (at least the MTU long); false when all are written.</summary>
    public bool TryNext(Span<byte> destination, out int written)
    {
        var payload = _packet.Payload;
        written = 0;
        if (_sent >= payload.Length) return false;
        bool isFirst = _sent == 0;
        int chunk = Math.Min(isFirst ? _firstChunk : _laterChunk, payload.Length - _sent);
        bool last = _sent + chunk == payload.Length;
        var header = (isFirst ? _first : _later) with
        {
            PayloadLength = chunk,
            MoreFragments = !last || _packet.MoreFragments,
            FragmentOffset = (ushort)(_packet.FragmentOffset + _sent / 8),
        };
        int headerLength = header.Emit(destination);
        payload.Slice(_sent, chunk).CopyTo(destination[headerLength..]);
        _sent += chunk;
        written = headerLength + chunk;
        return true;
    }
}
