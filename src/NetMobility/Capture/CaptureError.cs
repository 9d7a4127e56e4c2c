namespace NetMobility.Capture;

/// <summary>Why a capture file could not be read further.</summary>
public enum CaptureErrorKind
{
    /// <summary>The file starts with neither a pcap magic number nor a pcapng section header (or its byte-order magic is wrong).</summary>
    BadMagic,
    /// <summary>A pcap major version other than 2, or a pcapng section major version other than 1.</summary>
    UnsupportedVersion,
    /// <summary>The file ends inside a header, a record or a block.</summary>
    Truncated,
    /// <summary>A length field is impossible: a pcapng block total length too short or not a multiple of 4, or packet data that does not fit its block.</summary>
    BadLength,
    /// <summary>A pcapng block's trailing total length differs from its leading one.</summary>
    LengthMismatch,
    /// <summary>A captured length above <see cref="CaptureReader.MaxCapturedLength"/> (one above the snap length is read and flagged: <see cref="CaptureRecord.ExceedsSnapLength"/>).</summary>
    OversizedRecord,
    /// <summary>A pcapng packet refers to an interface its section has not described.</summary>
    UnknownInterface,
    /// <summary>A pcapng option list is not well formed, or an option the reader uses has a bad value.</summary>
    BadOption,
    /// <summary>A timestamp lies outside what nanoseconds in a long can express (years 1678 to 2262).</summary>
    TimestampOutOfRange,
}

/// <summary>
/// A format error in a capture file: what went wrong, in which file, and at which byte offset (the
/// start of the header, record or block that holds the fault). <see cref="Message"/> reads like
/// <c>capture.pcapng: block at offset 1234: total length 7 is not a multiple of 4</c>.
/// </summary>
public sealed record CaptureError(CaptureErrorKind Kind, string Source, string Element, long Offset, string Detail)
{
    public string Message => $"{Source}: {Element} at offset {Offset}: {Detail}";

    public override string ToString() => Message;
}
