using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>TCP option kinds this toolkit decodes (IANA "TCP Option Kind Numbers"); others are carried as their number.</summary>
public enum TcpOptionKind : byte
{
    EndOfOptionList = 0,
    NoOperation = 1,
    /// <summary>Length 4 (RFC 9293 sec 3.2).</summary>
    MaxSegmentSize = 2,
    /// <summary>Length 3 (RFC 7323 sec 2.2).</summary>
    WindowScale = 3,
    /// <summary>Length 2 (RFC 2018 sec 2).</summary>
    SackPermitted = 4,
    /// <summary>Length 2 + 8n, one to four blocks (RFC 2018 sec 3).</summary>
    Sack = 5,
    /// <summary>Length 10 (RFC 7323 sec 3.2).</summary>
    Timestamps = 8,
}

/// <summary>One SACK block: the first sequence number received and the one after the last (RFC 2018 sec 3).</summary>
public readonly record struct TcpSackBlock(uint Left, uint Right);

/// <summary>The timestamps option's value and echo reply (RFC 7323 sec 3.2).</summary>
public readonly record struct TcpTimestamps(uint Value, uint EchoReply);

file static class TcpOptionField
{
    public const int Kind = 0;
    public const int Length = 1;
    public const int Data = 2;
    public const int MaxSegmentSizeLength = 4;
    public const int WindowScaleLength = 3;
    public const int SackPermittedLength = 2;
    public const int SackBlockLength = 8;
    public const int MaxSackBlocks = 4;
    public const int TimestampsLength = 10;

    /// <summary>The length RFC 9293 sec 3.1 and the option's own RFC allow for <paramref name="kind"/>.</summary>
    public static bool IsValidLength(TcpOptionKind kind, int length) => kind switch
    {
        TcpOptionKind.MaxSegmentSize => length == MaxSegmentSizeLength,
        TcpOptionKind.WindowScale => length == WindowScaleLength,
        TcpOptionKind.SackPermitted => length == SackPermittedLength,
        TcpOptionKind.Sack => length > Data && (length - Data) % SackBlockLength == 0 && (length - Data) / SackBlockLength <= MaxSackBlocks,
        TcpOptionKind.Timestamps => length == TimestampsLength,
        _ => length >= Data,
    };
}

/// <summary>
/// One TCP option (RFC 9293 sec 3.1): kind, length (counting kind and length) and data; end-of-option-list and
/// no-operation are a single byte. The typed accessors read the data of their own kind only.
/// </summary>
public readonly ref struct TcpOption
{
    public TcpOptionKind Kind { get; }
    /// <summary>The bytes after kind and length; empty for the single-byte options.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>Bytes the option occupies, kind and length included.</summary>
    public int Length { get; }

    internal TcpOption(TcpOptionKind kind, ReadOnlySpan<byte> data, int length)
    {
        Kind = kind;
        Data = data;
        Length = length;
    }

    private void Expect(TcpOptionKind kind)
    {
        if (Kind != kind) throw new InvalidOperationException($"This is a {Kind} option, not {kind}.");
    }

    public ushort MaxSegmentSize
    {
        get { Expect(TcpOptionKind.MaxSegmentSize); return BinaryPrimitives.ReadUInt16BigEndian(Data); }
    }

    /// <summary>The shift count as sent; RFC 7323 sec 2.3 has receivers treat anything above 14 as 14.</summary>
    public byte WindowScale
    {
        get { Expect(TcpOptionKind.WindowScale); return Data[0]; }
    }

    public int SackBlockCount
    {
        get { Expect(TcpOptionKind.Sack); return Data.Length / TcpOptionField.SackBlockLength; }
    }

    public TcpSackBlock GetSackBlock(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)SackBlockCount, nameof(index));
        var block = Data[(index * TcpOptionField.SackBlockLength)..];
        return new TcpSackBlock(BinaryPrimitives.ReadUInt32BigEndian(block), BinaryPrimitives.ReadUInt32BigEndian(block[4..]));
    }

    public TcpTimestamps Timestamps
    {
        get
        {
            Expect(TcpOptionKind.Timestamps);
            return new TcpTimestamps(BinaryPrimitives.ReadUInt32BigEndian(Data), BinaryPrimitives.ReadUInt32BigEndian(Data[4..]));
        }
    }
}

