using System.Globalization;

namespace NetMobility.Lab.Vm;

/// <summary>
/// One qemu-system-x86_64 process running a <see cref="GuestImage"/>: its virtio-net on a TAP device (no scripts),
/// its serial console on the process's output and in a log file, and a <see cref="QmpClient"/> on its QMP socket.
/// Every QMP step has a time bound; failures are one-line <see cref="LabException"/>s. Disposing quits or kills QEMU.
/// </summary>
public sealed class QemuGuest : QemuMonitor
{
    private readonly LabProcess _process;

    private QemuGuest(QemuGuestOptions options, LabProcess process, QmpClient qmp, string socketPath) : base(qmp, options.Name)
    {
        Options = options;
        _process = process;
        QmpSocket = socketPath;
    }

    public QemuGuestOptions Options { get; }

    public string QmpSocket { get; }

    /// <summary>The second QMP monitor's socket, which QEMU serves: another process connects there (<see cref="QemuMonitor.ConnectAsync"/>).</summary>
    public string ControlSocket => ControlSocketOf(QmpSocket);

    private static string ControlSocketOf(string qmpSocket) => Path.ChangeExtension(qmpSocket, ".ctl");

    /// <summary>The serial console's log file.</summary>
    public string SerialLog => Path.Combine(Options.WorkDirectory, Options.Name + ".serial.log");

    /// <summary>What the guest printed on its console so far (and anything QEMU printed).</summary>
    public string Console => _process.Output;

    /// <summary>What QEMU itself printed on its standard error so far (its warnings and errors, without the guest's console).</summary>
    public string StandardError => _process.StandardError;

    public int ProcessId => _process.Id;

    /// <summary>The QEMU command line <paramref name="options"/> give, without the program name.</summary>
    public static List<string> Arguments(QemuGuestOptions options, string socketPath, string serialLog)
    {
        int memory = options.MemoryMb ?? options.Image.MemoryMb;
        string append = $"console=ttyS0 panic=-1 ip={options.Address}::{options.Gateway}:{options.Netmask}:{options.Name}:eth0:off";
        List<string> args =
        [
            "-name", options.Name, "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none",
            "-accel", options.Accelerator, "-m", memory.ToString(CultureInfo.InvariantCulture),
            "-kernel", options.Image.Kernel, "-initrd", options.Image.Initramfs, "-append", append,
            "-chardev", $"stdio,id=serial0,signal=off,logfile={serialLog}", "-serial", "chardev:serial0",
            .. QmpClient.ClientArguments(socketPath),
            // A second monitor, served by QEMU, for another process to drive the guest (netmob migrate send/receive --qemu).
            "-chardev", $"socket,id=qmp1,path={ControlSocketOf(socketPath)},server=on,wait=off", "-mon", "chardev=qmp1,mode=control",
            "-netdev", $"tap,id=net0,ifname={options.Tap},script=no,downscript=no",
            // No option ROM: the guest boots its kernel directly, and the ROM's package is not needed.
            "-device", $"virtio-net-pci,netdev=net0,mac={options.Mac},romfile=",
        ];
        if (options.SharedMemoryPath is { } shared)
        {
            args.AddRange(["-object", $"memory-backend-file,id=ram0,size={memory}M,mem-path={shared},share=on", "-machine", "memory-backend=ram0"]);
        }
        if (options.Incoming) args.AddRange(["-incoming", "defer"]);
        return args;
    }

    /// <summary>Starts QEMU and connects to its QMP socket (with migration events on); a failure leaves no process behind.</summary>
    public static async Task<QemuGuest> StartAsync(QemuGuestOptions options, TimeSpan timeout)
    {
        Directory.CreateDirectory(options.WorkDirectory);
        string socketPath = Path.Combine(options.WorkDirectory, options.Name + ".qmp");
        var listener = QmpClient.Listen(socketPath);
        string serialLog = Path.Combine(options.WorkDirectory, options.Name + ".serial.log");
        var args = Arguments(options, socketPath, serialLog);
        LabProcess process;
        try
        {
            process = options.Namespace is { } space
                ? space.Start([options.Program, .. args])
                : new LabProcess(CommandRunner.Describe(options.Program, args), CommandRunner.Start(options.Program, args));
        }
        catch
        {
            listener.Dispose();
            File.Delete(socketPath);
            throw;
        }
        try
        {
            var qmp = await QmpClient.AcceptAsync(listener, socketPath, options.Name, timeout, process.WhenExited).ConfigureAwait(false);
            var guest = new QemuGuest(options, process, qmp, socketPath);
            await guest.SetMigrationCapabilitiesAsync(("events", true)).ConfigureAwait(false);
            return guest;
        }
        catch (LabException e)
        {
            process.Dispose();
            string said = process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(l => l.Contains("qemu", StringComparison.OrdinalIgnoreCase)) ?? "";
            throw new LabException(said.Length > 0 ? $"{e.Message}: {said}" : e.Message);
        }
    }

    /// <summary>Waits until the guest's init reports its services running.</summary>
    public Task WaitForBootAsync(TimeSpan timeout) => _process.WaitForOutputAsync(GuestInit.ReadyLine, timeout);

    /// <summary>Asks QEMU to quit and waits for the process to exit.</summary>
    public async Task QuitAsync(TimeSpan timeout)
    {
        try
        {
            await Qmp.ExecuteAsync("quit", null, CommandTimeout).ConfigureAwait(false);
        }
        catch (LabException)
        {
            // QEMU may close the socket before its answer is read; the exit below is what counts.
        }
        await _process.WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        _process.Dispose();
        File.Delete(QmpSocket);
        File.Delete(ControlSocket);
    }

    public override string ToString() => $"QEMU guest {Options.Name} (pid {ProcessId})";
}
