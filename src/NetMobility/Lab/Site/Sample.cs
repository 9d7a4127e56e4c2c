namespace NetMobility.Lab.Site;

/// <summary>One measurement: when it started (wall clock) and how long it took, in milliseconds.</summary>
public readonly record struct Sample(DateTimeOffset At, double Ms);
