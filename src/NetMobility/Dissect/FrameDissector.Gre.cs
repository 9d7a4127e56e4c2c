using NetMobility.Wire;

namespace NetMobility.Dissect;

public static partial class FrameDissector
{
    private static void DissectGre(ReadOnlySpan<byte> packet, FieldList fields, int depth)
    {
        if (!GrePacket.TryCreate(packet, ChecksumPolicy.None, out var gre, out var error))
        {
            fields.SetMalformed("gre", error.Describe());
            return;
        }
        fields.Add("gre.flags.checksum", gre.ChecksumPresent);
        fields.Add("gre.flags.key", gre.KeyPresent);
        fields.Add("gre.flags.sequence_number", gre.SequencePresent);
        fields.Add("gre.flags.version", 0UL);
        fields.Add("gre.proto", (ulong)gre.ProtocolType);
        if (gre.Checksum is ushort checksum)
        {
            fields.Add("gre.checksum", checksum);
            if (!InternetChecksum.Verify(packet)) fields.SetMalformed("gre", "bad checksum");
        }
        if (gre.Key is uint key) fields.Add("gre.key", key);
        if (gre.SequenceNumber is uint sequence) fields.Add("gre.sequence_number", sequence);
        DissectEtherPayload(gre.ProtocolType, gre.Payload, fields, depth + 1);
    }
}
