namespace NetMobility.Migration.PageStream;

/// <summary>Why a page stream, or one record of it, was refused. <see cref="None"/> means it was not.</summary>
public enum PageStreamError
{
    None = 0,
    /// <summary>The stream ended inside a record.</summary>
    Truncated,
    /// <summary>A record's CRC-32C does not match its bytes.</summary>
    BadChecksum,
    /// <summary>A record announces a payload larger than the frame limit.</summary>
    Oversize,
    /// <summary>A record type that this direction of the stream does not carry.</summary>
    UnknownType,
    /// <summary>The stream header does not start with the magic number.</summary>
    BadMagic,
    /// <summary>The stream header carries a version this reader does not speak.</summary>
    BadVersion,
    /// <summary>A value the format allows but this implementation does not support (page size).</summary>
    Unsupported,
    /// <summary>A payload whose length does not match what its fields announce, or a reserved field that is not zero.</summary>
    BadLength,
    /// <summary>A record that cannot come where it came (batch before header, round going back, sequence gap).</summary>
    OutOfOrder,
    /// <summary>A page number at or past the end of the memory.</summary>
    BadPageNumber,
    /// <summary>A page encoding that is unknown or whose payload does not decode.</summary>
    BadEncoding,
    /// <summary>The rebuilt image does not hash to the digest the source sent.</summary>
    DigestMismatch,
    /// <summary>A resumed stream names a session the destination does not hold.</summary>
    UnknownSession,
    /// <summary>The peer reported an error record.</summary>
    PeerError,
    /// <summary>The connection closed at a record boundary before the stream was complete.</summary>
    ConnectionLost,
    /// <summary>The source gave the migration up (an abort record): the VM stays there.</summary>
    Cancelled,
    /// <summary>A device-state chunk starts past the octets received so far, or the device state ends short of its total.</summary>
    DeviceStateGap,
    /// <summary>A device-state chunk starts before the end of the octets received so far (they would be delivered twice).</summary>
    DeviceStateOverlap,
    /// <summary>A device state whose total is more than the destination takes.</summary>
    DeviceStateOversize,
    /// <summary>The destination's hypervisor could not load the device state: the VM stays at the source.</summary>
    DeviceStateNotLoaded,
    /// <summary>The destination cannot hold the image the stream header announces (its memory is of another size, or cannot be made).</summary>
    ImageRefused,
}

public static class PageStreamErrorText
{
    /// <summary>A short lower-case phrase for error messages.</summary>
    public static string Describe(this PageStreamError error) => error switch
    {
        PageStreamError.None => "ok",
        PageStreamError.Truncated => "truncated record",
        PageStreamError.BadChecksum => "bad record checksum",
        PageStreamError.Oversize => "record larger than the frame limit",
        PageStreamError.UnknownType => "unknown record type",
        PageStreamError.BadMagic => "bad magic number",
        PageStreamError.BadVersion => "unsupported stream version",
        PageStreamError.Unsupported => "unsupported parameter",
        PageStreamError.BadLength => "bad record length",
        PageStreamError.OutOfOrder => "record out of order",
        PageStreamError.BadPageNumber => "page number out of range",
        PageStreamError.BadEncoding => "bad page encoding",
        PageStreamError.DigestMismatch => "image digest mismatch",
        PageStreamError.UnknownSession => "unknown resume token",
        PageStreamError.PeerError => "peer reported an error",
        PageStreamError.ConnectionLost => "connection lost",
        PageStreamError.Cancelled => "cancelled by the source",
        PageStreamError.DeviceStateGap => "gap in the device state",
        PageStreamError.DeviceStateOverlap => "overlapping device-state chunk",
        PageStreamError.DeviceStateOversize => "device state larger than the destination takes",
        PageStreamError.DeviceStateNotLoaded => "device state not loaded",
        PageStreamError.ImageRefused => "image refused by the destination",
        // A code from a newer peer (an error record) that this reader does not know.
        _ => "unknown error",
    };
}
