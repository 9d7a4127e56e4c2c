namespace NetMobility.Replay;

/// <summary>Where a replay target puts the frames it emits, stamped with the virtual time of emission.</summary>
public interface IReplayOutput
{
    /// <summary>One frame (or raw IPv4 packet, per the interface's link type) leaving by replay interface <paramref name="interfaceIndex"/>.</summary>
    void Write(int interfaceIndex, ReadOnlySpan<byte> frame);
}
