using NetMobility.Lab.Vm;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The QEMU lab tests' guest image and bridge (<see cref="GuestBridge"/>: 10.77.0.1 on the bridge, the guest 10.77.0.2).
/// The image is built once per test run into <see cref="ImageDirectory"/> from the .deb cache in <see cref="DebCache"/>
/// (fetched with apt-get download the first time, reused after).
/// </summary>
internal static class VmLab
{
    public const string GuestAddress = "10.77.0.2";
    public const string HostAddress = "10.77.0.1";
    public const string GuestMac = "52:54:00:4e:4d:02";
    public const string DebCache = "/var/tmp/netmob-lab-vm/debs";

    /// <summary>Rebuilt by each test run (a second or two from the cached packages); runs side by side replace its files atomically.</summary>
    public const string ImageDirectory = "/var/tmp/netmob-lab-vm/image";
    /// <summary>A bound on a hang, not a synchronisation: a TCG guest migrating beside a full test run took over 30 s once.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    /// <summary>Boot under TCG takes a few seconds alone, much longer on a busy machine.</summary>
    public static readonly TimeSpan BootBound = TimeSpan.FromMinutes(3);

    private static readonly Lazy<GuestImage> SharedImage = new(() =>
        GuestImageBuilder.Build(ImageDirectory, DebCache, 128));

    /// <summary>The guest image, built on first use.</summary>
    public static GuestImage Image => SharedImage.Value;

    public static GuestBridge Create() => GuestBridge.Create(SharedImage.Value, HostAddress, GuestAddress, GuestMac);
}
