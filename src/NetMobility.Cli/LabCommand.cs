using System.CommandLine;
using NetMobility.Lab;
using NetMobility.Lab.Vm;
using NetMobility.Migration.Bench;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob lab vm build --out DIR [--memory-mb N] [--cache DIR]</c>: makes a guest kernel and initramfs from Debian
/// packages; <c>netmob lab vm measure --image DIR [--runs N] [--mode qemu|shared-file|engine|qemu-relay|both|all] [--writer 0,8] [--relay-tls] [--relay-window-kib N]</c>:
/// migrates a guest between QEMU processes N times per mode and write rate, the modes taking turns, and prints each
/// migration, the medians and the ratios to QEMU's own migration (docs/lab-vm.md).
/// </summary>
public static class LabCommand
{
    public const string DefaultCache = "/var/cache/netmob/debs";

    public static Command Create()
    {
        var command = new Command("lab", "Real parts for labs: the lab of network namespaces and agent daemons (up, down, status, move), QEMU guests built from Debian packages");
        foreach (var verb in LabSiteCommand.Create()) command.Subcommands.Add(verb);
        command.Subcommands.Add(LabMigrateCommand.Create());
        var vm = new Command("vm", "QEMU guest images");
        vm.Subcommands.Add(Build());
        vm.Subcommands.Add(Measure());
        command.Subcommands.Add(vm);
        return command;
    }

