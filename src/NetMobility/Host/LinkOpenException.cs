namespace NetMobility.Host;

/// <summary>A device for a link could not be opened (no such interface or namespace, no permission); the message is one line.</summary>
public sealed class LinkOpenException(string message) : Exception(message);
