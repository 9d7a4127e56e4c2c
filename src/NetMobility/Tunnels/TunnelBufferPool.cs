using System.Buffers;

namespace NetMobility.Tunnels;

/// <summary>
/// The pool tunnels take packet copies from (held reordered packets, decapsulated packets waiting for the node).
/// A pool of its own rather than <see cref="ArrayPool{T}.Shared"/>, which empties its caches when the garbage
/// collector runs a full collection: a tunnel that has warmed up then never allocates per packet, however busy
/// the rest of the process is.
/// </summary>
internal static class TunnelBufferPool
{
    /// <summary>The largest IPv4 datagram; bigger requests get arrays outside the pool.</summary>
    private const int MaxLength = 65536;

    /// <summary>Buffers kept per size class: enough for a full default receive window on several tunnels.</summary>
    private const int PerSize = 256;

    public static ArrayPool<byte> Shared { get; } = ArrayPool<byte>.Create(MaxLength, PerSize);
}
