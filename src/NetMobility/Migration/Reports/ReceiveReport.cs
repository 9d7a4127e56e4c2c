namespace NetMobility.Migration.Reports;

/// <summary>What a destination (<c>netmob migrate receive</c>) did: took the VM, or refused or lost the stream.</summary>
public sealed class ReceiveReport
{
    public required ReceiveOutcome Outcome { get; init; }
    public string? Error { get; init; }
    /// <summary>Where the destination listened.</summary>
    public required string Listen { get; init; }
    public long MemoryBytes { get; init; }
    /// <summary>Connections accepted (more than the channels when connections were resumed).</summary>
    public int Connections { get; init; }
    /// <summary>The image digest the two ends agreed on (docs/page-stream.md sec 3.5).</summary>
    public string Digest { get; init; } = "";
    /// <summary>The destination's part of the downtime: from the end of stream on every channel to ready written.</summary>
    public double VerifyMs { get; init; }
    /// <summary>From commit received to the VM running here.</summary>
    public double ResumeMs { get; init; }
    public int DeviceStateBytes { get; init; }
    /// <summary>The file the image was written to, if one was asked for.</summary>
    public string? Output { get; init; }

    public bool Committed => Outcome == ReceiveOutcome.Committed;
}
