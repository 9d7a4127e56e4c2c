using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>The size rules every link applies to a frame it is asked to send.</summary>
internal static class FrameCheck
{
    /// <summary>Room for the largest frame a link with <paramref name="mtu"/> carries: payload plus an 802.1Q-tagged header.</summary>
    public static int MaxFrameLength(int mtu) => mtu + EthernetHeader.UntaggedLength + 4;

    /// <summary>False, with the reason, when the frame is shorter than an Ethernet header or longer than MTU plus its header.</summary>
    public static bool IsSendable(ReadOnlySpan<byte> frame, int mtu, out LinkDrop reason)
    {
        if (!EthernetFrame.TryCreate(frame, out var view, out _))
        {
            reason = LinkDrop.Malformed;
            return false;
        }
        if (frame.Length > mtu + view.HeaderLength)
        {
            reason = LinkDrop.TooBig;
            return false;
        }
        reason = default;
        return true;
    }
}
