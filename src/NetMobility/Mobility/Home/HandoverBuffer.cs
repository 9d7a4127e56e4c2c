using System.Buffers;

namespace NetMobility.Mobility.Home;

/// <summary>Takes the packets a <see cref="HandoverBuffer"/> releases, oldest first; each span is valid only during the call.</summary>
public interface IHeldPacketSink
{
    void Release(ReadOnlySpan<byte> packet);
}

/// <summary>
/// Packets addressed to a node that is being moved, held while it has no attachment to deliver to and released
/// in arrival order once its new binding is installed: what makes a handover lose nothing. Bounded in packets
/// and in bytes; a packet that does not fit is dropped and counted, never queued without bound. Storage is one
/// pooled array rented while packets are held, so holding a packet allocates nothing. Used from one thread at a time.
/// </summary>
public sealed class HandoverBuffer : IDisposable
{
    private readonly (int Offset, int Length)[] _packets;
    private byte[]? _data;
    private int _count;
    private int _used;
    private bool _releasing;

    public HandoverBuffer(int maxPackets, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPackets, 1, nameof(maxPackets));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1, nameof(maxBytes));
        MaxPackets = maxPackets;
        MaxBytes = maxBytes;
        _packets = new (int, int)[maxPackets];
    }

    public int MaxPackets { get; }
    public int MaxBytes { get; }

    /// <summary>Packets held now.</summary>
    public int Count => _count;

    /// <summary>Bytes held now.</summary>
    public int Bytes => _used;

    /// <summary>Packets taken in since creation.</summary>
    public long Held { get; private set; }

    /// <summary>Packets released in order since creation.</summary>
    public long Released { get; private set; }

    /// <summary>Packets refused because the buffer was full, or thrown away by <see cref="Discard"/>.</summary>
    public long Dropped { get; private set; }

    /// <summary>Copies <paramref name="packet"/> in; false, counting a drop, when it would pass either bound.</summary>
    public bool TryHold(ReadOnlySpan<byte> packet)
    {
        if (_releasing) throw new InvalidOperationException("a packet cannot be held while the buffer is being released");
        if (_count == MaxPackets || packet.Length > MaxBytes - _used)
        {
            Dropped++;
            return false;
        }
        _data ??= ArrayPool<byte>.Shared.Rent(MaxBytes);
        packet.CopyTo(_data.AsSpan(_used));
        _packets[_count++] = (_used, packet.Length);
        _used += packet.Length;
        Held++;
        return true;
    }

    /// <summary>Hands every held packet to <paramref name="sink"/> in the order it arrived and empties the buffer; returns how many.</summary>
    public int Release<TSink>(TSink sink) where TSink : IHeldPacketSink
    {
        int released = 0;
        _releasing = true;
        try
        {
            for (int i = 0; i < _count; i++)
            {
                var (offset, length) = _packets[i];
                sink.Release(_data.AsSpan(offset, length));
                released++;
            }
        }
        finally
        {
            // A sink that throws loses the packets after the one it threw on: they count as dropped.
            Released += released;
            Dropped += _count - released;
            _count = 0;
            _used = 0;
            ReturnData();
            _releasing = false;
        }
        return released;
    }

    /// <summary>Throws every held packet away, counting each as dropped (the move failed or took too long).</summary>
    public int Discard()
    {
        int discarded = _count;
        Dropped += discarded;
        _count = 0;
        _used = 0;
        ReturnData();
        return discarded;
    }

    public void Dispose() => Discard();

    private void ReturnData()
    {
        if (_data is null) return;
        ArrayPool<byte>.Shared.Return(_data);
        _data = null;
    }
}