    private static Command Build()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "folder for vmlinuz, initramfs.gz and guest.json", Required = true };
        var memory = new Option<int>("--memory-mb") { Description = "the guest's RAM in MiB, recorded in guest.json", DefaultValueFactory = _ => 128 };
        var cache = new Option<DirectoryInfo>("--cache") { Description = $"where the .deb files are downloaded and unpacked (default {DefaultCache})" };
        var command = new Command("build", "Build a guest (kernel + initramfs with busybox, virtio-net, TCP echo on 7, HTTP on 80, "
            + "an MD5 stream digest on 9000) from linux-image-cloud-amd64 and busybox-static, downloaded with apt-get download");
        command.Options.Add(output);
        command.Options.Add(memory);
        command.Options.Add(cache);
        command.SetAction(parse =>
        {
            int megabytes = parse.GetValue(memory);
            if (megabytes is < 16 or > 65536) throw new UserInputException($"--memory-mb: {megabytes} is not between 16 and 65536");
            GuestImage image;
            try
            {
                image = GuestImageBuilder.Build(parse.GetValue(output)!.FullName, parse.GetValue(cache)?.FullName ?? DefaultCache, megabytes);
            }
            catch (LabException e)
            {
                throw new UserInputException($"lab vm build: {e.Message}");
            }
            Console.Out.WriteLine($"built {image.Directory}: kernel {image.KernelVersion}, {image.MemoryMb} MiB, "
                + $"initramfs {new FileInfo(image.Initramfs).Length} bytes");
            return 0;
        });
        return command;
    }

    private static Command Measure()
    {
        var image = new Option<DirectoryInfo>("--image") { Description = "a folder made by 'netmob lab vm build'", Required = true };
        var runs = new Option<int>("--runs") { Description = "migrations per mode and write rate", DefaultValueFactory = _ => 5 };
        var mode = new Option<string>("--mode")
        {
            Description = "qemu (QEMU's own migration), shared-file (RAM on a shared file copied while stopped, x-ignore-shared), "
                + "engine (the page engine moves the RAM, QEMU the device state), qemu-relay (QEMU's own migration, its stream carried by the project's relay), "
                + "both (qemu and shared-file) or all (the four, taking turns)",
            DefaultValueFactory = _ => "all",
        };
        mode.AcceptOnlyFromAmong("qemu", "shared-file", "engine", "qemu-relay", "both", "all");
        var writer = new Option<string>("--writer")
        {
            Description = "the guest's memory writer, MiB rewritten per second, one series per value (comma-separated: 0,8)", DefaultValueFactory = _ => "0",
        };
        var policy = new Option<string>("--policy") { Description = "the page engine's stop policy", DefaultValueFactory = _ => "adaptive" };
        policy.AcceptOnlyFromAmong([.. MigrationBench.PolicyNames]);
        var transport = new Option<string>("--transport") { Description = "the page engine's transport: tcp (the path QEMU's own stream takes) or memory (an in-process pipe, shaped to --wan-mbit when given)", DefaultValueFactory = _ => "tcp" };
        transport.AcceptOnlyFromAmong("tcp", "memory");
        var command = new Command("measure", "Boot a guest in a namespace (root) and migrate it between QEMU processes over loopback, the modes taking turns: "
            + "the pause from the source's STOP to the destination's RESUME, QEMU's and the engine's downtime, total time and bytes, per migration, "
            + "as medians, and as ratios to QEMU's own migration");
        var wan = new Option<double?>("--wan-mbit")
        {
            Description = "a WAN's bandwidth between the hosts, Mbit/s: QEMU's streams cross the namespace's loopback shaped to it (tc tbf), "
                + "the page engine's TCP the same (its encoder told the rate); the bare loopback when not given",
        };
        var relayTls = new Option<bool>("--relay-tls")
        {
            Description = "qemu-relay: the relay's connection under mutual TLS (one self-signed certificate made for the run, both ends pinned to it)",
        };
        var relayWindow = new Option<int>("--relay-window-kib")
        {
            Description = "qemu-relay: the relay sender's window of unacknowledged octets, KiB (what a resume may send again)", DefaultValueFactory = _ => 1024,
        };
        foreach (var o in new Option[] { image, runs, mode, writer, policy, transport, wan, relayTls, relayWindow }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            int count = parse.GetValue(runs);
            if (count is < 1 or > 1000) throw new UserInputException($"--runs: {count} is not between 1 and 1000");
            QemuMigrationMode[] modes = parse.GetValue(mode) switch
            {
                "qemu" => [QemuMigrationMode.Qemu],
                "shared-file" => [QemuMigrationMode.SharedFileCopy],
                "engine" => [QemuMigrationMode.PageEngine],
                "qemu-relay" => [QemuMigrationMode.QemuRelay],
                "both" => [QemuMigrationMode.Qemu, QemuMigrationMode.SharedFileCopy],
                _ => [QemuMigrationMode.Qemu, QemuMigrationMode.SharedFileCopy, QemuMigrationMode.PageEngine, QemuMigrationMode.QemuRelay],
            };
            var rates = WriteRates(parse.GetValue(writer)!);
            string policyName = parse.GetValue(policy)!;
            double? wanMbit = parse.GetValue(wan);
            if (wanMbit is < 1 or > 100_000) throw new UserInputException($"--wan-mbit: {wanMbit} is not between 1 and 100000");
            int windowKib = parse.GetValue(relayWindow);
            if (windowKib is < 64 or > 1 << 20) throw new UserInputException($"--relay-window-kib: {windowKib} is not between 64 and 1048576");
            var options = new QemuMigrationOptions
            {
                Relay = new NetMobility.Migration.Relay.RelayOptions { WindowBytes = windowKib << 10 },
                Policy = () => MigrationBench.CreatePolicy(policyName),
                Transport = parse.GetValue(transport) == "memory" ? EngineTransport.Memory : EngineTransport.Tcp,
                WanBitsPerSecond = wanMbit * 1e6,
                RelayTls = parse.GetValue(relayTls) ? NetMobility.Migration.Transports.TlsOptions.PreSharedKey(NetMobility.Migration.Transports.TlsOptions.CreateSelfSigned()) : null,
            };
            try
            {
                var guest = GuestImage.Load(parse.GetValue(image)!.FullName);
                if (!Environment.IsPrivilegedProcess) throw new UserInputException("lab vm measure: needs root (network namespace, TAP devices)");
                var entries = QemuMigrationSeries.RunAsync(guest, modes, rates, count, BootTimeout, options,
                    e => Console.Out.WriteLine($"{e.Result.Mode.Name()} writer {e.WriteMibPerSecond} MiB/s #{e.Run}: {Row(e.Result)}")).GetAwaiter().GetResult();
                Console.Out.Write(QemuMeasureTable.Format(entries, guest.MemoryMb, policyName, wanMbit is double m ? $"a {m:0.###} Mbit/s WAN" : "loopback"));
            }
            catch (LabException e)
            {
                throw new UserInputException($"lab vm measure: {e.Message}");
            }
            return 0;
        });
        return command;
    }

    private static int[] WriteRates(string text)
    {
        var rates = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int rate) || rate > 1024)
                throw new UserInputException($"--writer: '{part}' is not a number of MiB per second from 0 to 1024");
            rates.Add(rate);
        }
        return [.. rates];
    }

    private static string Round(NetMobility.Migration.Reports.RoundReport r) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{r.PagesSent}p {r.WireBytes / 1e6:0.##}MB {r.DurationMs:0}+{r.ScanMs:0}ms{(r.StopAndCopy ? " stopped" : "")}");

    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);

    private static string Row(QemuMigrationResult r) =>
        $"paused {r.Paused.TotalMilliseconds:0.#} ms (qemu downtime {r.Qemu.DowntimeMs} ms"
        + (r.Engine is { } e ? $", engine downtime {e.DowntimeMs:0.#} ms: scan {e.Switchover!.DirtyScanMs:0.#}, last pages {e.Switchover.LastPagesMs:0.#}, device state {e.Switchover.DeviceStateMs:0.#}, resume {e.Switchover.ResumeMs:0.#}; rounds {string.Join(", ", e.Rounds.Select(Round))}" : "")
        + $"), total {r.Total.TotalMilliseconds:0.#} ms (qemu {r.Qemu.TotalTimeMs} ms), bytes {r.Bytes} (qemu stream {r.Qemu.TransferredBytes}, "
        + (r.Relay is { } relay
            ? $"relay wire {relay.WireBytes}, {relay.Connections} connection(s), {relay.ResentBytes} resent)"
            : (r.Mode == QemuMigrationMode.PageEngine ? "engine" : "copied") + $" {r.CopiedBytes})");
}
