using System.Buffers.Binary;
using System.Text.Unicode;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Error record payload (type 0x83, destination -> source, docs/page-stream.md sec 4.3): the
/// <see cref="PageStreamError"/> code (16 bits) and a UTF-8 message of at most 1024 octets, cut at a
/// character boundary. The destination has dropped the session; the source keeps the VM. A code the reader
/// does not know is read as it is (an unknown error): a newer peer's codes do not make the record unreadable.
/// </summary>
public readonly record struct ErrorRecord(PageStreamError Code, string Message)
{
    public const int MaxMessageLength = 1024;

    public int Length
    {
        get
        {
            Span<byte> text = stackalloc byte[MaxMessageLength];
            return 2 + EncodeMessage(text);
        }
    }

    public static bool TryParse(ReadOnlySpan<byte> payload, out ErrorRecord record, out PageStreamError error)
    {
        record = default;
        if (payload.Length < 2 || payload.Length > 2 + MaxMessageLength) { error = PageStreamError.BadLength; return false; }
        var code = (PageStreamError)BinaryPrimitives.ReadUInt16BigEndian(payload);
        // A code this reader does not know (from a newer peer) is kept as it is: an unknown error, with its message.
        if (code == PageStreamError.None) { error = PageStreamError.BadLength; return false; }
        record = new ErrorRecord(code, System.Text.Encoding.UTF8.GetString(payload[2..]));
        error = PageStreamError.None;
        return true;
    }

    /// <summary>Writes the record into the first <see cref="Length"/> octets of <paramref name="buffer"/>.</summary>
    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)Code);
        return 2 + EncodeMessage(buffer[2..Math.Min(buffer.Length, 2 + MaxMessageLength)]);
    }

    private int EncodeMessage(Span<byte> destination)
    {
        // Stops at the last whole character that fits, so a long message is cut, never split inside a character.
        Utf8.FromUtf16(Message, destination, out _, out int written);
        return written;
    }
}
