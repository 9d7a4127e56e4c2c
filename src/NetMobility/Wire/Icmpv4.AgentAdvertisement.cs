using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>Router advertisement codes (RFC 5944 sec 2.1).</summary>
public enum RouterAdvertisementCode : byte
{
    /// <summary>The agent routes common traffic, like any router.</summary>
    Normal = 0,
    /// <summary>The mobility agent does not route common traffic, only that of its mobile nodes.</summary>
    DoesNotRouteCommonTraffic = 16,
}

/// <summary>Extensions a Mobile IP agent appends to a router advertisement (RFC 5944 sec 2.1, IANA "Mobile IPv4 Numbers").</summary>
public enum AgentAdvertisementExtensionType : byte
{
    /// <summary>A single zero byte with no length (RFC 5944 sec 2.1.3).</summary>
    OneBytePadding = 0,
    MobilityAgentAdvertisement = 16,
    PrefixLengths = 19,
}

/// <summary>
/// Flags of the Mobility Agent Advertisement Extension, as the 16-bit word on the wire (RFC 5944 sec 2.1.1).
/// Wireshark names them icmp.mip.r, .b, .h, .f, .m, .g, .v, .rt, .u, .x; it shows the I bit as reserved.
/// </summary>
[Flags]
public enum MobilityAgentFlags : ushort
{
    None = 0,
    /// <summary>R: registration with this foreign agent is required, even with a co-located care-of address.</summary>
    RegistrationRequired = 0x8000,
    /// <summary>B: the foreign agent will not accept registrations from more mobile nodes.</summary>
    Busy = 0x4000,
    /// <summary>H: the agent offers home agent service on this link.</summary>
    HomeAgent = 0x2000,
    /// <summary>F: the agent offers foreign agent service on this link.</summary>
    ForeignAgent = 0x1000,
    /// <summary>M: minimal encapsulation (RFC 2004) of tunnelled datagrams.</summary>
    MinimalEncapsulation = 0x0800,
    /// <summary>G: GRE encapsulation (RFC 2784) of tunnelled datagrams.</summary>
    GreEncapsulation = 0x0400,
    /// <summary>
    /// r: RFC 2002's V bit (Van Jacobson header compression). RFC 5944 retires it: sent as zero, ignored on
    /// receipt. Named because Wireshark still reports it (icmp.mip.v).
    /// </summary>
    VjCompression = 0x0200,
    /// <summary>T: reverse tunnelling (RFC 3024).</summary>
    ReverseTunneling = 0x0100,
    /// <summary>U: UDP tunnelling through NAT (RFC 3519).</summary>
    UdpTunneling = 0x0080,
    /// <summary>X: registration revocation (RFC 3543).</summary>
    RegistrationRevocation = 0x0040,
    /// <summary>I: regional registration (RFC 4857).</summary>
    RegionalRegistration = 0x0020,
}

/*  Router advertisement body (RFC 1256 sec 3), then the Mobile IP extensions (RFC 5944 sec 2.1).

    Address entries, Num Addrs of them, Addr Entry Size (2) words each:
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                       Router Address[i]                       |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                   Preference Level[i] (signed)                |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    Extensions are type, length (not counting type and length, RFC 5944 sec 1.9), data; type 0 is one byte.
    Mobility Agent Advertisement Extension (RFC 5944 sec 2.1.1), length 6 + 4 x care-of addresses:
     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |   Type (16)   |    Length     |        Sequence Number        |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |      Registration Lifetime    |R|B|H|F|M|G|r|T|U|X|I|reserved |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                  zero or more Care-of Addresses               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    Prefix-Lengths Extension (RFC 5944 sec 2.1.2), one prefix length per router address:
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |   Type (19)   |  Length (N)   | Prefix Length | ...
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
*/
file static class AgentAdvertisementField
{
    public const int RouterAddressCount = 4;
    public const int AddressEntrySize = 5;
    public const int Lifetime = 6;
    public const int Entries = 8;
    public const int EntryAddress = 0;
    public const int EntryPreference = 4;
    public const int EntryLength = 8;
    public const byte WordsPerEntry = 2;

    public const int ExtensionType = 0;
    public const int ExtensionLength = 1;
    public const int ExtensionData = 2;

    // Offsets within the Mobility Agent Advertisement Extension's data.
    public const int SequenceNumber = 0;
    public const int RegistrationLifetime = 2;
    public const int Flags = 4;
    public const int CareOfAddresses = 6;

    public const int MaxPrefixLength = 32;
}

