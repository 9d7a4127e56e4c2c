using NetMobility.Lab.Vm;
using NetMobility.Wire;
using static NetMobility.Lab.Site.LabAddresses;

namespace NetMobility.Lab.Site;

/// <summary>
/// A QEMU guest in a lab with the <c>bridge</c> attachment: it runs on the home or the foreign host (a namespace each), its
/// TAP on that host's bridge beside the hosting agent's TAP, its home address 10.1.0.50 and gateway 10.1.0.1 wherever it
/// runs. <see cref="MigrateAsync"/> moves it to the other host through <see cref="QemuMigration.RunAsync"/> and moves its
/// network attachment with it, as a hypervisor would: when the source QEMU stops the guest for the last round (QMP STOP)
/// the source host's agent detaches it and the destination host's agent attaches it (which registers it through the
/// foreign agent, or deregisters it at home, and announces it), so that the binding is in place by the time the guest
/// resumes (QMP RESUME), when QEMU announces the guest's NIC (<c>announce-self</c>); a failed migration puts the
/// attachment back at the source. The guest itself runs no Mobile IP client.
/// </summary>
public sealed class LabGuest : IAsyncDisposable
{
    private const int MigrationPort = 4444;
    private readonly LabTopology _lab;
    private readonly GuestImage _image;
    private readonly NetNamespace _homeHost, _foreignHost;
    private readonly FrameWatch _homeWatch, _foreignWatch;
    private readonly TimeSpan _bound;
    private readonly IReadOnlyList<string>? _engine;
    private readonly double? _linkBitsPerSecond;
    private int _processes;

    private LabGuest(LabTopology lab, GuestImage image, bool sharedMemory, int memoryMb, TimeSpan bound, IReadOnlyList<string>? engine, double? linkBitsPerSecond)
    {
        _engine = engine;
        _linkBitsPerSecond = linkBitsPerSecond;
        _lab = lab;
        _image = image;
        SharedMemory = sharedMemory;
        MemoryMb = memoryMb;
        _bound = bound;
        _homeHost = NetNamespace.Existing(lab.HomeHost);
        _foreignHost = NetNamespace.Existing(lab.ForeignHost);
        var mac = MacAddress.Parse(VmMac);
        var correspondent = Ipv4Address.Parse(CorrespondentAddress);
        _homeWatch = FrameWatch.Open(lab.HomeHost, mac, correspondent);
        _foreignWatch = FrameWatch.Open(lab.ForeignHost, mac, correspondent);
    }

    /// <summary>The guest's RAM is on a shared file in every QEMU process (the modes that move RAM through files need it; QEMU's own migration works either way).</summary>
    public bool SharedMemory { get; }
    public int MemoryMb { get; }
    public QemuGuest Qemu { get; private set; } = null!;
    public LabSiteName Site { get; private set; } = LabSiteName.Home;

    /// <summary>What QEMU's own migration (mode qemu) uses of its features: multifd with compression, XBZRLE; none by default.</summary>
    public QemuStreamFeatures QemuFeatures { get; set; } = QemuStreamFeatures.None;

    private string HomeSocket => _lab.Socket("home");
    private string ForeignSocket => _lab.Socket("foreign");

