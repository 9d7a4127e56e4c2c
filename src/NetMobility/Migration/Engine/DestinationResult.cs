using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Engine;

/// <summary>
/// How a migration ended at the destination. When <see cref="Committed"/>, the caller owns <see cref="Image"/>
/// (the VM runs here) and disposes it; otherwise the image, if any, was discarded.
/// </summary>
public sealed class DestinationResult
{
    public required bool Committed { get; init; }
    public PageStreamError Error { get; init; }
    public string Message { get; init; } = "";
    public MemoryImage? Image { get; init; }
    public byte[] DeviceState { get; init; } = [];
    public ImageDigest Digest { get; init; }
    public required VmOwnership Ownership { get; init; }
    /// <summary>Connections accepted (more than the channel count when connections were resumed).</summary>
    public int Connections { get; init; }
}

/// <summary>What the destination does besides receiving; used to inject faults in tests.</summary>
public sealed record DestinationOptions
{
    /// <summary>Runs on the rebuilt image just before its digest is checked (a test corrupts a byte here).</summary>
    public Action<MemoryImage>? BeforeVerify { get; init; }

    /// <summary>The largest memory the destination agrees to receive.</summary>
    public long MaxMemoryBytes { get; init; } = MemoryImage.MaxMemoryBytes;
}
