using NetMobility.Capture;

namespace NetMobility.Replay;

/// <summary>One interface of a replay target: capture interface i feeds it, and what it emits goes to output interface i.</summary>
public sealed record ReplayInterface(string Name, LinkType LinkType);
