using System.Globalization;
using System.Runtime.InteropServices;
using NetMobility.Files;

namespace NetMobility.Migration;

/// <summary>
/// Whether images of a given size fit this machine before any is made: the memory the kernel says is available
/// (MemAvailable, and the cgroup's limit where one is set) against what the destination may rebuild, and the
/// process's address-space limit (<c>ulimit -v</c>) against the mappings every image takes. An image that does not
/// fit is refused with the numbers, not left to grow until the kernel or the runtime ends the process.
/// </summary>
public static partial class MemoryFit
{
    private const int RlimitAs = 9; // Linux
    private const ulong RlimInfinity = ulong.MaxValue;
    private const long Slack = 256L << 20; // the runtime, buffers, caches

    /// <summary>
    /// Null when <paramref name="images"/> images of <paramref name="memoryBytes"/> fit (each may be rebuilt whole,
    /// as a destination does; a source costs only what its guest touches), else why not.
    /// </summary>
    public static string? Check(long memoryBytes, int images = 2)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // Every image maps its size in address space, plus a recipe table of eight bytes a page.
        long addressSpace = images * (memoryBytes + memoryBytes / MemoryImage.PageSize * sizeof(ulong));
        if (AddressSpaceLeft() is long left && addressSpace + Slack > left)
            return $"{Size(memoryBytes)} does not fit the process's address-space limit (ulimit -v): {images} images take {Size(addressSpace)}, {Size(Math.Max(0, left))} is left";
        if (Available() is long available && memoryBytes + Slack > available)
            return $"{Size(memoryBytes)} does not fit this machine: {Size(available)} of memory is available, and the destination rebuilds the whole image";
        return null;
    }

    /// <summary>The memory the kernel can give without swapping: MemAvailable, capped by the cgroup's room.</summary>
    public static long? Available()
    {
        long? available = null;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var kb = line["MemAvailable:".Length..].Trim().Split(' ')[0];
                if (long.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out long value)) available = value * 1024;
                break;
            }
            if (ReadNumber("/sys/fs/cgroup/memory.max") is long max && ReadNumber("/sys/fs/cgroup/memory.current") is long current)
                available = Math.Min(available ?? long.MaxValue, Math.Max(0, max - current));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No figure to compare with: nothing is refused on it.
        }
        return available;
    }

    /// <summary>What the address-space limit leaves of room beyond what the process maps now; null when there is no limit.</summary>
    public static long? AddressSpaceLeft()
    {
        if (GetRlimit(RlimitAs, out var limit) != 0 || limit.Current == RlimInfinity) return null;
        long mapped = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmSize:", StringComparison.Ordinal)) continue;
                long.TryParse(line["VmSize:".Length..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb);
                mapped = kb * 1024;
                break;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return (long)Math.Min(limit.Current, long.MaxValue) - mapped;
    }

    private static long? ReadNumber(string path)
    {
        if (!File.Exists(path)) return null;
        // A kernel file of one number (cgroup memory.max): a bounded read all the same.
        var text = BoundedText.Read(path, 64).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : null; // "max": no limit
    }

    private static string Size(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.#} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20} MiB");

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, out ResourceLimit limit);
}
