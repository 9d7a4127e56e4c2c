namespace NetMobility.Lab.Vm;

/// <summary>How to start one QEMU process for a <see cref="GuestImage"/>.</summary>
public sealed record QemuGuestOptions
{
    public required GuestImage Image { get; init; }

    /// <summary>A short name for messages and file names (serial log, QMP socket).</summary>
    public required string Name { get; init; }

    /// <summary>Where the QMP socket and the serial log go.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>The TAP device QEMU attaches the guest's virtio-net to (created by QEMU if absent; no scripts run).</summary>
    public required string Tap { get; init; }

    /// <summary>The guest's MAC address ("52:54:00:12:34:56"); source and destination of a migration use the same.</summary>
    public required string Mac { get; init; }

    /// <summary>The guest's address, netmask and gateway, handed to its init as <c>ip=ADDRESS::GATEWAY:NETMASK:HOST:eth0:off</c>.</summary>
    public required string Address { get; init; }

    public string Netmask { get; init; } = "255.255.255.0";

    public string? Gateway { get; init; }

    /// <summary>Guest RAM in MiB; the image's size when null.</summary>
    public int? MemoryMb { get; init; }

    /// <summary>
    /// With a path (/dev/shm/NAME), the guest's RAM is a shared file mapping (<c>-object memory-backend-file,share=on</c>),
    /// which another process can read and write, and which QEMU's <c>x-ignore-shared</c> capability leaves out of its stream.
    /// </summary>
    public string? SharedMemoryPath { get; init; }

    /// <summary>Start as a migration destination (<c>-incoming defer</c>): the guest waits for <see cref="QemuGuest.MigrateIncomingAsync"/>.</summary>
    public bool Incoming { get; init; }

    /// <summary>The namespace QEMU runs in (its TAP and its migration sockets live there); the caller's when null.</summary>
    public NetNamespace? Namespace { get; init; }

    /// <summary>QEMU's accelerator: tcg (works everywhere) or kvm.</summary>
    public string Accelerator { get; init; } = "tcg";

    public string Program { get; init; } = "qemu-system-x86_64";
}
