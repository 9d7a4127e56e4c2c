using System.CommandLine;
using System.Text.Json;
using NetMobility.Capture;
using NetMobility.Dissect;

namespace NetMobility.Cli;

/// <summary><c>netmob decode FILE</c>: one JSON object per frame, fields named as Wireshark's display filters.</summary>
public static class DecodeCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "a pcap or pcapng capture (Ethernet or raw IPv4)" };
        var command = new Command("decode", "Decode a capture to NDJSON, one object per frame, fields named as Wireshark's display-filter fields");
        command.Arguments.Add(file);
        command.SetAction(parse => StandardOutput.Run(stdout => Run(parse.GetValue(file)!.FullName, stdout)));
        return command;
    }

    /// <summary>Set on a frame whose record holds more bytes than the capture's snap length: decoded all the same.</summary>
    public const string SnapLengthExceeded = "snaplen_exceeded";

    /// <summary>Decodes <paramref name="path"/> to <paramref name="output"/>; a fault in the file ends the run with exit code 2 after the frames before it.</summary>
    public static int Run(string path, Stream output)
    {
        if (!CaptureReader.TryOpen(path, out var reader, out var openError))
            throw new UserInputException(openError.Message);
        using (reader)
        {
            var fields = new FieldList();
            using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
            long frame = 0;
            while (true)
            {
                var result = reader.TryRead(out var record);
                if (result == CaptureReadResult.End) break;
                if (result == CaptureReadResult.Error)
                {
                    json.Flush();
                    output.Flush();
                    throw new UserInputException(reader.Error!.Message);
                }
                frame++;
                fields.Clear();
                if (record.ExceedsSnapLength) fields.Add(SnapLengthExceeded, true);
                FrameDissector.Dissect(record.Data.Span, record.LinkType, fields);
                fields.WriteJson(json, frame);
                json.Flush();
                json.Reset();
                output.WriteByte((byte)'\n');
            }
            output.Flush();
        }
        return 0;
    }
}