/// <summary>
/// Walks the options of a TCP header. Stops after an end-of-option-list (what follows is padding), at the end of
/// the bytes, or at a malformed option (length past the end, below 2, or wrong for a kind this reader decodes),
/// which sets <see cref="Error"/> to <see cref="WireError.BadOption"/>. Unknown kinds are yielded as they are.
/// Usable with <c>foreach</c>.
/// </summary>
public ref struct TcpOptionReader
{
    private ReadOnlySpan<byte> _rest;

    public TcpOptionReader(ReadOnlySpan<byte> options) => _rest = options;

    public TcpOption Current { get; private set; }

    /// <summary><see cref="WireError.None"/> unless the walk stopped at a malformed option.</summary>
    public WireError Error { get; private set; }

    public readonly TcpOptionReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_rest.IsEmpty) return false;
        var kind = (TcpOptionKind)_rest[TcpOptionField.Kind];
        if (kind == TcpOptionKind.EndOfOptionList)
        {
            Current = new TcpOption(kind, default, 1);
            _rest = default;
            return true;
        }
        if (kind == TcpOptionKind.NoOperation)
        {
            Current = new TcpOption(kind, default, 1);
            _rest = _rest[1..];
            return true;
        }
        if (_rest.Length < TcpOptionField.Data
            || _rest[TcpOptionField.Length] > _rest.Length
            || !TcpOptionField.IsValidLength(kind, _rest[TcpOptionField.Length]))
        {
            Error = WireError.BadOption;
            _rest = default;
            return false;
        }
        int length = _rest[TcpOptionField.Length];
        Current = new TcpOption(kind, _rest[TcpOptionField.Data..length], length);
        _rest = _rest[length..];
        return true;
    }

    /// <summary><see cref="WireError.None"/> when every option in <paramref name="options"/> is well formed, else <see cref="WireError.BadOption"/>.</summary>
    public static WireError Validate(ReadOnlySpan<byte> options)
    {
        var reader = new TcpOptionReader(options);
        while (reader.MoveNext()) { }
        return reader.Error;
    }
}

/// <summary>
/// Lays out TCP options in a caller's buffer (40 bytes suffice) in the order added, then pads them with
/// end-of-option-list bytes to a whole number of 32-bit words (RFC 9293 sec 3.1). Allocates nothing.
/// </summary>
public ref struct TcpOptionWriter
{
    private readonly Span<byte> _buffer;

    public TcpOptionWriter(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Bytes written so far, before padding.</summary>
    public int Length { get; private set; }

    public void AddNoOperation() => _buffer[Length++] = (byte)TcpOptionKind.NoOperation;

    public void AddMaxSegmentSize(ushort maxSegmentSize) =>
        BinaryPrimitives.WriteUInt16BigEndian(Start(TcpOptionKind.MaxSegmentSize, TcpOptionField.MaxSegmentSizeLength), maxSegmentSize);

    public void AddWindowScale(byte shift) => Start(TcpOptionKind.WindowScale, TcpOptionField.WindowScaleLength)[0] = shift;

    public void AddSackPermitted() => Start(TcpOptionKind.SackPermitted, TcpOptionField.SackPermittedLength);

    /// <summary>One to four SACK blocks (RFC 2018 sec 3).</summary>
    public void AddSack(scoped ReadOnlySpan<TcpSackBlock> blocks)
    {
        if (blocks.IsEmpty || blocks.Length > TcpOptionField.MaxSackBlocks)
            throw new ArgumentException($"{blocks.Length} SACK blocks; an option holds one to four", nameof(blocks));
        var data = Start(TcpOptionKind.Sack, TcpOptionField.Data + blocks.Length * TcpOptionField.SackBlockLength);
        for (int i = 0; i < blocks.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(data[(i * TcpOptionField.SackBlockLength)..], blocks[i].Left);
            BinaryPrimitives.WriteUInt32BigEndian(data[(i * TcpOptionField.SackBlockLength + 4)..], blocks[i].Right);
        }
    }

    public void AddTimestamps(uint value, uint echoReply)
    {
        var data = Start(TcpOptionKind.Timestamps, TcpOptionField.TimestampsLength);
        BinaryPrimitives.WriteUInt32BigEndian(data, value);
        BinaryPrimitives.WriteUInt32BigEndian(data[4..], echoReply);
    }

    /// <summary>Any other option, copied as kind, length and <paramref name="data"/>.</summary>
    public void AddOption(TcpOptionKind kind, scoped ReadOnlySpan<byte> data)
    {
        if (kind is TcpOptionKind.EndOfOptionList or TcpOptionKind.NoOperation)
            throw new ArgumentException("Single-byte options have no data.", nameof(kind));
        if (!TcpOptionField.IsValidLength(kind, TcpOptionField.Data + data.Length))
            throw new ArgumentException($"{data.Length} data bytes do not fit a {kind} option", nameof(data));
        data.CopyTo(Start(kind, TcpOptionField.Data + data.Length));
    }

    private Span<byte> Start(TcpOptionKind kind, int length)
    {
        _buffer[Length + TcpOptionField.Kind] = (byte)kind;
        _buffer[Length + TcpOptionField.Length] = (byte)length;
        var data = _buffer.Slice(Length + TcpOptionField.Data, length - TcpOptionField.Data);
        Length += length;
        return data;
    }

    /// <summary>Pads to a multiple of 4 with end-of-option-list bytes and copies the result into an <see cref="OptionBytes"/>.</summary>
    public OptionBytes ToOptionBytes()
    {
        int padded = (Length + 3) & ~3;
        if (padded > OptionBytes.MaxLength) throw new InvalidOperationException($"{Length} bytes of options exceed the 40 a TCP header holds.");
        _buffer[Length..padded].Clear();
        OptionBytes.TryCreate(_buffer[..padded], out var options);
        return options;
    }
}
