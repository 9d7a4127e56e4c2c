using NetMobility.Lab;
using NetMobility.Lab.Vm;

namespace NetMobility.Tests.Lab;

/// <summary>
/// A namespace with a bridge (10.77.0.1/24) and TAP devices on it, for QEMU guests built from Debian packages:
/// <code>
/// namespace nmvm-xxxxxx:  br (10.77.0.1/24) -- tap a, tap b ...   QEMU processes run in here, migrate over its loopback
/// guest 10.77.0.2 (52:54:00:4e:4d:02) on whichever TAP its QEMU has
/// </code>
/// The image is built once per test run from the .deb cache in <see cref="DebCache"/> (fetched with apt-get download
/// the first time, reused after). Disposing quits the guests and deletes the namespace and the files.
/// </summary>
internal sealed class VmLab : IAsyncDisposable
{
    public const string GuestAddress = "10.77.0.2";
    public const string HostAddress = "10.77.0.1";
    public const string GuestMac = "52:54:00:4e:4d:02";
    public const string DebCache = "/var/tmp/netmob-lab-vm/debs";
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Boot under TCG takes a few seconds alone, much longer on a busy machine.</summary>
    public static readonly TimeSpan BootBound = TimeSpan.FromMinutes(3);

    private static readonly Lazy<GuestImage> SharedImage = new(() =>
        GuestImageBuilder.Build(Path.Combine(Path.GetTempPath(), $"nmvm-image-{Environment.ProcessId}"), DebCache, 128));

    private readonly List<QemuGuest> _guests = [];
    private int _taps;

    public VmLab()
    {
        Image = SharedImage.Value;
        Files = Directory.CreateTempSubdirectory("nmvmlab-");
        Namespace = NetNamespace.Create("nmvm");
        try
        {
            Namespace.Ip("link", "add", "br0", "type", "bridge");
            Namespace.AddAddress("br0", $"{HostAddress}/24");
            Namespace.SetUp("br0");
        }
        catch
        {
            Namespace.Dispose();
            throw;
        }
    }

    public GuestImage Image { get; }

    public NetNamespace Namespace { get; }

    public DirectoryInfo Files { get; }

    /// <summary>Creates a TAP on the bridge and starts a QEMU guest on it (a migration destination when <paramref name="incoming"/>).</summary>
    public async Task<QemuGuest> StartGuestAsync(string name, bool incoming = false, string? sharedMemoryPath = null)
    {
        string tap = $"tap{_taps++}";
        Namespace.Ip("tuntap", "add", "dev", tap, "mode", "tap");
        Namespace.Ip("link", "set", "dev", tap, "master", "br0", "up");
        var guest = await QemuGuest.StartAsync(new QemuGuestOptions
        {
            Image = Image,
            Name = name,
            WorkDirectory = Files.FullName,
            Tap = tap,
            Mac = GuestMac,
            Address = GuestAddress,
            Gateway = HostAddress,
            Incoming = incoming,
            SharedMemoryPath = sharedMemoryPath,
            Namespace = Namespace,
        }, Bound);
        _guests.Add(guest);
        return guest;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var guest in _guests) await guest.DisposeAsync();
        }
        finally
        {
            Namespace.Dispose();
            Files.Delete(recursive: true);
        }
    }
}
