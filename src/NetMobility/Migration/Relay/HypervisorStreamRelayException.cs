namespace NetMobility.Migration.Relay;

/// <summary>The relay of a hypervisor's stream failed for good: one line saying where and why. Nothing was delivered twice.</summary>
public sealed class HypervisorStreamRelayException(string message) : IOException(message);
