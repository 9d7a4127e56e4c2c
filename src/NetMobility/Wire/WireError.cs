namespace NetMobility.Wire;

/// <summary>Why a buffer from outside did not parse. <see cref="None"/> means it did.</summary>
public enum WireError
{
    None = 0,
    /// <summary>The buffer ends before the header or the length a field announces.</summary>
    Truncated,
    /// <summary>A length field is impossible (shorter than the header, longer than its container).</summary>
    BadLength,
    /// <summary>A version field carries a version this codec does not speak.</summary>
    BadVersion,
    /// <summary>A checksum over the bytes does not verify.</summary>
    BadChecksum,
    /// <summary>A bit the specification reserves (must be zero) is set.</summary>
    ReservedBitSet,
    /// <summary>A type, opcode or hardware/protocol combination this codec does not decode.</summary>
    Unsupported,
    /// <summary>Options or extensions are not well formed.</summary>
    BadOption,
}

public static class WireErrorText
{
    /// <summary>A short lower-case phrase for error messages ("truncated", "bad checksum").</summary>
    public static string Describe(this WireError error) => error switch
    {
        WireError.None => "ok",
        WireError.Truncated => "truncated",
        WireError.BadLength => "bad length",
        WireError.BadVersion => "bad version",
        WireError.BadChecksum => "bad checksum",
        WireError.ReservedBitSet => "reserved bit set",
        WireError.Unsupported => "unsupported",
        WireError.BadOption => "bad option",
        _ => "invalid",
    };
}
