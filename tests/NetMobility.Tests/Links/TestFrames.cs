using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Tests.Links;

/// <summary>Ethernet frames for link tests: a header and a payload whose first four bytes carry a number.</summary>
internal static class TestFrames
{
    public static readonly MacAddress MacA = MacAddress.Parse("02:00:00:00:00:0a");
    public static readonly MacAddress MacB = MacAddress.Parse("02:00:00:00:00:0b");
    public static readonly MacAddress MacC = MacAddress.Parse("02:00:00:00:00:0c");
    public static readonly MacAddress MacD = MacAddress.Parse("02:00:00:00:00:0d");

    /// <summary>An IPv4-typed frame of <paramref name="payloadLength"/> payload bytes numbered <paramref name="number"/>.</summary>
    public static byte[] Make(MacAddress destination, MacAddress source, int number = 0, int payloadLength = 46)
    {
        var frame = new byte[EthernetHeader.UntaggedLength + payloadLength];
        new EthernetHeader(destination, source, EtherType.Ipv4).Emit(frame);
        if (payloadLength >= 4) BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(EthernetHeader.UntaggedLength), number);
        return frame;
    }

    public static int NumberOf(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt32BigEndian(frame[EthernetHeader.UntaggedLength..]);
}

/// <summary>Records what a link delivers: the frame numbers, and copies of the frames.</summary>
internal sealed class Recorder
{
    public List<int> Numbers { get; } = [];
    public List<byte[]> Frames { get; } = [];

    public Recorder(NetMobility.Links.IFrameLink link) => link.Receiver = frame =>
    {
        Frames.Add(frame.ToArray());
        Numbers.Add(frame.Length >= EthernetHeader.UntaggedLength + 4 ? TestFrames.NumberOf(frame) : -1);
    };
}
