using System.CommandLine;
using NetMobility.Lab;
using NetMobility.Lab.Vm;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob lab vm build --out DIR [--memory-mb N] [--cache DIR]</c>: makes a guest kernel and initramfs from Debian
/// packages; <c>netmob lab vm measure --image DIR [--runs N] [--mode qemu|shared-file|both]</c>: migrates a guest between
/// QEMU processes N times per mode and prints each migration and the medians (docs/lab-vm.md).
/// </summary>
public static class LabCommand
{
    public const string DefaultCache = "/var/cache/netmob/debs";

    public static Command Create()
    {
        var command = new Command("lab", "Real parts for labs: the lab of network namespaces and agent daemons (up, down, status, move), QEMU guests built from Debian packages");
        foreach (var verb in LabSiteCommand.Create()) command.Subcommands.Add(verb);
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
        var runs = new Option<int>("--runs") { Description = "migrations per mode", DefaultValueFactory = _ => 5 };
        var mode = new Option<string>("--mode") { Description = "qemu (QEMU's own migration), shared-file (RAM on a shared file copied while stopped, x-ignore-shared), or both", DefaultValueFactory = _ => "both" };
        mode.AcceptOnlyFromAmong("qemu", "shared-file", "both");
        var command = new Command("measure", "Boot a guest in a namespace (root) and migrate it between QEMU processes over loopback: "
            + "QEMU's downtime, total time and bytes, and the pause between STOP and RESUME, per migration and as medians");
        command.Options.Add(image);
        command.Options.Add(runs);
        command.Options.Add(mode);
        command.SetAction(parse =>
        {
            int count = parse.GetValue(runs);
            if (count is < 1 or > 1000) throw new UserInputException($"--runs: {count} is not between 1 and 1000");
            QemuMigrationMode[] modes = parse.GetValue(mode) switch
            {
                "qemu" => [QemuMigrationMode.Qemu],
                "shared-file" => [QemuMigrationMode.SharedFileCopy],
                _ => [QemuMigrationMode.Qemu, QemuMigrationMode.SharedFileCopy],
            };
            try
            {
                var guest = GuestImage.Load(parse.GetValue(image)!.FullName);
                if (!Environment.IsPrivilegedProcess) throw new UserInputException("lab vm measure: needs root (network namespace, TAP devices)");
                var medians = new List<(QemuMigrationMode, IReadOnlyList<QemuMigrationResult>)>();
                foreach (var m in modes)
                {
                    var results = QemuMigrationSeries.RunAsync(guest, m, count, BootTimeout,
                        (i, r) => Console.Out.WriteLine($"{Name(m)} #{i}: {Row(r)}")).GetAwaiter().GetResult();
                    medians.Add((m, results));
                }
                Console.Out.WriteLine($"medians over {count} migration(s) of the {guest.MemoryMb} MiB guest:");
                foreach (var (m, results) in medians)
                    Console.Out.WriteLine($"{Name(m)}: qemu downtime {Median(results, r => r.Qemu.DowntimeMs)} ms, paused {Median(results, r => r.Paused.TotalMilliseconds):0.#} ms, "
                        + $"total {Median(results, r => r.Total.TotalMilliseconds):0.#} ms, qemu total {Median(results, r => r.Qemu.TotalTimeMs)} ms, "
                        + $"copy {Median(results, r => r.Copy.TotalMilliseconds):0.#} ms, bytes {Median(results, r => r.Bytes):0} (qemu stream {Median(results, r => r.Qemu.TransferredBytes):0})");
            }
            catch (LabException e)
            {
                throw new UserInputException($"lab vm measure: {e.Message}");
            }
            return 0;
        });
        return command;
    }

    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);

    private static string Name(QemuMigrationMode mode) => mode == QemuMigrationMode.Qemu ? "qemu" : "shared-file";

    private static string Row(QemuMigrationResult r) =>
        $"qemu downtime {r.Qemu.DowntimeMs} ms, paused {r.Paused.TotalMilliseconds:0.#} ms, total {r.Total.TotalMilliseconds:0.#} ms "
        + $"(qemu {r.Qemu.TotalTimeMs} ms, copy {r.Copy.TotalMilliseconds:0.#} ms), bytes {r.Bytes} (qemu stream {r.Qemu.TransferredBytes}, copied {r.CopiedBytes})";

    private static double Median(IReadOnlyList<QemuMigrationResult> results, Func<QemuMigrationResult, double> value)
    {
        var sorted = results.Select(value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
