using NetMobility.Migration.PageStream;

namespace NetMobility.Tests.Migration.PageStream;

public class RecordFrameTests
{
    // Vectors built by hand from docs/page-stream.md; CRC-32C from a bitwise reference implementation
    // of the RFC 3720 sec 12.1 polynomial (0x82F63B78 reflected) in Python.
    private const string AckOf5 = "81 00 0000 00000008 8ccf3467 0000000000000005";
    private const string EndOfRound2With300 = "03 00 0000 00000008 e7850eaf 00000002 0000012c";
    private const string Header64MiB = "01 00 0000 00000028 f57acdb2 4e4d5053 0003 0000 00001000 0000000004000000 00 02 0000 000102030405060708090a0b0c0d0e0f";

    [Fact]
    public void Ack_record_emits_the_vector()
    {
        var buffer = Hex.Poisoned(RecordFrame.HeaderLength + Ack.Length);
        new Ack(5).Emit(buffer.AsSpan(RecordFrame.HeaderLength));
        RecordFrame.Emit(buffer, RecordType.Ack, buffer.AsSpan(RecordFrame.HeaderLength));
        Assert.Equal(Hex.Of(Hex.Bytes(AckOf5)), Hex.Of(buffer));
    }

    [Fact]
    public void End_of_round_record_parses_from_the_vector()
    {
        var bytes = Hex.Bytes(EndOfRound2With300);
        Assert.True(RecordFrame.TryParse(bytes, RecordFrame.MaxPayloadLength, out var frame, out int consumed, out var error));
        Assert.Equal(PageStreamError.None, error);
        Assert.Equal(RecordFrame.HeaderLength, consumed);
        Assert.Equal(RecordType.EndOfRound, frame.Type);
        Assert.Equal(8, frame.PayloadLength);
        Assert.True(frame.Verifies(bytes.AsSpan(RecordFrame.HeaderLength)));
        Assert.True(EndOfRound.TryParse(bytes.AsSpan(RecordFrame.HeaderLength), out var record, out _));
        Assert.Equal(new EndOfRound(2, 300), record);
    }

    [Fact]
    public void Stream_header_round_trips_through_the_vector()
    {
        var token = new Guid(Hex.Bytes("000102030405060708090a0b0c0d0e0f"), bigEndian: true);
        var header = new StreamHeader(64L << 20, 0, 2, token, Resume: false);
        var buffer = Hex.Poisoned(RecordFrame.HeaderLength + StreamHeader.Length);
        Assert.Equal(StreamHeader.Length, header.Emit(buffer.AsSpan(RecordFrame.HeaderLength)));
        RecordFrame.Emit(buffer, RecordType.StreamHeader, buffer.AsSpan(RecordFrame.HeaderLength));
        Assert.Equal(Hex.Of(Hex.Bytes(Header64MiB)), Hex.Of(buffer));

        Assert.True(StreamHeader.TryParse(buffer.AsSpan(RecordFrame.HeaderLength), out var parsed, out var error));
        Assert.Equal(PageStreamError.None, error);
        Assert.Equal(header, parsed);
        Assert.Equal(16384, parsed.PageCount);
    }

    [Fact]
    public void A_flipped_bit_fails_the_checksum()
    {
        var bytes = Hex.Bytes(AckOf5);
        bytes[^1] ^= 0x01;
        Assert.True(RecordFrame.TryParse(bytes, RecordFrame.MaxPayloadLength, out var frame, out _, out _));
        Assert.False(frame.Verifies(bytes.AsSpan(RecordFrame.HeaderLength)));
    }

