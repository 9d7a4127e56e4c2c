using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Replay;

/// <summary>
/// A node interface whose wire is a capture: captured frames are injected as if received, and frames the node
/// sends are written to the replay output with the virtual time. Checks sizes as every link does.
/// </summary>
internal sealed class ReplayPort(IReplayTarget owner, int index, string name, MacAddress mac, int mtu) : IFrameLink
{
    public string Name { get; } = name;
    public MacAddress Mac { get; } = mac;
    public int Mtu { get; } = mtu;
    public bool IsUp { get; set; } = true;
    public FrameReceiver? Receiver { get; set; }
    public LinkCounters Counters { get; } = new();

    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (!FrameCheck.IsSendable(frame, Mtu, out var reason))
        {
            Counters.CountDrop(reason);
            return false;
        }
        if (!IsUp)
        {
            Counters.CountDrop(LinkDrop.Down);
            return false;
        }
        Counters.CountSent(frame.Length);
        owner.Output?.Write(index, frame);
        return true;
    }

    /// <summary>A captured frame arrives on this interface.</summary>
    public void Inject(ReadOnlySpan<byte> frame)
    {
        if (!IsUp)
        {
            Counters.CountDrop(LinkDrop.Down);
            return;
        }
        Counters.CountReceived(frame.Length);
        Receiver?.Invoke(frame);
    }
}
