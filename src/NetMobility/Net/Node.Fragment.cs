using System.Buffers;
using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Net;

public sealed partial class Node
{
    private const int TotalLengthOffset = 2;
    private const int FlagsFragmentOffset = 6;
    private const ushort MoreFragmentsFlag = 0x2000;

    /// <summary>Fragments sent for packets that did not fit an egress MTU.</summary>
    public long FragmentsCreated { get; private set; }

    /// <summary>
    /// RFC 791 sec 3.2 fragmentation of a datagram with DF clear that does not fit <paramref name="egress"/>:
    /// payload cut at multiples of 8 bytes, the first fragment keeps every option, the others only those
    /// with the copied flag; a fragment of a fragment keeps the original offset and MF.
    /// </summary>
    private void Fragment(NetInterface egress, Ipv4Address nextHop, ReadOnlySpan<byte> packet)
    {
        Ipv4Packet.TryCreate(packet, ChecksumPolicy.None, out var view, out _);
        var payload = view.Payload;
        Span<byte> laterHeader = stackalloc byte[60];
        int laterLength = LaterFragmentHeader(view, laterHeader);
        int baseOffset = view.FragmentOffset * 8;
        bool moreAfterOriginal = view.MoreFragments;
        int mtu = egress.Mtu;

        byte[] buffer = ArrayPool<byte>.Shared.Rent(Headroom + mtu);
        try
        {
            int offset = 0;
            while (offset < payload.Length)
            {
                var header = offset == 0 ? view.Header : laterHeader[..laterLength];
                int take = Math.Min((mtu - header.Length) & ~7, payload.Length - offset);
                bool last = offset + take == payload.Length;
                var fragment = buffer.AsSpan(Headroom, header.Length + take);
                header.CopyTo(fragment);
                payload.Slice(offset, take).CopyTo(fragment[header.Length..]);
                BinaryPrimitives.WriteUInt16BigEndian(fragment[TotalLengthOffset..], (ushort)fragment.Length);
                ushort flags = last && !moreAfterOriginal ? (ushort)0 : MoreFragmentsFlag;
                BinaryPrimitives.WriteUInt16BigEndian(fragment[FlagsFragmentOffset..], (ushort)(flags | ((baseOffset + offset) >> 3)));
                Ipv4InPlace.RewriteChecksum(fragment);
                FragmentsCreated++;
                Output(egress, nextHop, buffer, fragment.Length);
                offset += take;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The fixed header followed by only the options whose copied flag is set, padded to 32 bits; returns its length.</summary>
    private static int LaterFragmentHeader(Ipv4Packet packet, Span<byte> destination)
    {
        packet.Header[..Ipv4Header.MinLength].CopyTo(destination);
        int length = Ipv4Header.MinLength;
        foreach (var option in packet.ReadOptions())
        {
            if (!option.IsCopied) continue;
            destination[length] = (byte)option.Type;
            destination[length + 1] = (byte)option.Length;
            option.Data.CopyTo(destination[(length + 2)..]);
            length += option.Length;
        }
        while (length % 4 != 0) destination[length++] = (byte)Ipv4OptionType.EndOfOptionList;
        destination[0] = (byte)(0x40 | (length / 4));
        return length;
    }
}
