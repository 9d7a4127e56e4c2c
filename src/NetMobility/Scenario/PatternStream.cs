using System.Security.Cryptography;

namespace NetMobility.Scenario;

/// <summary>
/// One direction of a session's bytes: a deterministic pattern (octet n of stream s follows from n and s, never
/// repeating with a short period), written by the sender and checked by the receiver as it reads, offset by offset,
/// with a SHA-256 of everything on both sides. A byte lost, repeated, reordered or changed shows as a mismatch.
/// </summary>
public sealed class PatternStream : IDisposable
{
    private readonly byte _stream;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public PatternStream(byte stream) => _stream = stream;

    /// <summary>Octets written (as sender) or read (as receiver) so far.</summary>
    public long Length { get; private set; }

    /// <summary>As receiver: octets that were not the pattern's at their offset.</summary>
    public long Mismatches { get; private set; }

    /// <summary>As receiver: the offset of the first octet that was not the pattern's, if any.</summary>
    public long? FirstMismatch { get; private set; }

    public static byte At(byte stream, long offset) =>
        unchecked((byte)((offset ^ (offset >> 8) ^ (offset >> 16) ^ (offset >> 24)) * 31 + stream));

    /// <summary>As sender: fills <paramref name="buffer"/> with the next octets of the pattern (not yet counted as written).</summary>
    public void Peek(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++) buffer[i] = At(_stream, Length + i);
    }

    /// <summary>As sender: the first <paramref name="count"/> octets last peeked were taken by the connection.</summary>
    public void Advance(ReadOnlySpan<byte> taken)
    {
        _hash.AppendData(taken);
        Length += taken.Length;
    }

    /// <summary>As receiver: checks octets read in order against the pattern.</summary>
    public void Check(ReadOnlySpan<byte> read)
    {
        for (int i = 0; i < read.Length; i++)
        {
            if (read[i] == At(_stream, Length + i)) continue;
            Mismatches++;
            FirstMismatch ??= Length + i;
        }
        _hash.AppendData(read);
        Length += read.Length;
    }

    /// <summary>The SHA-256 of every octet so far, in hex.</summary>
    public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public void Dispose() => _hash.Dispose();
}
