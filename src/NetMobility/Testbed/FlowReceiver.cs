using NetMobility.Wire;

namespace NetMobility.Testbed;

/// <summary>
/// What a <see cref="TestHost"/> received on one TCP port: the sequence numbers in arrival order, when they
/// came, and whether each payload was intact. Answers whether a numbered flow arrived complete and in order.
/// </summary>
public sealed class FlowReceiver
{
    private readonly TimeProvider _time;
    private readonly List<uint> _sequences = [];
    private readonly List<DateTimeOffset> _arrivals = [];

    internal FlowReceiver(ushort port, TimeProvider time)
    {
        Port = port;
        _time = time;
    }

    public ushort Port { get; }
    public IReadOnlyList<uint> Sequences => _sequences;
    public IReadOnlyList<DateTimeOffset> Arrivals => _arrivals;
    public Ipv4Address LastSource { get; private set; }
    /// <summary>Packets whose payload bytes were not what their sequence number says.</summary>
    public int CorruptPayloads { get; private set; }

    /// <summary>True when exactly packets 0..count-1 arrived, each once, in order, intact.</summary>
    public bool IsCompleteAndInOrder(int count, int payloadLength, uint firstSequence = 0)
    {
        if (_sequences.Count != count || CorruptPayloads != 0) return false;
        for (int i = 0; i < count; i++)
            if (_sequences[i] != unchecked(firstSequence + (uint)(i * payloadLength))) return false;
        return true;
    }

    /// <summary>Packet numbers (0-based) of the flow that never arrived.</summary>
    public List<int> Missing(int count, int payloadLength, uint firstSequence = 0)
    {
        var seen = new HashSet<uint>(_sequences);
        var missing = new List<int>();
        for (int i = 0; i < count; i++)
            if (!seen.Contains(unchecked(firstSequence + (uint)(i * payloadLength)))) missing.Add(i);
        return missing;
    }

    /// <summary>Arrivals whose sequence number is below that of the arrival just before (in serial arithmetic, RFC 1982).</summary>
    public int OutOfOrder
    {
        get
        {
            int count = 0;
            for (int i = 1; i < _sequences.Count; i++)
                if ((int)(_sequences[i] - _sequences[i - 1]) < 0) count++;
            return count;
        }
    }

    internal void Record(Ipv4Address source, TcpSegment segment)
    {
        _sequences.Add(segment.SequenceNumber);
        _arrivals.Add(_time.GetUtcNow());
        LastSource = source;
        if (!HasPayloadFor(segment.Payload, segment.SequenceNumber)) CorruptPayloads++;
    }

    /// <summary>The payload a numbered packet carries: byte i is the low byte of sequence + i.</summary>
    internal static void FillPayload(Span<byte> payload, uint sequence)
    {
        for (int i = 0; i < payload.Length; i++) payload[i] = (byte)(sequence + (uint)i);
    }

    private static bool HasPayloadFor(ReadOnlySpan<byte> payload, uint sequence)
    {
        for (int i = 0; i < payload.Length; i++)
            if (payload[i] != (byte)(sequence + (uint)i)) return false;
        return true;
    }
}
