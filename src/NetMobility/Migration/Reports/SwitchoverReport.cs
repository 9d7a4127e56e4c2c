namespace NetMobility.Migration.Reports;

/// <summary>
/// The downtime of a completed migration, part by part, as the source's clock measured it (real time on a real
/// transport, virtual time in a simulated run). The parts follow one another and add up to <see cref="TotalMs"/>,
/// the report's downtime: from the pause at the source to the VM running at the destination.
/// </summary>
public sealed record SwitchoverReport
{
    /// <summary>When the VM paused, from the start of round 1.</summary>
    public double PausedAtMs { get; init; }
    /// <summary>When the source released the VM to the destination (on its ready), from the start of round 1.</summary>
    public double ReleasedAtMs { get; init; }

    /// <summary>Stopping the guest: no write lands after it.</summary>
    public double PauseMs { get; init; }
    /// <summary>With dirty tracking by comparison: the last scan of the paused guest's memory against what was sent (else 0).</summary>
    public double DirtyScanMs { get; init; }
    /// <summary>Collecting the dirty log for the stop-and-copy round(s).</summary>
    public double DirtyLogSyncMs { get; init; }
    /// <summary>Encoding and sending the last dirty pages, every channel's end of round included.</summary>
    public double LastPagesMs { get; init; }
    /// <summary>Device state and end of stream written and flushed on every channel.</summary>
    public double DeviceStateMs { get; init; }
    /// <summary>The destination's own time to verify the image and write ready, as its ready record reports it.</summary>
    public double DestinationVerifyMs { get; init; }
    /// <summary>The rest of the wait for ready: the last octets reaching the destination, its reading them, and ready coming back.</summary>
    public double ReadyMs { get; init; }
    /// <summary>Checking the ready digest, releasing the VM, writing and flushing commit.</summary>
    public double CommitMs { get; init; }
    /// <summary>
    /// Commit reaching the destination and the VM resuming there: half the round trip from commit sent to the
    /// destination's resumed record back, net of the destination's own resume time, plus that time.
    /// </summary>
    public double ResumeMs { get; init; }
    /// <summary>False when the destination's resumed record did not come back in time: the resume part is then 0.</summary>
    public bool ResumeConfirmed { get; init; }

    public double TotalMs => PauseMs + DirtyScanMs + DirtyLogSyncMs + LastPagesMs + DeviceStateMs + DestinationVerifyMs + ReadyMs + CommitMs + ResumeMs;
}
