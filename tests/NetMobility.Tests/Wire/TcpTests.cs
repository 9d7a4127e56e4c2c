using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class TcpTests
{
    private static readonly Ipv4Address Client = Ipv4Address.Parse("192.0.2.1");
    private static readonly Ipv4Address Server = Ipv4Address.Parse("198.51.100.7");

    // Reference bytes from scapy 2.5 (/usr/bin/python3), the TCP part of IP(src=Client, dst=Server)/...; tshark 4.0 with
    // tcp.check_checksum reports each checksum good.
    // TCP(sport=40000, dport=80, seq=0x01020304, flags='S', window=64240,
    //     options=[('MSS',1460), ('SAckOK',b''), ('Timestamp',(123456,0)), ('NOP',None), ('WScale',7)])
    private static readonly byte[] Syn = Hex.Bytes(
        "9c40 0050 01020304 00000000 a002 faf0 ddfa 0000" +
        "020405b4 0402 080a 0001e240 00000000 01 030307");
    // IP(src=Server, dst=Client)/TCP(sport=80, dport=40000, seq=1000, ack=0x01020305, flags='PA', window=502,
    //     options=[NOP, NOP, ('Timestamp',(7,123456)), NOP, NOP, ('SAck',(5000,6000,7000,8000))])/b'GET / HTTP/1.0\r\n\r\n'
    private static readonly byte[] SackAck = Hex.Bytes(
        "0050 9c40 000003e8 01020305 d018 01f6 6751 0000" +
        "01 01 080a 00000007 0001e240 01 01 0512 00001388 00001770 00001b58 00001f40" +
        "474554202f20485454502f312e300d0a0d0a");
    // TCP(sport=1, dport=2, seq=1, ack=2, flags='FSRPAUECN', window=0, urgptr=0x55aa): every control bit (tshark tcp.flags 0x01ff).
    private static readonly byte[] EveryFlag = Hex.Bytes("0001 0002 00000001 00000002 51ff 0000 6bf9 55aa");

    private const TcpFlags AllFlags = TcpFlags.Fin | TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Psh | TcpFlags.Ack
        | TcpFlags.Urg | TcpFlags.Ece | TcpFlags.Cwr | TcpFlags.Ns;

    public static TheoryData<string, bool> Vectors => new()
    {
        { Hex.Of(Syn), true }, { Hex.Of(SackAck), false }, { Hex.Of(EveryFlag), true },
    };

    [Fact]
    public void Deconstructs_a_syn_with_options()
    {
        Assert.True(TcpSegment.TryCreate(Syn, Client, Server, ChecksumPolicy.Verify, out var s, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(40000, s.SourcePort);
        Assert.Equal(80, s.DestinationPort);
        Assert.Equal(0x01020304u, s.SequenceNumber);
        Assert.Equal(0u, s.AcknowledgmentNumber);
        Assert.Equal(40, s.HeaderLength);
        Assert.Equal(TcpFlags.Syn, s.Flags);
        Assert.Equal(64240, s.Window);
        Assert.Equal(0xddfa, s.Checksum);
        Assert.Equal(0, s.UrgentPointer);
        Assert.True(s.Payload.IsEmpty);

        var reader = s.ReadOptions();
        Assert.True(reader.MoveNext());
        Assert.Equal(TcpOptionKind.MaxSegmentSize, reader.Current.Kind);
        Assert.Equal(1460, reader.Current.MaxSegmentSize);
        Assert.True(reader.MoveNext());
        Assert.Equal(TcpOptionKind.SackPermitted, reader.Current.Kind);
        Assert.Equal(2, reader.Current.Length);
        Assert.True(reader.MoveNext());
        Assert.Equal(new TcpTimestamps(123456, 0), reader.Current.Timestamps);
        Assert.True(reader.MoveNext());
        Assert.Equal(TcpOptionKind.NoOperation, reader.Current.Kind);
        Assert.True(reader.MoveNext());
        Assert.Equal(7, reader.Current.WindowScale);
        Assert.False(reader.MoveNext());
        Assert.Equal(WireError.None, reader.Error);
    }

    [Fact]
    public void The_representation_answers_option_questions()
    {
        Assert.True(TcpHeader.TryParse(Syn, Client, Server, ChecksumPolicy.Verify, out var h, out int used, out _));
        Assert.Equal(40, used);
        Assert.Equal((ushort)1460, h.MaxSegmentSize);
        Assert.Equal((byte)7, h.WindowScale);
        Assert.True(h.SackPermitted);
        Assert.Equal(new TcpTimestamps(123456, 0), h.Timestamps);

        Assert.True(TcpHeader.TryParse(EveryFlag, out var bare, out _, out _));
        Assert.Null(bare.MaxSegmentSize);
        Assert.Null(bare.WindowScale);
        Assert.False(bare.SackPermitted);
        Assert.Null(bare.Timestamps);
    }

    [Fact]
    public void Deconstructs_sack_blocks_timestamps_and_payload()
    {
        Assert.True(TcpSegment.TryCreate(SackAck, Server, Client, ChecksumPolicy.Verify, out var s, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(52, s.HeaderLength);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, s.Flags);
        Assert.Equal(0x01020305u, s.AcknowledgmentNumber);
        Assert.Equal("GET / HTTP/1.0\r\n\r\n", System.Text.Encoding.ASCII.GetString(s.Payload));
        var kinds = new List<TcpOptionKind>();
        var blocks = new List<TcpSackBlock>();
        foreach (var option in s.ReadOptions())
        {
            kinds.Add(option.Kind);
            if (option.Kind == TcpOptionKind.Sack)
                for (int i = 0; i < option.SackBlockCount; i++) blocks.Add(option.GetSackBlock(i));
        }
        Assert.Equal([TcpOptionKind.NoOperation, TcpOptionKind.NoOperation, TcpOptionKind.Timestamps,
                      TcpOptionKind.NoOperation, TcpOptionKind.NoOperation, TcpOptionKind.Sack], kinds);
        Assert.Equal([new TcpSackBlock(5000, 6000), new TcpSackBlock(7000, 8000)], blocks);
    }

    [Fact]
    public void Deconstructs_every_control_bit_and_the_urgent_pointer()
    {
        Assert.True(TcpHeader.TryParse(EveryFlag, Client, Server, ChecksumPolicy.Verify, out var h, out _, out _));
        Assert.Equal(AllFlags, h.Flags);
        Assert.Equal(0x55aa, h.UrgentPointer);
        Assert.Equal(0, h.Window);
    }

    [Fact]
    public void Constructs_the_syn_into_a_poisoned_buffer()
    {
        var writer = new TcpOptionWriter(stackalloc byte[OptionBytes.MaxLength]);
        writer.AddMaxSegmentSize(1460);
        writer.AddSackPermitted();
        writer.AddTimestamps(123456, 0);
        writer.AddNoOperation();
        writer.AddWindowScale(7);
        var h = new TcpHeader(40000, 80, 0x01020304, 0, TcpFlags.Syn, 64240, 0, Options: writer.ToOptionBytes());
        var buffer = Hex.Poisoned(h.Length + 2);
        Assert.Equal(40, h.Emit(buffer, Client, Server));
        Assert.Equal(Hex.Of(Syn) + "a5a5", Hex.Of(buffer));
    }

    [Fact]
    public void Constructs_the_sack_segment_with_its_payload_in_place()
    {
        var writer = new TcpOptionWriter(stackalloc byte[OptionBytes.MaxLength]);
        writer.AddNoOperation();
        writer.AddNoOperation();
        writer.AddTimestamps(7, 123456);
        writer.AddNoOperation();
        writer.AddNoOperation();
        writer.AddSack([new TcpSackBlock(5000, 6000), new TcpSackBlock(7000, 8000)]);
        var payload = "GET / HTTP/1.0\r\n\r\n"u8;
        var h = new TcpHeader(80, 40000, 1000, 0x01020305, TcpFlags.Psh | TcpFlags.Ack, 502, payload.Length, Options: writer.ToOptionBytes());
        var buffer = Hex.Poisoned(h.BufferLength);
        payload.CopyTo(buffer.AsSpan(h.Length));
        Assert.Equal(52, h.Emit(buffer, Server, Client));
        Assert.Equal(Hex.Of(SackAck), Hex.Of(buffer));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Emits_exactly_the_parsed_header(string hex, bool fromClient)
    {
        var (source, destination) = fromClient ? (Client, Server) : (Server, Client);
        var wire = Hex.Bytes(hex);
        Assert.True(TcpHeader.TryParse(wire, source, destination, ChecksumPolicy.Verify, out var h, out int used, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(wire.Length, h.BufferLength);
        var buffer = Hex.Poisoned(h.BufferLength);
        wire.AsSpan(used).CopyTo(buffer.AsSpan(used));
        Assert.Equal(used, h.Emit(buffer, source, destination, ChecksumPolicy.Compute));
        Assert.Equal(hex, Hex.Of(buffer));
    }

    [Fact]
    public void Keeps_an_unknown_option_and_emits_it_again()
    {
        // Kind 30 (MPTCP, RFC 8684) is not decoded here: it is carried as kind, length and data.
        var writer = new TcpOptionWriter(stackalloc byte[OptionBytes.MaxLength]);
        writer.AddOption((TcpOptionKind)30, Hex.Bytes("1081"));
        var h = new TcpHeader(1, 2, 3, 4, TcpFlags.Ack, 5, 0, Options: writer.ToOptionBytes());
        Assert.Equal("1e041081", h.Options.ToString());
        var buffer = new byte[h.BufferLength];
        h.Emit(buffer, Client, Server);
        Assert.True(TcpSegment.TryCreate(buffer, Client, Server, ChecksumPolicy.Verify, out var s, out var e), e.Describe());
        var reader = s.ReadOptions();
        Assert.True(reader.MoveNext());
        Assert.Equal((TcpOptionKind)30, reader.Current.Kind);
        Assert.Equal("1081", Hex.Of(reader.Current.Data));
        Assert.False(reader.MoveNext());
        Assert.True(TcpHeader.TryParse(buffer, out var parsed, out _, out _));
        Assert.Equal(h, parsed);
    }

    [Fact]
    public void Pads_options_with_end_of_option_list()
    {
        var writer = new TcpOptionWriter(Hex.Poisoned(OptionBytes.MaxLength));
        writer.AddWindowScale(14);
        Assert.Equal(3, writer.Length);
        Assert.Equal("03030e00", writer.ToOptionBytes().ToString());
    }

    [Fact]
    public void Random_segments_round_trip()
    {
        var rng = new Random(9293);
        Span<byte> scratch = stackalloc byte[OptionBytes.MaxLength];
        for (int i = 0; i < 300; i++)
        {
            var writer = new TcpOptionWriter(scratch);
            if (rng.Next(2) == 0) writer.AddMaxSegmentSize((ushort)rng.Next(65536));
            if (rng.Next(2) == 0) writer.AddWindowScale((byte)rng.Next(15));
            if (rng.Next(2) == 0) writer.AddTimestamps((uint)rng.Next(), (uint)rng.Next());
            var h = new TcpHeader((ushort)rng.Next(65536), (ushort)rng.Next(65536), (uint)rng.Next(), (uint)rng.Next(),
                (TcpFlags)rng.Next(0x200), (ushort)rng.Next(65536), rng.Next(0, 100), (ushort)rng.Next(65536), writer.ToOptionBytes());
            var buffer = new byte[h.BufferLength];
            rng.NextBytes(buffer.AsSpan(h.Length));
            h.Emit(buffer, Client, Server);
            Assert.True(TcpHeader.TryParse(buffer, Client, Server, ChecksumPolicy.Verify, out var parsed, out int used, out var e), e.Describe());
            Assert.Equal(h, parsed);
            Assert.Equal(h.Length, used);
        }
    }

    [Fact]
    public void Ignores_the_reserved_bits()
    {
        // RFC 9293 sec 3.1: reserved bits must be zero when sent and are ignored on receipt.
        var wire = (byte[])EveryFlag.Clone();
        wire[12] |= 0x0e;
        Assert.True(TcpHeader.TryParse(wire, out var h, out _, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(AllFlags, h.Flags);
    }

    [Fact]
    public void Leaves_the_checksum_zero_when_not_asked_to_compute()
    {
        var buffer = Hex.Poisoned(20);
        new TcpHeader(1, 2, 1, 2, AllFlags, 0, 0, 0x55aa).Emit(buffer, Client, Server, ChecksumPolicy.None);
        Assert.Equal("0000", Hex.Of(buffer.AsSpan(16, 2)));
    }

    [Fact]
    public void Rejects_a_bad_checksum_only_when_verifying()
    {
        var wire = (byte[])SackAck.Clone();
        wire[^1] ^= 0x01;
        Assert.False(TcpHeader.TryParse(wire, Server, Client, ChecksumPolicy.Verify, out var h, out int used, out var e));
        Assert.Equal(WireError.BadChecksum, e);
        Assert.Equal(0, used);
        Assert.Equal(default, h);
        Assert.True(TcpHeader.TryParse(wire, Server, Client, ChecksumPolicy.None, out _, out used, out _));
        Assert.Equal(52, used);
        // The pseudo-header counts: the same bytes sent to another address do not verify.
        Assert.False(TcpHeader.TryParse(SackAck, Server, Ipv4Address.Parse("192.0.2.9"), ChecksumPolicy.Verify, out _, out _, out e));
        Assert.Equal(WireError.BadChecksum, e);
    }

    [Fact]
    public void Rejects_every_truncation_and_consumes_nothing()
    {
        for (int length = 0; length < 40; length++)
        {
            Assert.False(TcpHeader.TryParse(Syn.AsSpan(0, length), out var h, out int used, out var e));
            Assert.Equal(WireError.Truncated, e);
            Assert.Equal(0, used);
            Assert.Equal(default, h);
        }
    }

    [Fact]
    public void Rejects_a_data_offset_below_five()
    {
        var wire = (byte[])EveryFlag.Clone();
        wire[12] = 0x41;
        Assert.False(TcpHeader.TryParse(wire, out _, out int used, out var e));
        Assert.Equal(WireError.BadLength, e);
        Assert.Equal(0, used);
    }

    [Theory]
    [InlineData("0203 05b4")]             // MSS with length 3
    [InlineData("0305 0700")]             // window scale with length 5, past the option area
    [InlineData("0402 0403")]             // SACK-permitted then SACK-permitted with length 3
    [InlineData("050a 00000000 0000")]    // SACK with length 10 in an 8-byte option area
    [InlineData("0508 00000000 0000 0101")] // SACK with length 8: not 2 + 8n
    [InlineData("0808 00000000 0000 0101")] // timestamps with length 8
    [InlineData("1e01 0101")]             // unknown kind with length 1
    [InlineData("0101 011e")]             // unknown kind with no length byte
    public void Rejects_malformed_options_and_consumes_nothing(string options)
    {
        var optionBytes = Hex.Bytes(options);
        var wire = new byte[20 + optionBytes.Length];
        EveryFlag.CopyTo(wire, 0);
        wire[12] = (byte)((wire.Length / 4) << 4);
        optionBytes.CopyTo(wire, 20);
        Assert.False(TcpHeader.TryParse(wire, out var h, out int used, out var e));
        Assert.Equal(WireError.BadOption, e);
        Assert.Equal(0, used);
        Assert.Equal(default, h);
    }

    [Fact]
    public void Accepts_four_sack_blocks_but_not_five()
    {
        Assert.Equal(WireError.None, TcpOptionReader.Validate(Hex.Bytes("0101 0522" + new string('0', 64))));
        Assert.Throws<ArgumentException>(() => new TcpOptionWriter(new byte[OptionBytes.MaxLength]).AddSack(new TcpSackBlock[5]));
        Assert.Throws<ArgumentException>(() => new TcpOptionWriter(new byte[OptionBytes.MaxLength]).AddSack([]));
    }

    [Fact]
    public void Refuses_options_beyond_forty_bytes()
    {
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new TcpOptionWriter(new byte[64]);
            writer.AddTimestamps(1, 2);
            writer.AddTimestamps(3, 4);
            writer.AddTimestamps(5, 6);
            writer.AddTimestamps(7, 8);
            writer.AddMaxSegmentSize(1);
            writer.ToOptionBytes();
        });
    }

    [Fact]
    public void A_typed_accessor_of_another_kind_is_a_caller_error()
    {
        var reader = new TcpOptionReader(Hex.Bytes("020405b4"));
        Assert.True(reader.MoveNext());
        bool threw = false;
        try { _ = reader.Current.WindowScale; }
        catch (InvalidOperationException) { threw = true; }
        Assert.True(threw);
    }
}
