namespace NetMobility.Migration.Relay;

/// <summary>How the hypervisor stream relay behaves on both ends (docs/page-stream.md sec 9).</summary>
public sealed record RelayOptions
{
    /// <summary>The sender's store of unacknowledged octets (8 MiB): what may be in flight, and what a resume can send again.</summary>
    public int WindowBytes { get; init; } = 8 << 20;

    /// <summary>How long either end waits for the connection to come back after it dropped (10 s).</summary>
    public TimeSpan ResumeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The sender's time for a reconnection's back-off; the system's clock unless a test drives it.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