public readonly ref partial struct Icmpv4Packet
{
    private static WireError CheckRouterAdvertisement(ReadOnlySpan<byte> buffer)
    {
        int count = buffer[AgentAdvertisementField.RouterAddressCount];
        int wordsPerEntry = buffer[AgentAdvertisementField.AddressEntrySize];
        // RFC 1256 sec 5.2: an entry size below 2 words cannot hold address and preference.
        if (wordsPerEntry < AgentAdvertisementField.WordsPerEntry) return WireError.BadLength;
        int entriesEnd = AgentAdvertisementField.Entries + count * wordsPerEntry * 4;
        if (entriesEnd > buffer.Length) return WireError.Truncated;
        return AgentAdvertisementExtensionReader.Validate(buffer[entriesEnd..], count);
    }

    private bool IsRouterAdvertisement => Type == Icmpv4Type.RouterAdvertisement;

    /// <summary>Router advertisement: number of address entries (RFC 1256 sec 3); 0 for other types.</summary>
    public byte RouterAddressCount => IsRouterAdvertisement ? Buffer[AgentAdvertisementField.RouterAddressCount] : (byte)0;

    /// <summary>Router advertisement: 32-bit words per address entry (RFC 1256 sec 3); 0 for other types.</summary>
    public byte AddressEntrySize => IsRouterAdvertisement ? Buffer[AgentAdvertisementField.AddressEntrySize] : (byte)0;

    /// <summary>Router advertisement: seconds the addresses stay valid (RFC 1256 sec 3); 0 for other types.</summary>
    public ushort Lifetime => IsRouterAdvertisement ? BinaryPrimitives.ReadUInt16BigEndian(Buffer[AgentAdvertisementField.Lifetime..]) : (ushort)0;

    private int EntryOffset(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)RouterAddressCount, nameof(index));
        return AgentAdvertisementField.Entries + index * AddressEntrySize * 4;
    }

    public Ipv4Address GetRouterAddress(int index) => Ipv4Address.Read(Buffer[(EntryOffset(index) + AgentAdvertisementField.EntryAddress)..]);

    /// <summary>Preference of router address <paramref name="index"/>: signed, higher is better (RFC 1256 sec 3).</summary>
    public int GetPreference(int index) => BinaryPrimitives.ReadInt32BigEndian(Buffer[(EntryOffset(index) + AgentAdvertisementField.EntryPreference)..]);

    /// <summary>The bytes after the address entries of a router advertisement: the Mobile IP extensions. Empty for other types.</summary>
    public ReadOnlySpan<byte> Extensions => IsRouterAdvertisement
        ? Buffer[(AgentAdvertisementField.Entries + RouterAddressCount * AddressEntrySize * 4)..]
        : default;

    public AgentAdvertisementExtensionReader ReadExtensions() => new(Extensions);

    /// <summary>True for an Agent Advertisement: a router advertisement carrying a Mobility Agent Advertisement Extension (RFC 5944 sec 2.1).</summary>
    public bool IsAgentAdvertisement => TryGetMobilityAgentAdvertisement(out _);

    /// <summary>The first Mobility Agent Advertisement Extension, if the message carries one.</summary>
    public bool TryGetMobilityAgentAdvertisement(out MobilityAgentAdvertisementExtension extension)
    {
        foreach (var candidate in ReadExtensions())
        {
            if (candidate.Type == AgentAdvertisementExtensionType.MobilityAgentAdvertisement)
                return MobilityAgentAdvertisementExtension.TryCreate(candidate.Data, out extension, out _);
        }
        extension = default;
        return false;
    }

    /// <summary>The prefix lengths of the Prefix-Lengths Extension, one per router address, if the message carries one.</summary>
    public bool TryGetPrefixLengths(out ReadOnlySpan<byte> prefixLengths)
    {
        foreach (var candidate in ReadExtensions())
        {
            if (candidate.Type == AgentAdvertisementExtensionType.PrefixLengths)
            {
                prefixLengths = candidate.Data;
                return true;
            }
        }
        prefixLengths = default;
        return false;
    }
}

