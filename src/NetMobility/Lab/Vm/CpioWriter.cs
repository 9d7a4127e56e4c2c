using System.Text;

namespace NetMobility.Lab.Vm;

/// <summary>
/// Writes a cpio archive in the "newc" format the Linux kernel unpacks as an initramfs
/// (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII header of
/// hexadecimal fields, the name with its NUL, padding to 4 bytes, the data, padding to 4 bytes; the
/// archive ends with an entry named TRAILER!!!. Entries carry owner root and time 0, so the same inputs
/// give the same bytes.
/// </summary>
internal sealed class CpioWriter(Stream output)
{
    private const int FileType = 0x8000, DirectoryType = 0x4000, SymlinkType = 0xA000, CharDeviceType = 0x2000;
    private int _inode = 1;

    public void Directory(string path, int mode = 0x1ED /* 0755 */) => Entry(path, DirectoryType | mode, [], 0, 0);

    public void File(string path, ReadOnlySpan<byte> data, int mode = 0x1A4 /* 0644 */) => Entry(path, FileType | mode, data, 0, 0);

    /// <summary>An entry whose data is the file at <paramref name="source"/>, copied through as a stream (busybox, kernel modules: megabytes).</summary>
    public void FileFrom(string path, string source, int mode = 0x1A4 /* 0644 */)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        long length = input.Length;
        if (length > uint.MaxValue) throw new LabException($"{source}: {length} bytes do not fit a cpio entry");
        Header(path, FileType | mode, length, 0, 0, null);
        input.CopyTo(output, 1 << 16);
        if (input.Position != length) throw new LabException($"{source} changed size while it was archived");
        Pad(length);
    }

    public void Symlink(string path, string target) => Entry(path, SymlinkType | 0x1FF, Encoding.UTF8.GetBytes(target), 0, 0);

    public void CharDevice(string path, int major, int minor, int mode = 0x180 /* 0600 */) => Entry(path, CharDeviceType | mode, [], major, minor);

    /// <summary>Writes the trailer; the stream is left open.</summary>
    public void Finish() => Entry("TRAILER!!!", 0, [], 0, 0, inode: 0);

    private void Entry(string path, int mode, ReadOnlySpan<byte> data, int deviceMajor, int deviceMinor, int? inode = null)
    {
        Header(path, mode, data.Length, deviceMajor, deviceMinor, inode);
        output.Write(data);
        Pad(data.Length);
    }

    private void Header(string path, int mode, long dataLength, int deviceMajor, int deviceMinor, int? inode)
    {
        var name = Encoding.UTF8.GetBytes(path);
        var header = new StringBuilder(110);
        header.Append("070701");
        foreach (long field in new long[]
        {
            inode ?? _inode++, mode, 0 /* uid */, 0 /* gid */, (mode & DirectoryType) != 0 ? 2 : 1 /* nlink */, 0 /* mtime */,
            dataLength, 0, 0 /* device of the file */, deviceMajor, deviceMinor, name.Length + 1, 0 /* check */,
        })
            header.Append(field.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
        var headerBytes = Encoding.ASCII.GetBytes(header.ToString());
        output.Write(headerBytes);
        output.Write(name);
        output.WriteByte(0);
        Pad(headerBytes.Length + name.Length + 1);
    }

    private void Pad(long written)
    {
        for (long i = written; i % 4 != 0; i++) output.WriteByte(0);
    }
}
