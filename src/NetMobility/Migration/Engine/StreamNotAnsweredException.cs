using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.Engine;

/// <summary>A connection closed before the destination answered the stream header.</summary>
public sealed class StreamNotAnsweredException(string message) : IOException(message);
