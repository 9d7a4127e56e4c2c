namespace NetMobility.Links;

/// <summary>Why a TAP device could not be opened or configured.</summary>
public enum TapError
{
    /// <summary>Not a Linux system: there is no TUN/TAP driver to ask.</summary>
    Unsupported,
    /// <summary>/dev/net/tun is missing (no tun module, or a container without the device).</summary>
    NoTunDevice,
    /// <summary>Root or CAP_NET_ADMIN is needed (EPERM, EACCES).</summary>
    NotPermitted,
    /// <summary>The options name an impossible interface name, MTU or hardware address.</summary>
    InvalidOptions,
    /// <summary>A device of that name exists and <see cref="TapMode.Create"/> was asked.</summary>
    Exists,
    /// <summary>No device of that name exists and <see cref="TapMode.Attach"/> was asked.</summary>
    NotFound,
    /// <summary>The device is attached to another descriptor already (EBUSY).</summary>
    Busy,
    /// <summary>An interface of that name exists and is not a TAP device (a TUN device, a physical card).</summary>
    NotATap,
    /// <summary>The kernel refused for another reason; the message carries its words.</summary>
    Failed,
}

/// <summary>
/// A TAP device could not be opened or configured. <see cref="Exception.Message"/> is one line naming the
/// device and the cause, fit to show a user as it is.
/// </summary>
public sealed class TapException(TapError error, string message) : Exception(message)
{
    public TapError Error { get; } = error;
}