/// <summary>One extension of an agent advertisement: its type and its data (empty for one-byte padding). Unknown types are kept as they are.</summary>
public readonly ref struct AgentAdvertisementExtension
{
    public AgentAdvertisementExtensionType Type { get; }
    /// <summary>The bytes after type and length.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>Bytes the extension occupies: 1 for padding, else 2 + data.</summary>
    public int Length => Type == AgentAdvertisementExtensionType.OneBytePadding ? 1 : AgentAdvertisementField.ExtensionData + Data.Length;

    internal AgentAdvertisementExtension(AgentAdvertisementExtensionType type, ReadOnlySpan<byte> data)
    {
        Type = type;
        Data = data;
    }
}

/// <summary>
/// Walks the extensions after a router advertisement's address entries. Stops at the end of the bytes or at an
/// extension whose length runs past them, which sets <see cref="Error"/> to <see cref="WireError.Truncated"/>.
/// Usable with <c>foreach</c>.
/// </summary>
public ref struct AgentAdvertisementExtensionReader
{
    private ReadOnlySpan<byte> _rest;

    public AgentAdvertisementExtensionReader(ReadOnlySpan<byte> extensions) => _rest = extensions;

    public AgentAdvertisementExtension Current { get; private set; }

    /// <summary><see cref="WireError.None"/> unless the walk stopped at a cut-off extension.</summary>
    public WireError Error { get; private set; }

    public readonly AgentAdvertisementExtensionReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_rest.IsEmpty) return false;
        var type = (AgentAdvertisementExtensionType)_rest[AgentAdvertisementField.ExtensionType];
        if (type == AgentAdvertisementExtensionType.OneBytePadding)
        {
            Current = new AgentAdvertisementExtension(type, default);
            _rest = _rest[1..];
            return true;
        }
        if (_rest.Length < AgentAdvertisementField.ExtensionData
            || AgentAdvertisementField.ExtensionData + _rest[AgentAdvertisementField.ExtensionLength] > _rest.Length)
        {
            Error = WireError.Truncated;
            _rest = default;
            return false;
        }
        int end = AgentAdvertisementField.ExtensionData + _rest[AgentAdvertisementField.ExtensionLength];
        Current = new AgentAdvertisementExtension(type, _rest[AgentAdvertisementField.ExtensionData..end]);
        _rest = _rest[end..];
        return true;
    }

    /// <summary>
    /// Checks the extensions of a router advertisement with <paramref name="routerAddressCount"/> entries:
    /// <see cref="WireError.Truncated"/> when one runs past the end, <see cref="WireError.BadOption"/> when a
    /// mobility agent extension's length is not 6 + 4n (RFC 5944 sec 2.1.1) or the prefix lengths are not one
    /// per router address, each at most 32 (RFC 5944 sec 2.1.2).
    /// </summary>
    public static WireError Validate(ReadOnlySpan<byte> extensions, int routerAddressCount)
    {
        var reader = new AgentAdvertisementExtensionReader(extensions);
        while (reader.MoveNext())
        {
            var extension = reader.Current;
            if (extension.Type == AgentAdvertisementExtensionType.MobilityAgentAdvertisement
                && !MobilityAgentAdvertisementExtension.TryCreate(extension.Data, out _, out _))
                return WireError.BadOption;
            if (extension.Type == AgentAdvertisementExtensionType.PrefixLengths && !ArePrefixLengths(extension.Data, routerAddressCount))
                return WireError.BadOption;
        }
        return reader.Error;
    }

    private static bool ArePrefixLengths(ReadOnlySpan<byte> data, int routerAddressCount)
    {
        if (data.Length != routerAddressCount) return false;
        foreach (byte prefixLength in data)
        {
            if (prefixLength > AgentAdvertisementField.MaxPrefixLength) return false;
        }
        return true;
    }
}

