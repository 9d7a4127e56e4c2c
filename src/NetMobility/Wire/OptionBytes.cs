using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace NetMobility.Wire;

/// <summary>
/// The option bytes of an IPv4 or TCP header, kept verbatim so a header re-emits exactly what it parsed.
/// Both headers cap options at 40 bytes (a 4-bit length in 32-bit words, RFC 791 sec 3.1, RFC 9293 sec 3.1)
/// and pad them to a multiple of 4, so the bytes live inline: a header representation owns them without
/// allocating. Equality compares the bytes.
/// </summary>
public readonly struct OptionBytes : IEquatable<OptionBytes>
{
    public const int MaxLength = 40;

    [InlineArray(MaxLength)]
    private struct Storage
    {
        private byte _element;
    }

    private readonly Storage _bytes;

    public int Length { get; }

    public bool IsEmpty => Length == 0;

    private OptionBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_bytes);
        Length = bytes.Length;
    }

    [UnscopedRef]
    public ReadOnlySpan<byte> Span => ((ReadOnlySpan<byte>)_bytes)[..Length];

    /// <summary>Copies <paramref name="bytes"/> when they fit a header: at most 40 bytes, a multiple of 4.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> bytes, out OptionBytes options)
    {
        if (bytes.Length > MaxLength || bytes.Length % 4 != 0)
        {
            options = default;
            return false;
        }
        options = new OptionBytes(bytes);
        return true;
    }

    public void CopyTo(Span<byte> destination) => Span.CopyTo(destination);

    public bool Equals(OptionBytes other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is OptionBytes other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(OptionBytes left, OptionBytes right) => left.Equals(right);
    public static bool operator !=(OptionBytes left, OptionBytes right) => !left.Equals(right);

    /// <summary>Lower-case hex of the bytes, empty when there are none.</summary>
    public override string ToString() => Convert.ToHexStringLower(Span);
}
