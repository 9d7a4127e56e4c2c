using System.Runtime.CompilerServices;

namespace NetMobility.Migration.PageStream;

/// <summary>A SHA-256 digest of a memory image, held by value so records that carry it allocate nothing.</summary>
public readonly struct ImageDigest : IEquatable<ImageDigest>
{
    public const int Length = 32;

    [InlineArray(Length)]
    private struct Bytes32 { private byte _first; }

    private readonly Bytes32 _bytes;

    private ImageDigest(Bytes32 bytes) => _bytes = bytes;

    public static ImageDigest Read(ReadOnlySpan<byte> source)
    {
        var bytes = new Bytes32();
        source[..Length].CopyTo(bytes);
        return new ImageDigest(bytes);
    }

    public void Write(Span<byte> destination) => ((ReadOnlySpan<byte>)_bytes).CopyTo(destination);

    public bool Equals(ImageDigest other) => ((ReadOnlySpan<byte>)_bytes).SequenceEqual(other._bytes);
    public override bool Equals(object? obj) => obj is ImageDigest other && Equals(other);
    public override int GetHashCode() => BitConverter.ToInt32(_bytes);
    public static bool operator ==(ImageDigest left, ImageDigest right) => left.Equals(right);
    public static bool operator !=(ImageDigest left, ImageDigest right) => !left.Equals(right);
    public override string ToString() => Convert.ToHexString(_bytes).ToLowerInvariant();
}
