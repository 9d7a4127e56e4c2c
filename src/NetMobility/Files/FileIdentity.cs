using System.Runtime.InteropServices;

namespace NetMobility.Files;

/// <summary>
/// Which file a path names, as the kernel knows it: device and inode. Two paths with the same identity are one
/// file, whether they are spelt the same, one is a symbolic link to the other, or both are hard links.
/// </summary>
public readonly partial record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode)
{
    // statx(2) is used rather than stat(2) because struct statx has one layout on every architecture.
    private const int AtFdCwd = -100;
    private const uint StatxIno = 0x100;
    private const int StatxBufferLength = 256;
    private const int InodeOffset = 32;
    private const int DeviceMajorOffset = 136;
    private const int DeviceMinorOffset = 140;

    /// <summary>The identity of the file <paramref name="path"/> names after following links; false when there is none (no such file, no access).</summary>
    public static unsafe bool TryGet(string path, out FileIdentity identity)
    {
        identity = default;
        if (!OperatingSystem.IsLinux()) return false;
        byte* buffer = stackalloc byte[StatxBufferLength];
        if (Statx(AtFdCwd, path, 0, StatxIno, buffer) != 0) return false;
        identity = new FileIdentity(
            *(uint*)(buffer + DeviceMajorOffset),
            *(uint*)(buffer + DeviceMinorOffset),
            *(ulong*)(buffer + InodeOffset));
        return true;
    }

    /// <summary>True when both paths exist and name one file.</summary>
    public static bool Same(string a, string b) =>
        TryGet(a, out var first) && TryGet(b, out var second) && first == second;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
