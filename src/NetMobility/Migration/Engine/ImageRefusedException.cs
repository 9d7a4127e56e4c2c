namespace NetMobility.Migration.Engine;

/// <summary>
/// Thrown by <see cref="DestinationOptions.CreateImage"/> when this destination cannot hold the image a stream announces (a
/// hypervisor's RAM file of another size, one that cannot be written): its message, one line, is the refusal the source is told
/// as it is (<see cref="PageStream.PageStreamError.ImageRefused"/>).
/// </summary>
public sealed class ImageRefusedException(string message) : IOException(message);
