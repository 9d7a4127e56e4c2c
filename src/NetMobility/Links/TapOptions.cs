using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>Whether opening a TAP device may create it, attach to an existing one, or either.</summary>
public enum TapMode
{
    /// <summary>Attach to the named device if it exists, else create it (plain TUNSETIFF).</summary>
    CreateOrAttach,
    /// <summary>Create the device; fail with <see cref="TapError.Exists"/> if the name is taken (IFF_TUN_EXCL).</summary>
    Create,
    /// <summary>Attach to an existing device (one made by <c>ip tuntap add</c>); fail with <see cref="TapError.NotFound"/> if there is none.</summary>
    Attach,
}

/// <summary>
/// How a <see cref="TapLink"/> opens its device. Two hardware addresses meet on a TAP link: the kernel's
/// interface has its own (<see cref="DeviceMac"/>), and the program on the other end of the wire, the node
/// that owns the <see cref="TapLink"/>, sends from <see cref="Mac"/>, like two cards joined by a cable.
/// </summary>
public sealed record TapOptions
{
    /// <summary>The interface name (at most 15 bytes); empty lets the kernel choose (tap0, tap1 ...).</summary>
    public string Name { get; init; } = "";

    /// <summary>The node's address on the link: the source of the frames the node sends into the kernel.</summary>
    public required MacAddress Mac { get; init; }

    /// <summary>The kernel interface's address; null keeps the one the kernel gave it (random, or the existing device's).</summary>
    public MacAddress? DeviceMac { get; init; }

    /// <summary>The IP MTU of both ends: set on the kernel interface, and the link's <see cref="IFrameLink.Mtu"/>.</summary>
    public int Mtu { get; init; } = 1500;

    public TapMode Mode { get; init; } = TapMode.CreateOrAttach;

    /// <summary>
    /// Keep the device after the link is disposed (TUNSETPERSIST). Off by default, and turned off on an existing
    /// persistent device this link attaches to, so that the device goes when the link does.
    /// </summary>
    public bool Persistent { get; init; }

    /// <summary>Frames the node may queue for the writer thread; more are refused as <see cref="LinkDrop.QueueFull"/>.</summary>
    public int SendQueueCapacity { get; init; } = 512;

    /// <summary>Frames read from the kernel that may wait for the event loop; more are dropped as <see cref="LinkDrop.QueueFull"/>.</summary>
    public int ReceiveQueueCapacity { get; init; } = 512;

    /// <summary>Null when the options can be tried on the kernel, else which one is wrong and why.</summary>
    public string? Validate()
    {
        if (System.Text.Encoding.UTF8.GetByteCount(Name) >= TapNative.IfNameSize)
            return $"interface name '{Name}' is longer than {TapNative.IfNameSize - 1} bytes";
        if (Name is "." or ".." || Name.AsSpan().IndexOfAny("/: \t\n\r\0") >= 0)
            return $"'{Name}' is not an interface name (no '/', ':' or white space, not '.' or '..')";
        if (!Mac.IsUnicast || Mac == MacAddress.Zero) return $"the link's address {Mac} is not a unicast address";
        if (DeviceMac is { } device && (!device.IsUnicast || device == MacAddress.Zero))
            return $"the device's address {device} is not a unicast address";
        if (DeviceMac == Mac) return $"the device and the link both use {Mac}: the two ends of a wire need two addresses";
        // RFC 791: every IPv4 link carries 68 octets unfragmented; the TAP driver takes at most 65535.
        if (Mtu is < 68 or > 65535) return $"MTU {Mtu} is outside 68..65535";
        if (SendQueueCapacity < 1) return $"send queue capacity {SendQueueCapacity} is less than 1";
        if (ReceiveQueueCapacity < 1) return $"receive queue capacity {ReceiveQueueCapacity} is less than 1";
        return null;
    }
}
