using System.Text.Json;
using System.Text.Json.Serialization;
using NetMobility.Files;

namespace NetMobility.Lab.Vm;

/// <summary>
/// A built guest: its kernel and initramfs, the kernel version they come from, and the memory size it was built
/// for. <c>guest.json</c> in the image folder records it; <see cref="Load"/> reads it back.
/// </summary>
public sealed record GuestImage(string Directory, string KernelVersion, int MemoryMb)
{
    public const string ManifestName = "guest.json";

    public string Kernel => Path.Combine(Directory, "vmlinuz");

    public string Initramfs => Path.Combine(Directory, "initramfs.gz");

    /// <summary>Reads <c>guest.json</c> in <paramref name="directory"/>; a missing or bad manifest is a <see cref="LabException"/> naming it.</summary>
    public static GuestImage Load(string directory)
    {
        string path = Path.Combine(directory, ManifestName);
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(BoundedText.Read(path, 64 * 1024));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            throw new LabException($"{path}: not a guest image manifest ({e.Message}); build one with 'netmob lab vm build'");
        }
        if (manifest is not { KernelVersion.Length: > 0, MemoryMb: > 0 })
            throw new LabException($"{path}: kernelVersion or memoryMb is missing");
        var image = new GuestImage(directory, manifest.KernelVersion, manifest.MemoryMb);
        foreach (var file in new[] { image.Kernel, image.Initramfs })
            if (!File.Exists(file)) throw new LabException($"{file} is missing; rebuild the image with 'netmob lab vm build'");
        return image;
    }

    internal void Save()
    {
        string path = Path.Combine(Directory, ManifestName), part = $"{path}.part-{Environment.ProcessId}";
        File.WriteAllText(part, JsonSerializer.Serialize(new Manifest(KernelVersion, MemoryMb), new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(part, path, overwrite: true);
    }

    private sealed record Manifest(
        [property: JsonPropertyName("kernelVersion")] string KernelVersion,
        [property: JsonPropertyName("memoryMb")] int MemoryMb);
}