/// <summary>
/// Zero-copy view of a Mobility Agent Advertisement Extension's data (after type and length, RFC 5944 sec 2.1.1).
/// <see cref="TryCreate"/> checks the length is 6 + 4 x care-of addresses; after it succeeds every accessor is safe.
/// </summary>
public readonly ref struct MobilityAgentAdvertisementExtension
{
    public ReadOnlySpan<byte> Data { get; }

    private MobilityAgentAdvertisementExtension(ReadOnlySpan<byte> data) => Data = data;

    public static bool TryCreate(ReadOnlySpan<byte> data, out MobilityAgentAdvertisementExtension extension, out WireError error)
    {
        extension = default;
        if (data.Length < AgentAdvertisementField.CareOfAddresses || (data.Length - AgentAdvertisementField.CareOfAddresses) % Ipv4Address.Length != 0)
        {
            error = WireError.BadOption;
            return false;
        }
        extension = new MobilityAgentAdvertisementExtension(data);
        error = WireError.None;
        return true;
    }

    /// <summary>Advertisements sent since the agent started; after 0xFFFF it wraps to 256, so 0 to 255 mean a restart (RFC 5944 sec 2.3.2).</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(Data[AgentAdvertisementField.SequenceNumber..]);
    /// <summary>Longest registration lifetime the agent accepts, in seconds; 0xFFFF is infinite.</summary>
    public ushort RegistrationLifetime => BinaryPrimitives.ReadUInt16BigEndian(Data[AgentAdvertisementField.RegistrationLifetime..]);
    /// <summary>The whole flags word, reserved bits included as received.</summary>
    public MobilityAgentFlags Flags => (MobilityAgentFlags)BinaryPrimitives.ReadUInt16BigEndian(Data[AgentAdvertisementField.Flags..]);
    public int CareOfAddressCount => (Data.Length - AgentAdvertisementField.CareOfAddresses) / Ipv4Address.Length;

    public Ipv4Address GetCareOfAddress(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)CareOfAddressCount, nameof(index));
        return Ipv4Address.Read(Data[(AgentAdvertisementField.CareOfAddresses + index * Ipv4Address.Length)..]);
    }
}

