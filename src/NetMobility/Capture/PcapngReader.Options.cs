using System.Text;

namespace NetMobility.Capture;

public sealed partial class PcapngReader
{
    /// <summary>The interface options the reader uses; the others are passed over.</summary>
    private struct InterfaceOptions
    {
        public TimestampResolution Resolution;
        public long OffsetSeconds;
        public string? Name;
    }

    /// <summary>
    /// Sec 3.5: walks the option list filling the last <paramref name="remaining"/> bytes of a block
    /// body (a multiple of 4, as every length before it is). Unknown options are skipped; one that
    /// runs past the body is an error. Bytes after opt_endofopt are passed over.
    /// </summary>
    private bool TryReadOptions(long start, uint length, long remaining, bool forInterface, ref InterfaceOptions options)
    {
        Span<byte> header = stackalloc byte[PcapngLayout.OptionHeaderLength];
        Span<byte> value = stackalloc byte[8];
        while (remaining > 0)
        {
            if (!TryReadBlock(start, length, header)) return false;
            remaining -= header.Length;
            ushort code = ByteOrder.ReadUInt16(header, _bigEndian);
            ushort valueLength = ByteOrder.ReadUInt16(header[2..], _bigEndian);
            if (code == PcapngOption.EndOfOptions) break;
            long padded = PcapngLayout.Pad4(valueLength);
            if (padded > remaining)
                return Fail(CaptureErrorKind.BadOption, Block, start, $"option {code} of length {valueLength} runs past the end of the block");
            remaining -= padded;

            long unread = padded;
            if (forInterface && code == PcapngOption.IfTimestampResolution)
            {
                if (valueLength != 1)
                    return Fail(CaptureErrorKind.BadOption, Block, start, $"if_tsresol has length {valueLength}, not 1");
                if (!TryReadBlock(start, length, value[..1])) return false;
                if (!TimestampResolution.TryFromCode(value[0], out options.Resolution))
                    return Fail(CaptureErrorKind.BadOption, Block, start, $"if_tsresol 0x{value[0]:x2} is finer than 10^-19 or 2^-63 s");
                unread -= 1;
            }
            else if (forInterface && code == PcapngOption.IfTimestampOffset)
            {
                if (valueLength != 8)
                    return Fail(CaptureErrorKind.BadOption, Block, start, $"if_tsoffset has length {valueLength}, not 8");
                if (!TryReadBlock(start, length, value)) return false;
                options.OffsetSeconds = ByteOrder.ReadInt64(value, _bigEndian);
                unread -= 8;
            }
            else if (forInterface && code == PcapngOption.IfName)
            {
                var name = RecordBuffer(valueLength).Span;
                if (!TryReadBlock(start, length, name)) return false;
                options.Name = Encoding.UTF8.GetString(name);
                unread -= valueLength;
            }
            if (!TrySkip(start, length, unread)) return false;
        }
        return TrySkip(start, length, remaining);
    }
}
