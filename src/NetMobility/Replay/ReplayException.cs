namespace NetMobility.Replay;

/// <summary>A capture or an output path that a replay cannot use; the message names the file and what is wrong, on one line.</summary>
public sealed class ReplayException(string message) : Exception(message);
