using System.CommandLine;
using NetMobility.Lab;
using NetMobility.Lab.Vm;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob lab vm build --out DIR [--memory-mb N] [--cache DIR]</c>: makes a guest kernel and initramfs from Debian
/// packages (docs/lab-vm.md).
/// </summary>
public static class LabCommand
{
    public const string DefaultCache = "/var/cache/netmob/debs";

    public static Command Create()
    {
        var command = new Command("lab", "Real parts for labs: QEMU guests built from Debian packages");
        var vm = new Command("vm", "QEMU guest images");
        vm.Subcommands.Add(Build());
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
}
