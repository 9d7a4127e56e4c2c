using System.Text;
using NetMobility.Lab.Vm;

namespace NetMobility.Tests.Lab;

/// <summary>The initramfs archive layout the kernel unpacks (Documentation/driver-api/early-userspace/buffer-format.rst).</summary>
public sealed class CpioWriterTests
{
    [Fact]
    public void A_file_entry_is_a_newc_header_name_and_data_each_padded_to_four_bytes_then_the_trailer()
    {
        using var stream = new MemoryStream();
        var cpio = new CpioWriter(stream);
        cpio.File("init", "hello"u8, mode: 0x1ED);
        cpio.Finish();
        var bytes = stream.ToArray();
        string text = Encoding.ASCII.GetString(bytes);

        // 110-byte header: magic, then 13 eight-digit hex fields.
        Assert.Equal("070701", text[..6]);
        Assert.Equal("00000001", text[6..14]);    // inode
        Assert.Equal("000081ed", text[14..22]);   // regular file, 0755
        Assert.Equal("00000005", text[54..62]);   // file size
        Assert.Equal("00000005", text[94..102]);  // name size, with its NUL
        Assert.Equal("init\0", text[110..115]);
        Assert.Equal("\0", text[115..116]);       // 110 + 5 = 115, padded to 116
        Assert.Equal("hello\0\0\0", text[116..124]);
        Assert.Equal("070701", text[124..130]);
        Assert.Equal("TRAILER!!!\0", text[(124 + 110)..(124 + 121)]);
        Assert.Equal(0, bytes.Length % 4);
    }

    [Fact]
    public void A_symlink_holds_its_target_as_data_and_a_device_its_numbers()
    {
        using var stream = new MemoryStream();
        var cpio = new CpioWriter(stream);
        cpio.Symlink("bin/sh", "busybox");
        cpio.CharDevice("dev/console", 5, 1);
        string text = Encoding.ASCII.GetString(stream.ToArray());

        Assert.Equal("0000a1ff", text[14..22]);
        Assert.Equal("00000007", text[54..62]);
        Assert.Equal("bin/sh\0", text[110..117]);
        Assert.Equal("busybox", text[120..127]);
        int device = 128; // 120 + 7, padded
        Assert.Equal("070701", text[device..(device + 6)]);
        Assert.Equal("00002180", text[(device + 14)..(device + 22)]);
        Assert.Equal("00000005", text[(device + 78)..(device + 86)]); // rdevmajor
        Assert.Equal("00000001", text[(device + 86)..(device + 94)]); // rdevminor
    }
}
