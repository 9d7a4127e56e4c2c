using NetMobility.Capture;

namespace NetMobility.Tests.Replay;

/// <summary>One record of a capture, copied out of the reader's buffer so whole captures can be compared.</summary>
internal sealed record CapturedFrame(int Interface, LinkType LinkType, long TimestampNanoseconds, string Hex)
{
    public static List<CapturedFrame> ReadAll(string path)
    {
        using var reader = CaptureReader.Open(path);
        var frames = new List<CapturedFrame>();
        while (reader.Read(out var record))
            frames.Add(new CapturedFrame(record.InterfaceIndex, record.LinkType, record.TimestampNanoseconds, Tests.Hex.Of(record.Data.Span)));
        return frames;
    }
}
