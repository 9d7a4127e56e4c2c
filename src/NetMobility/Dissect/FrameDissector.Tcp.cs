using NetMobility.Wire;

namespace NetMobility.Dissect;

public static partial class FrameDissector
{
    /// <summary>TCP header and options; sequence and acknowledgment numbers absolute (no stream tracking).</summary>
    private static void DissectTcp(ReadOnlySpan<byte> payload, Ipv4Address source, Ipv4Address destination, FieldList fields)
    {
        if (!TcpSegment.TryCreate(payload, out var tcp, out var error))
        {
            fields.SetMalformed("tcp", error.Describe());
            return;
        }
        fields.Add("tcp.srcport", tcp.SourcePort);
        fields.Add("tcp.dstport", tcp.DestinationPort);
        fields.Add("tcp.seq", tcp.SequenceNumber);
        fields.Add("tcp.ack", tcp.AcknowledgmentNumber);
        fields.Add("tcp.hdr_len", (ulong)tcp.HeaderLength);
        fields.Add("tcp.flags", (ulong)tcp.Flags);
        fields.Add("tcp.window_size_value", tcp.Window);
        fields.Add("tcp.checksum", tcp.Checksum);
        fields.Add("tcp.urgent_pointer", tcp.UrgentPointer);
        fields.Add("tcp.len", (ulong)tcp.Payload.Length);
        if (!tcp.IsChecksumValid(source, destination)) fields.SetMalformed("tcp", "bad checksum");

        var options = tcp.ReadOptions();
        while (options.MoveNext())
        {
            var option = options.Current;
            switch (option.Kind)
            {
                case TcpOptionKind.MaxSegmentSize:
                    fields.Add("tcp.options.mss_val", option.MaxSegmentSize);
                    break;
                case TcpOptionKind.WindowScale:
                    fields.Add("tcp.options.wscale.shift", option.WindowScale);
                    break;
                case TcpOptionKind.Sack:
                    for (int i = 0; i < option.SackBlockCount; i++)
                    {
                        var block = option.GetSackBlock(i);
                        fields.Add("tcp.options.sack_le", block.Left);
                        fields.Add("tcp.options.sack_re", block.Right);
                    }
                    break;
                case TcpOptionKind.Timestamps:
                    fields.Add("tcp.options.timestamp.tsval", option.Timestamps.Value);
                    fields.Add("tcp.options.timestamp.tsecr", option.Timestamps.EchoReply);
                    break;
            }
        }
        if (options.Error != WireError.None) fields.SetMalformed("tcp", "option " + options.Error.Describe());
    }
}
