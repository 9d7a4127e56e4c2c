namespace NetMobility.Wire;

/// <summary>IPv4 option types this toolkit names (IANA "IP Option Numbers"); others are carried as their number.</summary>
public enum Ipv4OptionType : byte
{
    EndOfOptionList = 0,
    NoOperation = 1,
    RecordRoute = 7,
    Timestamp = 68,
    Security = 130,
    LooseSourceRoute = 131,
    StreamId = 136,
    StrictSourceRoute = 137,
    /// <summary>Router Alert (RFC 2113).</summary>
    RouterAlert = 148,
}

/// <summary>
/// One IPv4 option (RFC 791 sec 3.1). End-of-option-list and no-operation are a single type byte;
/// every other option is type, length (counting type and length) and data.
/// </summary>
public readonly ref struct Ipv4Option
{
    public Ipv4OptionType Type { get; }
    /// <summary>The option's bytes after type and length; empty for the single-byte options.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>Bytes the option occupies, type and length included.</summary>
    public int Length { get; }

    internal Ipv4Option(Ipv4OptionType type, ReadOnlySpan<byte> data, int length)
    {
        Type = type;
        Data = data;
        Length = length;
    }

    /// <summary>The copied flag (RFC 791 sec 3.1): a fragmenting router copies this option into every fragment.</summary>
    public bool IsCopied => ((byte)Type & 0x80) != 0;
}

/// <summary>
/// Walks the options of an IPv4 header. Stops after an end-of-option-list (what follows is padding),
/// at the end of the bytes, or at a malformed option, which sets <see cref="Error"/> to
/// <see cref="WireError.BadOption"/>. Usable with <c>foreach</c>.
/// </summary>
public ref struct Ipv4OptionReader
{
    private ReadOnlySpan<byte> _rest;

    public Ipv4OptionReader(ReadOnlySpan<byte> options) => _rest = options;

    public Ipv4Option Current { get; private set; }

    /// <summary><see cref="WireError.None"/> unless the walk stopped at a malformed option.</summary>
    public WireError Error { get; private set; }

    public readonly Ipv4OptionReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_rest.IsEmpty) return false;
        var type = (Ipv4OptionType)_rest[0];
        if (type == Ipv4OptionType.EndOfOptionList)
        {
            Current = new Ipv4Option(type, default, 1);
            _rest = default;
            return true;
        }
        if (type == Ipv4OptionType.NoOperation)
        {
            Current = new Ipv4Option(type, default, 1);
            _rest = _rest[1..];
            return true;
        }
        // RFC 791 sec 3.1: the length octet counts the type, the length and the data octets.
        if (_rest.Length < 2 || _rest[1] < 2 || _rest[1] > _rest.Length)
        {
            Error = WireError.BadOption;
            _rest = default;
            return false;
        }
        int length = _rest[1];
        Current = new Ipv4Option(type, _rest[2..length], length);
        _rest = _rest[length..];
        return true;
    }

    /// <summary><see cref="WireError.None"/> when every option in <paramref name="options"/> is well formed, else <see cref="WireError.BadOption"/>.</summary>
    public static WireError Validate(ReadOnlySpan<byte> options)
    {
        var reader = new Ipv4OptionReader(options);
        while (reader.MoveNext()) { }
        return reader.Error;
    }
}