    [Fact]
    public void Short_header_is_truncated_and_consumes_nothing()
    {
        var bytes = Hex.Bytes(AckOf5)[..11];
        Assert.False(RecordFrame.TryParse(bytes, RecordFrame.MaxPayloadLength, out _, out int consumed, out var error));
        Assert.Equal(PageStreamError.Truncated, error);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void Length_past_the_frame_limit_is_oversize()
    {
        var bytes = Hex.Bytes("02 00 0000 00100001 00000000");
        Assert.False(RecordFrame.TryParse(bytes, RecordFrame.MaxPayloadLength, out _, out int consumed, out var error));
        Assert.Equal(PageStreamError.Oversize, error);
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData("81 01 0000 00000008 00000000")]
    [InlineData("81 00 0100 00000008 00000000")]
    public void Reserved_bits_set_are_refused(string hex)
    {
        Assert.False(RecordFrame.TryParse(Hex.Bytes(hex), RecordFrame.MaxPayloadLength, out _, out int consumed, out var error));
        Assert.Equal(PageStreamError.BadLength, error);
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData("4e4d5054 0003 0000 00001000 0000000004000000 00 02 0000 000102030405060708090a0b0c0d0e0f", PageStreamError.BadMagic)]
    [InlineData("4e4d5053 0001 0000 00001000 0000000004000000 00 02 0000 000102030405060708090a0b0c0d0e0f", PageStreamError.BadVersion)]
    [InlineData("4e4d5053 0002 0000 00001000 0000000004000000 00 02 0000 000102030405060708090a0b0c0d0e0f", PageStreamError.BadVersion)] // device state in one record
    [InlineData("4e4d5053 0004 0000 00001000 0000000004000000 00 02 0000 000102030405060708090a0b0c0d0e0f", PageStreamError.BadVersion)]
    [InlineData("4e4d5053 0003 0000 00002000 0000000004000000 00 02 0000 000102030405060708090a0b0c0d0e0f", PageStreamError.Unsupported)]
    [InlineData("4e4d5053 0003 0000 00001000 0000000004000001 00 02 0000 000102030405060708090a0b0c0d0e0f", PageStreamError.BadLength)]
    [InlineData("4e4d5053 0003 0000 00001000 0000000000000000 00 02 0000 000102030405060708090a0b0c0d0e0f", PageStreamError.BadLength)]
    [InlineData("4e4d5053 0003 0000 00001000 0000000004000000 02 02 0000 000102030405060708090a0b0c0d0e0f", PageStreamError.BadLength)]
    [InlineData("4e4d5053 0003 0002 00001000 0000000004000000 00 02 0000 000102030405060708090a0b0c0d0e0f", PageStreamError.BadLength)]
    [InlineData("4e4d5053 0003 0000 00001000 0000000004000000 00 02 0000 000102030405060708090a0b0c0d0e", PageStreamError.BadLength)]
    public void Bad_stream_headers_name_their_fault(string hex, PageStreamError expected)
    {
        Assert.False(StreamHeader.TryParse(Hex.Bytes(hex), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Error_record_round_trips_and_cuts_long_messages_at_a_character()
    {
        var record = new ErrorRecord(PageStreamError.DigestMismatch, new string('é', 600));
        var buffer = Hex.Poisoned(record.Length);
        Assert.Equal(buffer.Length, record.Emit(buffer));
        Assert.Equal(2 + ErrorRecord.MaxMessageLength, buffer.Length);
        Assert.True(ErrorRecord.TryParse(buffer, out var parsed, out _));
        Assert.Equal(PageStreamError.DigestMismatch, parsed.Code);
        Assert.Equal(new string('é', 512), parsed.Message);
    }

    [Theory]
    // Code 21 is the destination refusing the image (docs/page-stream.md sec 4.3); 0x7fff is no code this reader knows.
    [InlineData("0015 6e6f20726f6f6d", PageStreamError.ImageRefused, "image refused by the destination")]
    [InlineData("7fff 6e6f20726f6f6d", (PageStreamError)0x7fff, "unknown error")]
    public void Error_records_carry_their_code_and_one_from_a_newer_peer_is_an_unknown_error(string hex, PageStreamError code, string described)
    {
        Assert.True(ErrorRecord.TryParse(Hex.Bytes(hex), out var parsed, out var error));
        Assert.Equal(PageStreamError.None, error);
        Assert.Equal(code, parsed.Code);
        Assert.Equal("no room", parsed.Message);
        Assert.Equal(described, parsed.Code.Describe());
    }

    [Fact]
    public void An_error_record_with_code_0_is_refused()
    {
        Assert.False(ErrorRecord.TryParse(Hex.Bytes("0000 6e6f"), out _, out var error));
        Assert.Equal(PageStreamError.BadLength, error);
    }

    [Fact]
    public void End_of_stream_round_trips_its_digest()
    {
        var digest = ImageDigest.Read(Hex.Bytes("e3b0c44298fc1c149afbf4c8996fb924"));
        var buffer = Hex.Poisoned(EndOfStream.Length);
        new EndOfStream(7, digest).Emit(buffer);
        Assert.Equal("00000007e3b0c44298fc1c149afbf4c8996fb924", Hex.Of(buffer));
        Assert.True(EndOfStream.TryParse(buffer, out var parsed, out _));
        Assert.Equal(digest, parsed.Digest);
        Assert.Equal(7u, parsed.FinalRound);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb924", digest.ToString());
    }

    [Fact]
    public void Ready_and_resumed_carry_the_destination_times_in_nanoseconds()
    {
        var digest = ImageDigest.Read(Hex.Bytes("000102030405060708090a0b0c0d0e0f"));
        var buffer = Hex.Poisoned(Ready.Length);
        new Ready(digest, 1_500).Emit(buffer);
        Assert.Equal("000102030405060708090a0b0c0d0e0f00000000000005dc", Hex.Of(buffer));
        Assert.True(Ready.TryParse(buffer, out var ready, out _));
        Assert.Equal(digest, ready.Digest);
        Assert.Equal(TimeSpan.FromTicks(15), ready.VerifyTime);
        Assert.False(Ready.TryParse(buffer.AsSpan(0, ImageDigest.Length), out _, out var shortError));
        Assert.Equal(PageStreamError.BadLength, shortError);

        var resumed = Hex.Poisoned(Resumed.Length);
        new Resumed(250_000).Emit(resumed);
        Assert.Equal("000000000003d090", Hex.Of(resumed));
        Assert.True(Resumed.TryParse(resumed, out var back, out _));
        Assert.Equal(TimeSpan.FromMilliseconds(0.25), back.ResumeTime);
        Assert.False(Resumed.TryParse(resumed.AsSpan(1), out _, out var error));
        Assert.Equal(PageStreamError.BadLength, error);
    }
}
