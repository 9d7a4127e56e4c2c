using NetMobility.Runtime;

namespace NetMobility.Tests.Mobility;

/// <summary>Frames a component put on a link, with the virtual time each was sent at.</summary>
internal sealed class RecordingFrames(ManualTimeProvider clock)
{
    public List<(TimeSpan At, byte[] Frame)> Sent { get; } = [];
    public bool Refuse { get; set; }
    private readonly DateTimeOffset _start = clock.GetUtcNow();

    public bool Transmit(ReadOnlySpan<byte> frame)
    {
        if (Refuse) return false;
        Sent.Add((clock.GetUtcNow() - _start, frame.ToArray()));
        return true;
    }
}
