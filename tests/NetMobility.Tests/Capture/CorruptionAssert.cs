using NetMobility.Capture;

namespace NetMobility.Tests.Capture;

/// <summary>Checks on readers of damaged files: the records before the fault, then the exact error.</summary>
internal static class CorruptionAssert
{
    public static byte[] Patch(byte[] file, int offset, string hex)
    {
        var copy = file.ToArray();
        Hex.Bytes(hex).CopyTo(copy, offset);
        return copy;
    }

    public static byte[] Cut(byte[] file, int length) => file.AsSpan(0, length).ToArray();

    /// <summary>
    /// The file opens, yields exactly <paramref name="delivered"/> (compared byte for byte), then fails
    /// with <paramref name="message"/>; the failure is final and the throwing read carries the same error.
    /// </summary>
    public static void FailsAfter(byte[] file, string source, byte[][] delivered, CaptureErrorKind kind, long offset, string message)
    {
        using var reader = CaptureReader.Open(new MemoryStream(file), source);
        foreach (var expected in delivered)
        {
            Assert.Equal(CaptureReadResult.Record, reader.TryRead(out var record));
            Assert.Equal(Hex.Of(expected), Hex.Of(record.Data.Span));
        }
        Assert.Equal(CaptureReadResult.Error, reader.TryRead(out var none));
        Assert.True(none.Data.IsEmpty);
        var error = reader.Error;
        Assert.NotNull(error);
        Assert.Equal(message, error.Message);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(offset, error.Offset);
        Assert.Equal(source, error.Source);
        Assert.Equal(delivered.Length, reader.RecordsRead);

        Assert.Equal(CaptureReadResult.Error, reader.TryRead(out _));
        var thrown = Assert.Throws<CaptureFormatException>(() => reader.Read(out _));
        Assert.Same(error, thrown.Error);
        Assert.Equal(message, thrown.Message);
        Assert.Equal(offset, thrown.Offset);
    }

    /// <summary>The file does not open: the Try form answers the error, the throwing form throws it.</summary>
    public static void FailsToOpen(byte[] file, string source, CaptureErrorKind kind, string message)
    {
        var stream = new MemoryStream(file);
        Assert.False(CaptureReader.TryOpen(stream, source, out var reader, out var error));
        Assert.Null(reader);
        Assert.Equal(message, error.Message);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(0, error.Offset);
        Assert.False(stream.CanRead); // the reader owned the stream and closed it

        var thrown = Assert.Throws<CaptureFormatException>(() => CaptureReader.Open(new MemoryStream(file), source));
        Assert.Equal(message, thrown.Message);
        Assert.Equal(kind, thrown.Kind);
    }
}
