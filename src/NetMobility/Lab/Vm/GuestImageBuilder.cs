using System.IO.Compression;
using System.Text;

namespace NetMobility.Lab.Vm;

/// <summary>
/// Builds a guest (kernel + initramfs) from Debian packages only: <c>linux-image-*-cloud-amd64</c> (the version
/// <c>linux-image-cloud-amd64</c> depends on) and <c>busybox-static</c>, fetched with <c>apt-get download</c> into a
/// cache folder and unpacked there with <c>dpkg-deb -x</c>; nothing is installed. The initramfs holds the static
/// busybox, the virtio network modules (decompressed when the package ships them as .ko.xz) and <see cref="GuestInit"/>.
/// A second build with the same cache downloads nothing.
/// </summary>
public static class GuestImageBuilder
{
    public const string KernelMetaPackage = "linux-image-cloud-amd64";
    public const string BusyboxPackage = "busybox-static";
    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan UnpackTimeout = TimeSpan.FromMinutes(2);

    public static GuestImage Build(string outputDirectory, string cacheDirectory, int memoryMb)
    {
        if (memoryMb is < 16 or > 65536) throw new LabException($"memory {memoryMb} MiB: give 16 to 65536");
        Directory.CreateDirectory(cacheDirectory);
        Directory.CreateDirectory(outputDirectory);
        string kernelDeb = CachedDeb(cacheDirectory, "linux-image-*-cloud-amd64_*.deb") ?? Download(cacheDirectory, KernelPackage());
        string busyboxDeb = CachedDeb(cacheDirectory, BusyboxPackage + "_*.deb") ?? Download(cacheDirectory, BusyboxPackage);
        string kernelTree = Unpack(kernelDeb), busyboxTree = Unpack(busyboxDeb);

        string modulesRoot = Path.Combine(kernelTree, "lib", "modules");
        var versions = Directory.Exists(modulesRoot) ? Directory.GetDirectories(modulesRoot) : [];
        if (versions.Length != 1) throw new LabException($"{kernelDeb}: expected one kernel under lib/modules, found {versions.Length}");
        string version = Path.GetFileName(versions[0]);
        string vmlinuz = Path.Combine(kernelTree, "boot", "vmlinuz-" + version);
        if (!File.Exists(vmlinuz)) throw new LabException($"{kernelDeb}: boot/vmlinuz-{version} is missing");
        string busybox = Path.Combine(busyboxTree, "bin", "busybox");
        if (!File.Exists(busybox)) throw new LabException($"{busyboxDeb}: bin/busybox is missing");

        var image = new GuestImage(Path.GetFullPath(outputDirectory), version, memoryMb);
        // Every file is written beside its place and renamed into it: a QEMU started from an earlier build of this folder
        // (another run's) keeps reading whole files.
        string part = $".part-{Environment.ProcessId}";
        File.Copy(vmlinuz, image.Kernel + part, overwrite: true);
        File.Move(image.Kernel + part, image.Kernel, overwrite: true);
        string staging = Directory.CreateTempSubdirectory("nmvm-").FullName;
        try
        {
            using var file = File.Create(image.Initramfs + part);
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            {
                var cpio = new CpioWriter(gzip);
                foreach (var dir in new[] { "bin", "dev", "proc", "sys", "tmp", "www", "lib", "lib/modules" }) cpio.Directory(dir);
                cpio.CharDevice("dev/console", 5, 1);
                cpio.FileFrom("bin/busybox", busybox, mode: 0x1ED);
                cpio.Symlink("bin/sh", "busybox");
                cpio.File("init", Encoding.ASCII.GetBytes(GuestInit.Script), mode: 0x1ED);
                cpio.File("www/index.html", Encoding.ASCII.GetBytes(GuestInit.IndexPage));
                foreach (var module in GuestInit.Modules)
                    if (FindModule(versions[0], module, busybox, staging) is { } path) cpio.FileFrom($"lib/modules/{module}.ko", path);
                cpio.Finish();
            }
            file.Close();
            File.Move(image.Initramfs + part, image.Initramfs, overwrite: true);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
        image.Save();
        return image;
    }

    /// <summary>The versioned kernel package the meta-package points at (apt-cache depends).</summary>
    private static string KernelPackage()
    {
        var result = CommandRunner.Run("apt-cache", ["depends", KernelMetaPackage], DownloadTimeout);
        foreach (var line in result.StandardOutput.Split('\n'))
            if (line.Trim() is var trimmed && trimmed.StartsWith("Depends: linux-image-", StringComparison.Ordinal))
                return trimmed["Depends: ".Length..];
        throw new LabException($"apt-cache depends {KernelMetaPackage}: no linux-image dependency ({result.FirstErrorLine()}); run apt-get update");
    }

    private static string? CachedDeb(string cache, string pattern) =>
        Directory.GetFiles(cache, pattern).Where(p => !p.Contains("-dbg_") && !p.Contains("-unsigned_")).Order(StringComparer.Ordinal).LastOrDefault();

    private static string Download(string cache, string package)
    {
        var result = CommandRunner.Run("apt-get", ["download", package], DownloadTimeout, workingDirectory: cache);
        if (!result.Succeeded) throw new LabException($"apt-get download {package}: {result.FirstErrorLine()}");
        return CachedDeb(cache, package.Replace("*", "") + "_*.deb") ?? throw new LabException($"apt-get download {package} left no .deb in {cache}");
    }

    /// <summary>Unpacks <paramref name="deb"/> beside itself (once; a marker file says it is complete).</summary>
    private static string Unpack(string deb)
    {
        string tree = deb[..^".deb".Length] + ".tree", done = Path.Combine(tree, ".unpacked");
        if (File.Exists(done)) return tree;
        if (Directory.Exists(tree)) Directory.Delete(tree, recursive: true);
        var result = CommandRunner.Run("dpkg-deb", ["-x", deb, tree], UnpackTimeout);
        if (!result.Succeeded) throw new LabException($"dpkg-deb -x {deb}: {result.FirstErrorLine()}");
        File.WriteAllText(done, "");
        return tree;
    }

    /// <summary>The module's file, decompressed into <paramref name="staging"/> with busybox's unxz when shipped as .ko.xz; null when the kernel has it built in.</summary>
    private static string? FindModule(string modulesDirectory, string module, string busybox, string staging)
    {
        foreach (var path in Directory.EnumerateFiles(Path.Combine(modulesDirectory, "kernel"), module + ".ko*", SearchOption.AllDirectories))
        {
            string name = Path.GetFileName(path);
            if (name == module + ".ko") return path;
            if (name != module + ".ko.xz") throw new LabException($"{path}: only .ko and .ko.xz modules are handled");
            string copy = Path.Combine(staging, name);
            File.Copy(path, copy, overwrite: true);
            var result = CommandRunner.Run(busybox, ["unxz", "-f", copy], UnpackTimeout);
            if (!result.Succeeded) throw new LabException($"unxz {path}: {result.FirstErrorLine()}");
            return copy[..^".xz".Length];
        }
        string builtin = Path.Combine(modulesDirectory, "modules.builtin");
        if (File.Exists(builtin) && File.ReadLines(builtin).Any(l => l.EndsWith("/" + module + ".ko", StringComparison.Ordinal))) return null;
        throw new LabException($"{modulesDirectory}: module {module} is neither a file nor built in");
    }
}
