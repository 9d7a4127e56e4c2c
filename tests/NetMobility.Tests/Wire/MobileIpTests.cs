using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

/// <summary>
/// Vectors: fixed parts built with scapy 2.5.0 (MobileIP()/MobileIPRRQ(...), MobileIPRRP(...), MobileIPTunnelData(...)),
/// extensions appended by hand and authenticators computed with Python's hmac/hashlib (see MobileIpVectors);
/// every vector decodes in tshark 4 as the comments say, with no malformed field.
/// </summary>
public class MobileIpTests
{
    private static readonly Ipv4Address Home = Ipv4Address.Parse("10.0.0.42");
    private static readonly Ipv4Address Agent = Ipv4Address.Parse("10.0.0.1");
    private static readonly Ipv4Address CareOf = Ipv4Address.Parse("198.51.100.7");
    private const ulong Id = 0xe3a1b2c3d4e5f607UL;

    private static readonly RegistrationRequest Request = new(
        RegistrationFlags.SimultaneousBindings | RegistrationFlags.Gre | RegistrationFlags.ReverseTunnel, 1800, Home, Agent, CareOf, Id);

    [Fact]
    public void Deconstructs_a_request_with_every_request_extension()
    {
        var wire = Hex.Bytes(MobileIpVectors.RequestWithEveryExtension);
        Assert.True(RegistrationRequestPacket.TryCreate(wire, out var m, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(Request, m.Request);
        Assert.Equal(RegistrationFlags.SimultaneousBindings | RegistrationFlags.Gre | RegistrationFlags.ReverseTunnel, m.Flags);
        Assert.Equal(CareOf, m.CareOfAddress);

        var found = new List<MobileIpExtension>();
        foreach (var x in m.Extensions) found.Add(x);
        Assert.Equal(
            [
                new MobileIpExtension(MobileIpExtensionType.EncapsulatingDeliveryStyle, 24, 2),
                new MobileIpExtension(MobileIpExtensionType.UdpTunnelRequest, 26, 8),
                new MobileIpExtension((MobileIpExtensionType)200, 34, 4),
                new MobileIpExtension(MobileIpExtensionType.MobileHomeAuthentication, 38, 22),
                new MobileIpExtension(MobileIpExtensionType.MobileForeignAuthentication, 60, 22),
                new MobileIpExtension(MobileIpExtensionType.ForeignHomeAuthentication, 82, 22),
            ],
            found);
        Assert.Equal(6, m.Extensions.Count);
        Assert.Equal(wire.Length, found[^1].End);

        Assert.True(m.Extensions.TryFind(MobileIpExtensionType.UdpTunnelRequest, out var udp));
        Assert.True(UdpTunnelRequestExtension.TryParse(udp.Data(wire), out var request, out _));
        Assert.Equal(new UdpTunnelRequestExtension(IpProtocol.IpInIp, Force: true), request);

        Assert.True(m.Extensions.TryFind(MobileIpExtensionType.ForeignHomeAuthentication, out var faha));
        Assert.True(AuthenticationExtension.TryParse(faha.Data(wire), out var auth, out var authenticator, out _));
        Assert.Equal(0x102u, auth.Spi);
        Assert.Equal("723be929da629b1cc8250aba49b27a8e", Hex.Of(authenticator));

        Assert.True(found[2].IsSkippable);
        Assert.Equal("abcd", Hex.Of(found[2].Data(wire)));
    }

    [Fact]
    public void Deconstructs_a_reply_with_a_udp_tunnel_reply_and_authentication()
    {
        var wire = Hex.Bytes(MobileIpVectors.ReplyWithTunnelReply);
        Assert.True(RegistrationReply.TryParse(wire, out var reply, out int used, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(RegistrationReply.FixedLength, used);
        Assert.Equal(new RegistrationReply(RegistrationReplyCode.Accepted, 1800, Home, Agent, Id), reply);
        Assert.True(reply.Code.IsAccepted());

        Assert.True(RegistrationReplyPacket.TryCreate(wire, out var m, out _));
        Assert.Equal(2, m.Extensions.Count);
        Assert.True(m.Extensions.TryFind(MobileIpExtensionType.UdpTunnelReply, out var x));
        Assert.Equal(new MobileIpExtension(MobileIpExtensionType.UdpTunnelReply, 20, 8), x);
        Assert.True(UdpTunnelReplyExtension.TryParse(x.Data(wire), out var tunnel, out _));
        Assert.Equal(new UdpTunnelReplyExtension(UdpTunnelReplyExtension.WillTunnel, 110, Force: true), tunnel);
    }

    [Fact]
    public void Writer_builds_the_request_byte_for_byte()
    {
        var buffer = Hex.Poisoned(200);
        var w = new MobileIpMessageWriter(buffer);
        w.Write(Request);
        w.WriteEncapsulatingDeliveryStyle();
        w.Write(new UdpTunnelRequestExtension(IpProtocol.IpInIp, Force: true));
        w.WriteExtension((MobileIpExtensionType)200, Hex.Bytes("abcd"));
        w.WriteAuthentication(MobileIpExtensionType.MobileHomeAuthentication, 0x100, MobileIpAuthenticationAlgorithm.HmacMd5, MobileIpVectors.MobileHomeKey);
        w.WriteAuthentication(MobileIpExtensionType.MobileForeignAuthentication, 0x101, MobileIpAuthenticationAlgorithm.HmacMd5, MobileIpVectors.MobileForeignKey);
        w.WriteAuthentication(MobileIpExtensionType.ForeignHomeAuthentication, 0x102, MobileIpAuthenticationAlgorithm.HmacMd5, MobileIpVectors.ForeignHomeKey);

        Assert.Equal(Hex.Of(Hex.Bytes(MobileIpVectors.RequestWithEveryExtension)), Hex.Of(w.Written));
        Assert.Equal(0xA5, buffer[w.Length]); // nothing written past the message
    }

    [Fact]
    public void Writer_builds_the_reply_byte_for_byte()
    {
        var buffer = Hex.Poisoned(100);
        var w = new MobileIpMessageWriter(buffer);
        w.Write(new RegistrationReply(RegistrationReplyCode.Accepted, 1800, Home, Agent, Id));
        w.Write(new UdpTunnelReplyExtension(UdpTunnelReplyExtension.WillTunnel, 110, Force: true));
        w.WriteAuthentication(MobileIpExtensionType.MobileHomeAuthentication, 0x100, MobileIpAuthenticationAlgorithm.HmacMd5, MobileIpVectors.MobileHomeKey);

        Assert.Equal(Hex.Of(Hex.Bytes(MobileIpVectors.ReplyWithTunnelReply)), Hex.Of(w.Written));
    }

    [Fact]
    public void Fixed_parts_emit_the_scapy_bytes()
    {
        var request = Hex.Poisoned(Request.Length);
        Assert.Equal(24, Request.Emit(request));
        Assert.Equal(MobileIpVectors.RequestFixed, Hex.Of(request));

        var replyRepr = new RegistrationReply(RegistrationReplyCode.Accepted, 1800, Home, Agent, Id);
        var reply = Hex.Poisoned(replyRepr.Length);
        Assert.Equal(20, replyRepr.Emit(reply));
        Assert.Equal(MobileIpVectors.ReplyFixed, Hex.Of(reply));
    }

    [Fact]
    public void A_request_without_extensions_parses_and_round_trips()
    {
        var wire = Hex.Bytes(MobileIpVectors.RequestFixed);
        Assert.True(RegistrationRequest.TryParse(wire, out var r, out int used, out _));
        Assert.Equal(24, used);
        Assert.Equal(Request, r);
        Assert.True(RegistrationRequestPacket.TryCreate(wire, out var m, out _));
        Assert.Equal(0, m.Extensions.Count);
        Assert.False(m.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out _));
    }

    [Fact]
    public void Reserved_request_flags_are_ignored_on_reception_and_sent_as_zero()
    {
        // RFC 5944 sec 3.3: r and x are "sent as zero; ignored on reception".
        var wire = Hex.Bytes(MobileIpVectors.RequestFixed);
        wire[1] = 0xff;
        Assert.True(RegistrationRequest.TryParse(wire, out var r, out _, out _));
        Assert.Equal((RegistrationFlags)0xfa, r.Flags);

        var buffer = Hex.Poisoned(24);
        (r with { Flags = (RegistrationFlags)0xff }).Emit(buffer);
        Assert.Equal(0xfa, buffer[1]);
    }

    [Fact]
    public void An_unknown_extension_below_128_sinks_the_message()
    {
        // RFC 5944 sec 1.9: unrecognised types 0-127 make the message "silently discarded".
        var wire = Hex.Bytes(MobileIpVectors.RequestFixed + "6402abcd");
        Assert.False(RegistrationRequest.TryParse(wire, out var r, out int used, out var e));
        Assert.Equal(WireError.Unsupported, e);
        Assert.Equal(0, used);
        Assert.Equal(default, r);
    }

    [Fact]
    public void An_unknown_extension_of_128_or_more_is_skipped_and_the_rest_still_read()
    {
        var wire = Hex.Bytes(MobileIpVectors.RequestFixed + "c802abcd 8200");
        Assert.True(RegistrationRequestPacket.TryCreate(wire, out var m, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(2, m.Extensions.Count);
        Assert.True(m.Extensions.TryFind(MobileIpExtensionType.EncapsulatingDeliveryStyle, out var style));
        Assert.Equal(28, style.Offset);
    }

    [Theory]
    [InlineData("0000")] // one-byte padding belongs to router discovery messages, not registrations
    [InlineData("2c06 00000000006e")] // UDP tunnel reply (44) is a reply extension; in a request it is unknown and non-skippable
    public void Extensions_that_do_not_belong_in_a_request_sink_it(string extensions)
    {
        var wire = Hex.Bytes(MobileIpVectors.RequestFixed + extensions);
        Assert.False(RegistrationRequestPacket.TryCreate(wire, out _, out var e));
        Assert.Equal(WireError.Unsupported, e);
    }

    [Fact]
    public void Request_only_extensions_in_a_reply_are_skipped_or_sink_it_by_their_type()
    {
        // 130 and 144 are request extensions; in a reply they are unrecognised and, being >= 128, skipped.
        var wire = Hex.Bytes(MobileIpVectors.ReplyFixed + "8200 9006 000080040000");
        Assert.True(RegistrationReplyPacket.TryCreate(wire, out var m, out _));
        Assert.Equal(2, m.Extensions.Count);
    }

    [Theory]
    [InlineData("20")] // type without a length octet
    [InlineData("2014 00000100")] // MN-HA auth announces 20 data octets, carries 4
    [InlineData("8200 c805 abcd")] // a skippable extension that runs past the end
    public void Truncated_extensions_are_refused_and_nothing_is_consumed(string extensions)
    {
        var wire = Hex.Bytes(MobileIpVectors.RequestFixed + extensions);
        Assert.False(RegistrationRequest.TryParse(wire, out var r, out int used, out var e));
        Assert.Equal(WireError.Truncated, e);
        Assert.Equal(0, used);
        Assert.Equal(default, r);
    }

    [Theory]
    [InlineData("2003 000001")] // authentication extension too short for its SPI
    [InlineData("8201 00")] // encapsulating delivery style has no data (RFC 3024 sec 3.3)
    [InlineData("9005 0000800400")] // UDP tunnel request is 6 data octets (RFC 3519 sec 3.1)
    public void Recognised_extensions_with_the_wrong_length_are_bad_options(string extensions)
    {
        var wire = Hex.Bytes(MobileIpVectors.RequestFixed + extensions);
        Assert.False(RegistrationRequestPacket.TryCreate(wire, out _, out var e));
        Assert.Equal(WireError.BadOption, e);
    }

    [Theory]
    [InlineData("")]
    [InlineData("018a07080a00002a0a000001c6336407e3a1b2c3d4e5f6")] // 23 of 24 octets
    public void Truncated_requests_are_refused(string hex)
    {
        Assert.False(RegistrationRequest.TryParse(Hex.Bytes(hex), out _, out int used, out var e));
        Assert.Equal(WireError.Truncated, e);
        Assert.Equal(0, used);
    }

    [Fact]
    public void Truncated_replies_are_refused()
    {
        var wire = Hex.Bytes(MobileIpVectors.ReplyFixed)[..19];
        Assert.False(RegistrationReply.TryParse(wire, out _, out int used, out var e));
        Assert.Equal(WireError.Truncated, e);
        Assert.Equal(0, used);
    }

    [Fact]
    public void Each_view_refuses_the_other_message_types()
    {
        var request = Hex.Bytes(MobileIpVectors.RequestFixed);
        var reply = Hex.Bytes(MobileIpVectors.ReplyFixed + "00000000");
        Assert.False(RegistrationReplyPacket.TryCreate(request, out _, out var e1));
        Assert.Equal(WireError.Unsupported, e1);
        Assert.False(RegistrationRequestPacket.TryCreate(reply, out _, out var e2));
        Assert.Equal(WireError.Unsupported, e2);
        Assert.False(TunnelDataPacket.TryCreate(request, out _, out var e3));
        Assert.Equal(WireError.Unsupported, e3);
    }

    [Fact]
    public void Denial_codes_keep_their_values_and_are_not_accepted()
    {
        // Values from RFC 5944 sec 3.4, RFC 3024 and RFC 3519; tshark's mip.code names agree.
        Assert.Equal(1, (byte)RegistrationReplyCode.AcceptedNoSimultaneousBindings);
        Assert.Equal(74, (byte)RegistrationReplyCode.ForeignAgentReverseTunnelUnavailable);
        Assert.Equal(79, (byte)RegistrationReplyCode.ForeignAgentDeliveryStyleNotSupported);
        Assert.Equal(88, (byte)RegistrationReplyCode.ForeignAgentHomeAgentUnreachable);
        Assert.Equal(136, (byte)RegistrationReplyCode.HomeAgentUnknownHomeAgentAddress);
        Assert.Equal(139, (byte)RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable);
        Assert.Equal(142, (byte)RegistrationReplyCode.HomeAgentUdpEncapsulationUnavailable);
        Assert.True(RegistrationReplyCode.AcceptedNoSimultaneousBindings.IsAccepted());
        Assert.False(RegistrationReplyCode.ForeignAgentReasonUnspecified.IsAccepted());
        Assert.False(RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication.IsAccepted());
    }

    [Fact]
    public void Deconstructs_and_emits_a_tunnel_data_message()
    {
        var wire = Hex.Bytes(MobileIpVectors.TunnelData);
        Assert.True(TunnelDataPacket.TryCreate(wire, out var m, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(IpProtocol.IpInIp, m.NextHeader);
        Assert.Equal(MobileIpVectors.TunnelData[8..], Hex.Of(m.Payload));

        Assert.True(TunnelDataHeader.TryParse(wire, out var h, out int used, out _));
        Assert.Equal(4, used);
        var buffer = Hex.Poisoned(h.Length);
        Assert.Equal(4, h.Emit(buffer));
        Assert.Equal("04040000", Hex.Of(buffer));
    }

    [Fact]
    public void Truncated_tunnel_data_is_refused()
    {
        Assert.False(TunnelDataHeader.TryParse(Hex.Bytes("040400"), out var h, out int used, out var e));
        Assert.Equal(WireError.Truncated, e);
        Assert.Equal(0, used);
        Assert.Equal(default, h);
    }

    [Fact]
    public void Udp_tunnel_extensions_emit_their_own_bytes()
    {
        var request = Hex.Poisoned(UdpTunnelRequestExtension.Length);
        new UdpTunnelRequestExtension(IpProtocol.Gre, RegistrationRequired: true).Emit(request);
        Assert.Equal("9006 0000402f0000".Replace(" ", ""), Hex.Of(request));

        var reply = Hex.Poisoned(UdpTunnelReplyExtension.Length);
        new UdpTunnelReplyExtension(UdpTunnelReplyExtension.Declined, 0).Emit(reply);
        Assert.Equal("2c06 004000000000".Replace(" ", ""), Hex.Of(reply));
    }
    /// <summary>
    /// RFC 3519 sec 3.1.3 and 3.2: reserved fields are sent as zero (above) and ignored on receipt: every reserved bit set
    /// changes nothing that is read, the F and R flags beside them included.
    /// </summary>
    [Fact]
    public void Rfc3519_sec_3_1_3_reserved_fields_of_the_udp_tunnel_extensions_are_ignored_on_receipt()
    {
        // Data octets: sub-type 0, reserved 1 all ones, F and R clear with reserved 2 all ones, IP in IP, reserved 3 all ones.
        Assert.True(UdpTunnelRequestExtension.TryParse(Hex.Bytes("00ff3f04ffff"), out var request, out _));
        Assert.Equal(new UdpTunnelRequestExtension(IpProtocol.IpInIp), request);
        Assert.True(UdpTunnelRequestExtension.TryParse(Hex.Bytes("00ffff2fffff"), out request, out _));
        Assert.Equal(new UdpTunnelRequestExtension(IpProtocol.Gre, Force: true, RegistrationRequired: true), request);

        // Sub-type 0, code 0, F clear with the 15 reserved bits set, keepalive 110.
        Assert.True(UdpTunnelReplyExtension.TryParse(Hex.Bytes("00007fff006e"), out var reply, out _));
        Assert.Equal(new UdpTunnelReplyExtension(UdpTunnelReplyExtension.WillTunnel, 110), reply);
    }
}
