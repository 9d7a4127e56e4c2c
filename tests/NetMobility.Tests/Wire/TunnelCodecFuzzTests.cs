using FsCheck;
using FsCheck.Fluent;
using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

/// <summary>Arbitrary bytes through every tunnel codec: an answer, never an exception, and nothing consumed on failure.</summary>
public class TunnelCodecFuzzTests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(2000);

    [Fact]
    public void Gre_parse_never_throws()
    {
        Check.One(Many, Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), (byte[] bytes) =>
        {
            bool ok = GreHeader.TryParse(bytes ?? [], ChecksumPolicy.Verify, out var h, out int used, out var e);
            return ok ? e == WireError.None && used == h.Length : used == 0 && e != WireError.None;
        }));
    }

    [Fact]
    public void Registration_messages_parse_or_refuse_and_their_extensions_stay_in_the_buffer()
    {
        // Half the cases start with a valid fixed part so that the extension walker sees real work.
        var gen = ArbMap.Default.ArbFor<(bool, bool, byte[])>();
        Check.One(Many, Prop.ForAll(gen, t =>
        {
            var (request, withFixedPart, tail) = t;
            tail ??= [];
            var wire = withFixedPart
                ? [.. Hex.Bytes(request ? MobileIpVectors.RequestFixed : MobileIpVectors.ReplyFixed), .. tail]
                : tail;
            return request ? RequestHolds(wire) : ReplyHolds(wire);
        }));
    }

    private static bool RequestHolds(byte[] wire)
    {
        bool ok = RegistrationRequest.TryParse(wire, out _, out int used, out var e);
        if (!ok) return used == 0 && e != WireError.None;
        Assert.True(RegistrationRequestPacket.TryCreate(wire, out var m, out _));
        return ExtensionsHold(wire, m.Extensions, RegistrationRequest.FixedLength);
    }

    private static bool ReplyHolds(byte[] wire)
    {
        bool ok = RegistrationReply.TryParse(wire, out _, out int used, out var e);
        if (!ok) return used == 0 && e != WireError.None;
        Assert.True(RegistrationReplyPacket.TryCreate(wire, out var m, out _));
        return ExtensionsHold(wire, m.Extensions, RegistrationReply.FixedLength);
    }

    private static bool ExtensionsHold(byte[] wire, MobileIpExtensions extensions, int start)
    {
        int expected = start;
        foreach (var x in extensions)
        {
            if (x.Offset != expected || x.End > wire.Length) return false;
            var data = x.Data(wire);
            AuthenticationExtension.TryParse(data, out _, out _, out _);
            UdpTunnelRequestExtension.TryParse(data, out _, out _);
            UdpTunnelReplyExtension.TryParse(data, out _, out _);
            MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, "k"u8, wire, x);
            expected = x.End;
        }
        return expected == wire.Length;
    }

    [Fact]
    public void Encapsulation_codecs_never_throw_and_leave_refused_buffers_alone()
    {
        Check.One(Many, Prop.ForAll(ArbMap.Default.ArbFor<(byte[], bool)>(), t =>
        {
            var (bytes, asIpv4) = t;
            bytes ??= [];
            if (asIpv4 && bytes.Length >= 20)
            {
                // Make the header plausible so the deeper checks run.
                bytes[0] = 0x45;
                bytes[2] = (byte)(bytes.Length >> 8); bytes[3] = (byte)bytes.Length;
            }
            var buffer = new byte[bytes.Length + 12];
            bytes.CopyTo(buffer, 0);
            var before = (byte[])buffer.Clone();

            TunnelDataHeader.TryParse(bytes, out _, out _, out _);
            MinimalForwardingHeader.TryParse(bytes, ChecksumPolicy.Verify, out _, out _, out _);
            IpInIp.TryDecapsulate(bytes, out int offset, out int length, out _);
            if (offset + length > bytes.Length) return false;

            if (!MinimalEncapsulation.TryDecapsulate(buffer, bytes.Length, ChecksumPolicy.Verify, out _, out _)
                && !before.AsSpan().SequenceEqual(buffer)) return false;
            bytes.CopyTo(buffer, 0);
            return MinimalEncapsulation.TryEncapsulate(buffer, bytes.Length, new Ipv4Address(1), new Ipv4Address(2), out _, out _)
                || before.AsSpan().SequenceEqual(buffer);
        }));
    }
}
