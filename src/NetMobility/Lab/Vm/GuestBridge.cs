namespace NetMobility.Lab.Vm;

/// <summary>
/// A network namespace with a bridge and, per QEMU process, a TAP on it: the guest's link wherever its QEMU runs, so a
/// guest migrated from one QEMU process to another keeps its address and its neighbours.
/// <code>
/// namespace nmvm-xxxxxx:  br0 (HOST/24) -- tap0, tap1 ...   QEMU processes run in here and migrate over its loopback
/// guest GUEST/24 (one MAC, whichever TAP its QEMU has)
/// </code>
/// Disposing stops the guests and deletes the namespace and its files.
/// </summary>
public sealed class GuestBridge : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly List<QemuGuest> _guests = [], _started = [];
    private int _taps;

    private GuestBridge(GuestImage image, NetNamespace space, string files, string hostAddress, string guestAddress, string guestMac)
    {
        Image = image;
        Namespace = space;
        Files = files;
        HostAddress = hostAddress;
        GuestAddress = guestAddress;
        GuestMac = guestMac;
    }

    /// <summary>Every guest started on the bridge, in order, retired ones included (their consoles stay readable until the bridge goes).</summary>
    public IReadOnlyList<QemuGuest> Started => _started;

    /// <summary>Whether <paramref name="guest"/> still runs here (started and not retired).</summary>
    public bool IsRunning(QemuGuest guest) => _guests.Contains(guest);

    public GuestImage Image { get; }

    public NetNamespace Namespace { get; }

    /// <summary>A folder of its own for QMP sockets, serial logs and whatever a caller puts beside them.</summary>
    public string Files { get; }

    public string HostAddress { get; }

    public string GuestAddress { get; }

    public string GuestMac { get; }

    /// <summary>Creates the namespace and its bridge with <paramref name="hostAddress"/>/24; nothing is left behind on failure.</summary>
    public static GuestBridge Create(GuestImage image, string hostAddress = "10.77.0.1", string guestAddress = "10.77.0.2", string guestMac = "52:54:00:4e:4d:02")
    {
        var space = NetNamespace.Create("nmvm");
        string files = Directory.CreateTempSubdirectory("nmvm-").FullName;
        try
        {
            space.Ip("link", "add", "br0", "type", "bridge");
            space.AddAddress("br0", $"{hostAddress}/24");
            space.SetUp("br0");
            return new GuestBridge(image, space, files, hostAddress, guestAddress, guestMac);
        }
        catch
        {
            space.Dispose();
            Directory.Delete(files, recursive: true);
            throw;
        }
    }

    /// <summary>Creates a TAP on the bridge and starts QEMU on it (a migration destination when <paramref name="incoming"/>).</summary>
    public async Task<QemuGuest> StartGuestAsync(string name, bool incoming = false, string? sharedMemoryPath = null)
    {
        string tap = $"tap{_taps++}";
        Namespace.Ip("tuntap", "add", "dev", tap, "mode", "tap");
        Namespace.Ip("link", "set", "dev", tap, "master", "br0", "up");
        var guest = await QemuGuest.StartAsync(new QemuGuestOptions
        {
            Image = Image,
            Name = name,
            WorkDirectory = Files,
            Tap = tap,
            Mac = GuestMac,
            Address = GuestAddress,
            Gateway = HostAddress,
            Incoming = incoming,
            SharedMemoryPath = sharedMemoryPath,
            Namespace = Namespace,
        }, StartTimeout).ConfigureAwait(false);
        _guests.Add(guest);
        _started.Add(guest);
        return guest;
    }

    /// <summary>
    /// Has the guest rewrite <paramref name="mibPerSecond"/> MiB of its memory every second or so (0: stop), through its
    /// writer's TCP port (<see cref="GuestInit.WriterPort"/>), whichever QEMU process runs it.
    /// </summary>
    public void SetGuestWriteRate(int mibPerSecond, TimeSpan timeout)
    {
        if (mibPerSecond < 0) throw new LabException($"write rate {mibPerSecond} MiB/s: give 0 or more");
        var run = Namespace.Run(timeout, "sh", "-c", $"echo {mibPerSecond} | socat -t 5 - TCP:{GuestAddress}:{GuestInit.WriterPort}");
        string answer = run.StandardOutput.Trim();
        if (!run.Succeeded || answer != $"write-rate {mibPerSecond}")
            throw new LabException($"the guest's memory writer did not take {mibPerSecond} MiB/s: {(answer.Length > 0 ? answer : run.StandardError.Trim())}");
    }

    /// <summary>
    /// Shapes the namespace's loopback, where QEMU's migration streams run, to <paramref name="bitsPerSecond"/> (a token
    /// bucket, tc tbf: the kernel here has no netem, so there is no added latency): a WAN's bandwidth between the QEMUs.
    /// </summary>
    public void ShapeLoopback(double bitsPerSecond) => Namespace.Shape("lo", bitsPerSecond);

    /// <summary>Stops <paramref name="guest"/>'s QEMU and removes its TAP from the bridge's list of guests to stop.</summary>
    public async Task RetireAsync(QemuGuest guest)
    {
        _guests.Remove(guest);
        try
        {
            await guest.QuitAsync(StartTimeout).ConfigureAwait(false);
        }
        finally
        {
            await guest.DisposeAsync().ConfigureAwait(false);
            Namespace.Ip("link", "delete", guest.Options.Tap);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var guest in _guests) await guest.DisposeAsync().ConfigureAwait(false);
            _guests.Clear();
        }
        finally
        {
            Namespace.Dispose();
            Directory.Delete(Files, recursive: true);
        }
    }
}
