namespace NetMobility.Links;

/// <summary>Why a link on an existing interface (AF_PACKET or libpcap) could not be opened, or stopped.</summary>
public enum InterfaceLinkError
{
    /// <summary>Not a Linux system, or the library the link needs is missing.</summary>
    Unsupported,
    /// <summary>Root or CAP_NET_RAW is needed (EPERM, EACCES).</summary>
    NotPermitted,
    /// <summary>No interface of that name exists (in the namespace the link is opened in).</summary>
    NotFound,
    /// <summary>The interface exists and is administratively down.</summary>
    InterfaceDown,
    /// <summary>The interface does not carry Ethernet frames (loopback, a TUN device, an IP tunnel).</summary>
    NotEthernet,
    /// <summary>The capture filter does not compile.</summary>
    BadFilter,
    /// <summary>The kernel or the library refused for another reason; the message carries its words.</summary>
    Failed,
}

/// <summary>
/// A link on an existing interface could not be opened. <see cref="Exception.Message"/> is one line naming the
/// interface and the cause, fit to show a user as it is.
/// </summary>
public sealed class InterfaceLinkException(InterfaceLinkError error, string message) : Exception(message)
{
    public InterfaceLinkError Error { get; } = error;
}
