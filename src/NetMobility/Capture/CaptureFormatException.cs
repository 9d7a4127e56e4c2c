using System.Diagnostics.CodeAnalysis;

namespace NetMobility.Capture;

/// <summary>Thrown by the throwing read calls of <see cref="CaptureReader"/> for a corrupt or truncated file.</summary>
public sealed class CaptureFormatException : Exception
{
    public CaptureFormatException(CaptureError error) : base(error.Message) => Error = error;

    public CaptureError Error { get; }

    public CaptureErrorKind Kind => Error.Kind;

    /// <summary>Byte offset of the header, record or block at fault.</summary>
    public long Offset => Error.Offset;

    [DoesNotReturn]
    internal static void Throw(CaptureError error) => throw new CaptureFormatException(error);
}
