using NetMobility.Capture;

namespace NetMobility.Replay;

/// <summary>
/// What <see cref="Replayer"/> feeds a capture into: a node, or a bare tunnel endpoint. It lives on the
/// replay's simulation, takes frames by interface and writes what it emits to <see cref="Output"/>.
/// </summary>
public interface IReplayTarget : IDisposable
{
    /// <summary>The interfaces in capture-interface order.</summary>
    IReadOnlyList<ReplayInterface> Interfaces { get; }

    /// <summary>Where emitted frames go.</summary>
    IReplayOutput? Output { get; set; }

    /// <summary>
    /// Hands one captured frame to interface <paramref name="interfaceIndex"/> at the current virtual time.
    /// Returns null, or why the frame cannot be taken (a link type the interface does not read).
    /// </summary>
    string? Inject(int interfaceIndex, LinkType linkType, ReadOnlySpan<byte> frame);
}