    /// <summary>
    /// Starts the guest at the home host and waits until its services run and the home agent holds it. With
    /// <paramref name="engine"/> (the <c>netmob</c> program and what goes before its command) the page engine's moves run as
    /// <c>netmob migrate send/receive --qemu</c> processes in the two hosts' namespaces; without, in this process.
    /// <paramref name="linkBitsPerSecond"/>: the migration link's rate when it is shaped (the page engine's encoder is told).
    /// </summary>
    public static async Task<LabGuest> BootAsync(LabTopology lab, GuestImage image, IEnumerable<QemuMigrationMode> modes, int memoryMb, TimeSpan bound,
        IReadOnlyList<string>? engine = null, double? linkBitsPerSecond = null)
    {
        if (lab.Spec.Vm != VmAttachment.Bridge) throw new LabException($"lab {lab.Spec.Name}: a QEMU guest needs the vm attachment 'bridge'");
        var guest = new LabGuest(lab, image, modes.Any(m => m.NeedsSharedMemory()), memoryMb, bound, engine, linkBitsPerSecond);
        try
        {
            guest.Qemu = await guest.StartQemuAsync(LabSiteName.Home, incoming: false).ConfigureAwait(false);
            await guest.Qemu.WaitForBootAsync(bound).ConfigureAwait(false);
            return guest;
        }
        catch
        {
            await guest.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private NetNamespace Host(LabSiteName site) => site == LabSiteName.Home ? _homeHost : _foreignHost;

    private async Task<QemuGuest> StartQemuAsync(LabSiteName site, bool incoming)
    {
        int index = _processes++;
        var host = Host(site);
        string tap = $"{_lab.Spec.Name}-q{index}";
        string? ram = SharedMemory ? $"/dev/shm/netmob-{_lab.Spec.Name}-{index}" : null;
        if (ram is not null) _lab.State.AddFile(ram);
        host.Ip("tuntap", "add", "dev", tap, "mode", "tap");
        host.Ip("link", "set", "dev", tap, "master", LabTopology.HostBridge, "up");
        return await QemuGuest.StartAsync(new QemuGuestOptions
        {
            Image = _image,
            Name = $"vm{index}",
            WorkDirectory = _lab.Files,
            Tap = tap,
            Mac = VmMac,
            Address = VmAddress,
            Gateway = HomeAgent,
            MemoryMb = MemoryMb,
            Incoming = incoming,
            SharedMemoryPath = ram,
            Namespace = host,
        }, _bound).ConfigureAwait(false);
    }

    /// <summary>Moves the guest to the other host in <paramref name="mode"/>, its attachment with it; answers what QEMU and the handover took.</summary>
    public async Task<LabHandover> MigrateAsync(QemuMigrationMode mode)
    {
        if (mode.NeedsSharedMemory() && !SharedMemory) throw new LabException($"mode {mode.Name()} needs the guest's RAM on shared files: boot it with that mode among its modes");
        var from = Site;
        var to = from == LabSiteName.Home ? LabSiteName.Foreign : LabSiteName.Home;
        var source = Qemu;
        var destination = await StartQemuAsync(to, incoming: true).ConfigureAwait(false);
        int sourceMark = source.Qmp.EventCount, destinationMark = destination.Qmp.EventCount;
        string fromSocket = from == LabSiteName.Home ? HomeSocket : ForeignSocket, toSocket = to == LabSiteName.Home ? HomeSocket : ForeignSocket;
        var watch = to == LabSiteName.Home ? _homeWatch : _foreignWatch;

        // The attachment moves when the source stops the guest: the destination's agent registers it (or deregisters it at
        // home) while QEMU moves the last pages and the device state, so that the binding is in place when the guest
        // resumes; what arrives for it meanwhile waits in the destination QEMU's TAP queue until the guest runs.
        var moved = Task.Run(async () =>
        {
            await source.Qmp.WaitForEventAsync("STOP", _bound, since: sourceMark).ConfigureAwait(false);
            // The home agent holds what comes for the guest from here until its binding changes, so that nothing sent to
            // the host it leaves is lost.
            await LabMove.Control(HomeSocket, "handover", LabTopology.VmName).ConfigureAwait(false);
            await LabMove.Detach(fromSocket).ConfigureAwait(false);
            watch.Arm();
            await LabMove.Attach(toSocket).ConfigureAwait(false);
            var attachedAt = DateTimeOffset.UtcNow;
            var installed = await BindingInstalledAsync(to).ConfigureAwait(false);
            return (attachedAt, installed);
        });

        // What crosses the hosts' migration link, counted by the kernel at the source's end: every mode's stream, as sent.
        long linkBefore = Host(from).LinkOctets(_lab.MigrationLink);
        var started = DateTimeOffset.UtcNow;
        string address = to == LabSiteName.Home ? HomeHostMigration : ForeignHostMigration;
        QemuMigrationResult result;
        try
        {
            result = await QemuMigration.RunAsync(source, destination, mode, $"tcp:{address}:{MigrationPort}", _bound,
                mode == QemuMigrationMode.PageEngine ? new QemuMigrationOptions { Netmob = _engine, WanBitsPerSecond = _linkBitsPerSecond } : new QemuMigrationOptions { QemuFeatures = QemuFeatures })
                .ConfigureAwait(false);
        }
        catch (LabException)
        {
            // The guest runs on at the source: its attachment goes back there, and the destination QEMU goes.
            await RollBackAsync(moved, fromSocket, toSocket).ConfigureAwait(false);
            await RetireAsync(destination, to).ConfigureAwait(false);
            throw;
        }
        var resumed = await destination.WaitForResumeAsync(_bound, destinationMark).ConfigureAwait(false);
        await destination.AnnounceSelfAsync().ConfigureAwait(false);
        var (attachedAt, installed) = await moved.WaitAsync(_bound).ConfigureAwait(false);
        await LabMove.WaitInForce(HomeSocket, ForeignSocket, to).ConfigureAwait(false);
        long linkOctets = Host(from).LinkOctets(_lab.MigrationLink) - linkBefore;
        await RetireAsync(source, from).ConfigureAwait(false);
        Qemu = destination;
        Site = to;
        return new LabHandover(from, to, result, started, resumed.Timestamp, attachedAt, installed, linkOctets);
    }

    /// <summary>
    /// The control for a migration: stops the guest (QMP <c>stop</c>) where it runs, waits <paramref name="pause"/>, and
    /// resumes it (<c>cont</c>) in the same QEMU process; nothing moves. Answers the STOP and RESUME events' times, which
    /// bound the pause as they bound a migration's.
    /// </summary>
    public async Task<(DateTimeOffset Stopped, DateTimeOffset Resumed)> PauseInPlaceAsync(TimeSpan pause)
    {
        int mark = Qemu.Qmp.EventCount;
        await Qemu.StopAsync().ConfigureAwait(false);
        var stopped = await Qemu.Qmp.WaitForEventAsync("STOP", _bound, since: mark).ConfigureAwait(false);
        try
        {
            // The pause itself: the guest stands still for this long, as it would for a migration's last round.
            await Task.Delay(pause).ConfigureAwait(false);
        }
        finally
        {
            await Qemu.ContAsync().ConfigureAwait(false);
        }
        var resumed = await Qemu.WaitForResumeAsync(_bound, mark).ConfigureAwait(false);
        return (stopped.Timestamp, resumed.Timestamp);
    }

    /// <summary>
    /// One line on where the guest stands, for a failure's message: its QEMU's run state and last console line, the home
    /// agent's bindings, and the VM as each daemon sees it.
    /// </summary>
    public async Task<string> DescribeAsync()
    {
        string qemu;
        try
        {
            qemu = await Qemu.QueryStatusAsync().ConfigureAwait(false);
        }
        catch (LabException e)
        {
            qemu = $"not answering ({e.Message})";
        }
        string console = Qemu.Console.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        var parts = new List<string> { $"guest at the {LabMigrationRow.Name(Site)} host, QEMU {qemu}, console '{console}'" };
        foreach (var (name, socket) in new[] { ("home", HomeSocket), ("foreign", ForeignSocket) })
        {
            try
            {
                var status = await LabMove.Status(socket).ConfigureAwait(false);
                var vm = status.GetProperty("vms")[0];
                string bindings = string.Join(" ", status.GetProperty("bindings").EnumerateArray().Select(b => $"{b.GetProperty("homeAddress").GetString()}->{b.GetProperty("careOf").GetString()}"));
                parts.Add($"{name}: vm {(vm.GetProperty("attached").GetBoolean() ? "attached" : "detached")} {vm.GetProperty("registration").GetString()}, bindings [{bindings}]");
            }
            catch (Exception e) when (e is LabException or IOException)
            {
                parts.Add($"{name}: {e.Message}");
            }
        }
        return string.Join("; ", parts);
    }

    /// <summary>
    /// Copies the guest's serial console so far to a file that outlives the lab (in the temporary folder, named for the
    /// lab), for a failure's message; answers its path, or null when there is nothing to copy.
    /// </summary>
    public string? KeepConsole()
    {
        string kept = Path.Combine(Path.GetTempPath(), $"netmob-{_lab.Spec.Name}-guest-console.log");
        try
        {
            File.Copy(Qemu.SerialLog, kept, overwrite: true);
            return kept;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>When the agent at <paramref name="site"/> handed the guest the correspondent's first packet since the guest last resumed there.</summary>
    public DateTimeOffset? FirstCorrespondentPacket(LabSiteName site) => (site == LabSiteName.Home ? _homeWatch : _foreignWatch).Seen;

    /// <summary>
    /// Waits for the home agent's binding for the guest to be what the move asks for (a binding to the care-of address
    /// after a move away, none after a move home), the daemon answering at the change itself (<c>watch</c>). Answers
    /// when it was seen.
    /// </summary>
    private async Task<DateTimeOffset> BindingInstalledAsync(LabSiteName to)
    {
        try
        {
            await LabMove.WaitForStatus(HomeSocket, status =>
            {
                var bindings = status.GetProperty("bindings");
                return to == LabSiteName.Home
                    ? bindings.GetArrayLength() == 0
                    : bindings.EnumerateArray().Any(b => b.GetProperty("careOf").GetString() == CareOf);
            }, $"the home agent's binding for the move to the {to} site", _bound).ConfigureAwait(false);
        }
        catch (LabException e)
        {
            throw new LabException($"the home agent's binding for the move to the {to} site was not seen within {_bound.TotalSeconds:0} s ({e.Message})");
        }
        return DateTimeOffset.UtcNow;
    }

    private static async Task RollBackAsync(Task moved, string fromSocket, string toSocket)
    {
        try
        {
            await moved.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LabException or IOException or TimeoutException)
        {
            // The guest may never have stopped: the attachment is put back below either way.
        }
        foreach (var (socket, verb) in new[] { (toSocket, "detach"), (fromSocket, "attach") })
        {
            try
            {
                await LabMove.Control(socket, verb, LabTopology.VmName).ConfigureAwait(false);
            }
            catch (LabException)
            {
                // Already so (never attached there, or still attached here).
            }
        }
    }

    private async Task RetireAsync(QemuGuest guest, LabSiteName site)
    {
        try
        {
            await guest.QuitAsync(_bound).ConfigureAwait(false);
        }
        finally
        {
            await guest.DisposeAsync().ConfigureAwait(false);
            Host(site).Ip("link", "delete", guest.Options.Tap);
            if (guest.Options.SharedMemoryPath is { } ram) File.Delete(ram);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _homeWatch.Dispose();
        _foreignWatch.Dispose();
        if (Qemu is { } qemu)
        {
            await qemu.DisposeAsync().ConfigureAwait(false);
            if (qemu.Options.SharedMemoryPath is { } ram) File.Delete(ram);
        }
    }
}
