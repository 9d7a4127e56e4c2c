using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class MobileIpAuthenticationTests
{
    // RFC 2104 appendix (and RFC 2202 sec 2) test vectors for HMAC-MD5.
    [Theory]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "9294727a3638bb1c13f48ef8158bfc9d")] // "Hi There"
    [InlineData("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "750c783e6ab0b503eaa86e310a5db738")] // "Jefe"
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        "56be34521d144c88dbb8c733f0e8b3f6")]
    public void Hmac_md5_matches_rfc2104(string key, string data, string digest)
    {
        var output = Hex.Poisoned(16);
        MobileIpAuthentication.Compute(MobileIpAuthenticationAlgorithm.HmacMd5, Hex.Bytes(key), Hex.Bytes(data), output);
        Assert.Equal(digest, Hex.Of(output));
    }

    [Fact]
    public void Keyed_md5_is_md5_of_key_data_key()
    {
        // With key "a" and no data the hashed input is "aa".
        var output = Hex.Poisoned(16);
        MobileIpAuthentication.Compute(MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix, "a"u8, [], output);
        // Python: hashlib.md5(b"aa").hexdigest()
        Assert.Equal("4124bc0a9335c27f086f24ba207a4912", Hex.Of(output));
    }

    [Theory]
    [InlineData(MobileIpExtensionType.MobileHomeAuthentication, 0)]
    [InlineData(MobileIpExtensionType.MobileForeignAuthentication, 1)]
    [InlineData(MobileIpExtensionType.ForeignHomeAuthentication, 2)]
    public void Verifies_each_authenticator_of_a_python_built_request(MobileIpExtensionType type, int keyIndex)
    {
        byte[][] keys = [MobileIpVectors.MobileHomeKey, MobileIpVectors.MobileForeignKey, MobileIpVectors.ForeignHomeKey];
        var wire = Hex.Bytes(MobileIpVectors.RequestWithEveryExtension);
        Assert.True(RegistrationRequestPacket.TryCreate(wire, out var m, out _));
        Assert.True(m.Extensions.TryFind(type, out var auth));

        Assert.True(MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, keys[keyIndex], wire, auth));
        Assert.False(MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, keys[(keyIndex + 1) % 3], wire, auth));
        Assert.False(MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix, keys[keyIndex], wire, auth));
    }

    [Fact]
    public void Protected_fields_end_with_the_spi_of_the_extension()
    {
        // RFC 5944 sec 3.5.1: everything before the authenticator is covered, the authenticator itself is not.
        var wire = Hex.Bytes(MobileIpVectors.RequestWithEveryExtension);
        Assert.True(RegistrationRequestPacket.TryCreate(wire, out var m, out _));
        Assert.True(m.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var mnha));
        Assert.Equal(38 + 6, MobileIpAuthentication.ProtectedLength(mnha));

        var key = MobileIpVectors.MobileHomeKey;
        var changed = (byte[])wire.Clone();
        changed[2] ^= 0x01; // lifetime: protected
        Assert.False(MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, key, changed, mnha));
        changed = (byte[])wire.Clone();
        changed[35] ^= 0x01; // the skippable extension's data: protected too, it comes before
        Assert.False(MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, key, changed, mnha));
        changed = (byte[])wire.Clone();
        changed[43] ^= 0x01; // last SPI octet: protected
        Assert.False(MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, key, changed, mnha));
        changed = (byte[])wire.Clone();
        changed[^1] ^= 0x01; // inside the later FA-HA extension: not covered by MN-HA
        Assert.True(MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, key, changed, mnha));
    }

    [Fact]
    public void Verifies_a_keyed_md5_prefix_suffix_request()
    {
        var wire = Hex.Bytes(MobileIpVectors.RequestKeyedMd5);
        Assert.True(RegistrationRequestPacket.TryCreate(wire, out var m, out _));
        Assert.True(m.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var auth));
        Assert.True(MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix, MobileIpVectors.MobileHomeKey, wire, auth));
        Assert.False(MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, MobileIpVectors.MobileHomeKey, wire, auth));

        var buffer = Hex.Poisoned(64);
        var w = new MobileIpMessageWriter(buffer);
        Assert.True(RegistrationRequest.TryParse(wire, out var request, out _, out _));
        w.Write(request);
        w.WriteAuthentication(MobileIpExtensionType.MobileHomeAuthentication, 0x100, MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix, MobileIpVectors.MobileHomeKey);
        Assert.Equal(Hex.Of(wire), Hex.Of(w.Written));
    }

    [Fact]
    public void Keyed_md5_over_a_message_larger_than_the_stack_buffer_agrees_with_python()
    {
        // 600 octets of 0x5a with key "k": Python hashlib.md5(b"k" + b"\x5a" * 600 + b"k").hexdigest()
        var data = new byte[600];
        data.AsSpan().Fill(0x5a);
        var output = new byte[16];
        MobileIpAuthentication.Compute(MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix, "k"u8, data, output);
        Assert.Equal(PythonKeyedMd5Of600, Hex.Of(output));
    }

    private const string PythonKeyedMd5Of600 = "7c4bfddb033ce18503476311beff199b";

    [Fact]
    public void Refuses_to_verify_what_is_not_a_128_bit_authentication_extension()
    {
        var wire = Hex.Bytes(MobileIpVectors.RequestWithEveryExtension);
        var key = MobileIpVectors.MobileHomeKey;
        var alg = MobileIpAuthenticationAlgorithm.HmacMd5;
        Assert.False(MobileIpAuthentication.Verify(alg, key, wire, new MobileIpExtension(MobileIpExtensionType.UdpTunnelRequest, 26, 8)));
        Assert.False(MobileIpAuthentication.Verify(alg, key, wire, new MobileIpExtension(MobileIpExtensionType.MobileHomeAuthentication, 38, 21)));
        Assert.False(MobileIpAuthentication.Verify(alg, key, wire, new MobileIpExtension(MobileIpExtensionType.MobileHomeAuthentication, wire.Length - 10, 22)));
        Assert.False(MobileIpAuthentication.Verify(alg, key, wire, new MobileIpExtension(MobileIpExtensionType.MobileHomeAuthentication, -1, 22)));
    }

    [Fact]
    public void Verifying_allocates_nothing()
    {
        var wire = Hex.Bytes(MobileIpVectors.RequestWithEveryExtension);
        Assert.True(RegistrationRequestPacket.TryCreate(wire, out var m, out _));
        Assert.True(m.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var auth));
        var key = MobileIpVectors.MobileHomeKey;
        foreach (var alg in new[] { MobileIpAuthenticationAlgorithm.HmacMd5, MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix })
        {
            MobileIpAuthentication.Verify(alg, key, wire, auth); // warm up: first calls load the crypto provider
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool ok = MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.HmacMd5, key, wire, auth);
        MobileIpAuthentication.Verify(MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix, key, wire, auth);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(ok);
        Assert.Equal(0, allocated);
    }
}