/// <summary>
/// Builds an Agent Advertisement (or a plain router advertisement) in place: router addresses first, then
/// extensions in the order added, then <see cref="Finish"/> writes the ICMP header and checksum. Allocates nothing;
/// the buffer must be large enough (<see cref="Length"/> grows with each addition).
/// </summary>
public ref struct AgentAdvertisementWriter
{
    private readonly Span<byte> _buffer;
    private readonly ushort _lifetime;
    private readonly RouterAdvertisementCode _code;
    private int _routerAddressCount;
    private bool _extensionsStarted;

    /// <param name="lifetime">Seconds the advertisement stays valid (RFC 1256 sec 3; RFC 5944 sec 2.1).</param>
    public AgentAdvertisementWriter(Span<byte> buffer, ushort lifetime, RouterAdvertisementCode code = RouterAdvertisementCode.Normal)
    {
        _buffer = buffer;
        _lifetime = lifetime;
        _code = code;
        Length = Icmpv4Message.HeaderLength;
    }

    /// <summary>Bytes written so far, ICMP header included.</summary>
    public int Length { get; private set; }

    public void AddRouterAddress(Ipv4Address address, int preference)
    {
        if (_extensionsStarted) throw new InvalidOperationException("Router addresses come before the extensions (RFC 5944 sec 2.1).");
        if (_routerAddressCount == byte.MaxValue) throw new InvalidOperationException("A router advertisement holds at most 255 addresses.");
        address.Write(_buffer[(Length + AgentAdvertisementField.EntryAddress)..]);
        BinaryPrimitives.WriteInt32BigEndian(_buffer[(Length + AgentAdvertisementField.EntryPreference)..], preference);
        Length += AgentAdvertisementField.EntryLength;
        _routerAddressCount++;
    }

    public void AddMobilityAgentAdvertisement(ushort sequenceNumber, ushort registrationLifetime, MobilityAgentFlags flags, scoped ReadOnlySpan<Ipv4Address> careOfAddresses)
    {
        var data = StartExtension(AgentAdvertisementExtensionType.MobilityAgentAdvertisement,
            AgentAdvertisementField.CareOfAddresses + careOfAddresses.Length * Ipv4Address.Length);
        BinaryPrimitives.WriteUInt16BigEndian(data[AgentAdvertisementField.SequenceNumber..], sequenceNumber);
        BinaryPrimitives.WriteUInt16BigEndian(data[AgentAdvertisementField.RegistrationLifetime..], registrationLifetime);
        BinaryPrimitives.WriteUInt16BigEndian(data[AgentAdvertisementField.Flags..], (ushort)flags);
        for (int i = 0; i < careOfAddresses.Length; i++)
            careOfAddresses[i].Write(data[(AgentAdvertisementField.CareOfAddresses + i * Ipv4Address.Length)..]);
    }

    /// <summary>One prefix length (at most 32) per router address already added (RFC 5944 sec 2.1.2).</summary>
    public void AddPrefixLengths(scoped ReadOnlySpan<byte> prefixLengths)
    {
        if (prefixLengths.Length != _routerAddressCount)
            throw new ArgumentException($"{prefixLengths.Length} prefix lengths for {_routerAddressCount} router addresses", nameof(prefixLengths));
        foreach (byte prefixLength in prefixLengths)
        {
            if (prefixLength > AgentAdvertisementField.MaxPrefixLength)
                throw new ArgumentException($"prefix length {prefixLength} is over 32", nameof(prefixLengths));
        }
        prefixLengths.CopyTo(StartExtension(AgentAdvertisementExtensionType.PrefixLengths, prefixLengths.Length));
    }

    /// <summary>The one-byte padding extension (RFC 5944 sec 2.1.3), used to make the message length even.</summary>
    public void AddPadding()
    {
        _extensionsStarted = true;
        _buffer[Length] = (byte)AgentAdvertisementExtensionType.OneBytePadding;
        Length++;
    }

    /// <summary>Any other extension, copied as type, length and <paramref name="data"/>.</summary>
    public void AddExtension(AgentAdvertisementExtensionType type, scoped ReadOnlySpan<byte> data)
    {
        if (type == AgentAdvertisementExtensionType.OneBytePadding) throw new ArgumentException("Padding has no length; use AddPadding.", nameof(type));
        data.CopyTo(StartExtension(type, data.Length));
    }

    private Span<byte> StartExtension(AgentAdvertisementExtensionType type, int dataLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataLength, byte.MaxValue, nameof(dataLength));
        _extensionsStarted = true;
        _buffer[Length + AgentAdvertisementField.ExtensionType] = (byte)type;
        _buffer[Length + AgentAdvertisementField.ExtensionLength] = (byte)dataLength;
        var data = _buffer.Slice(Length + AgentAdvertisementField.ExtensionData, dataLength);
        Length += AgentAdvertisementField.ExtensionData + dataLength;
        return data;
    }

    /// <summary>Writes the ICMP header (and checksum, per <paramref name="checksums"/>); returns the message length.</summary>
    public readonly int Finish(ChecksumPolicy checksums = ChecksumPolicy.Both)
    {
        Icmpv4Message.RouterAdvertisement(_code, (byte)_routerAddressCount, _lifetime, Length - Icmpv4Message.HeaderLength).Emit(_buffer, checksums);
        return Length;
    }
}
