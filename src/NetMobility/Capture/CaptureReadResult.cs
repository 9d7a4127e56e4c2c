namespace NetMobility.Capture;

/// <summary>The outcome of <see cref="CaptureReader.TryRead"/>.</summary>
public enum CaptureReadResult
{
    /// <summary>A record was delivered.</summary>
    Record,
    /// <summary>The capture ended cleanly, on a record or block boundary.</summary>
    End,
    /// <summary>The file is corrupt or truncated here; <see cref="CaptureReader.Error"/> says where and why.</summary>
    Error,
}
