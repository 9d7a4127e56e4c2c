using NetMobility.Tests.Capture;
using NetMobility.Tests.Interop;
using CaptureFrames = NetMobility.Tests.Capture.TestFrames;

namespace NetMobility.Tests.Cli;

/// <summary><c>netmob decode</c> run as a user runs it: on a directory, into a pipe that closes, on records past the snap length.</summary>
public sealed class DecodeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netmob-decode-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Decode_of_a_directory_says_it_is_a_directory()
    {
        Netmob.AssertRefused(Netmob.Run("decode", _dir), $"{_dir}: is a directory");
    }

    [Fact]
    public void Decode_stops_when_the_reader_of_its_output_has_gone()
    {
        // An endless capture: if decode read on after head exits, the pipeline would never end.
        File.WriteAllBytes(Path.Combine(_dir, "header"), CaptureBytes.PcapHeader(false, false, 65535, 1));
        File.WriteAllBytes(Path.Combine(_dir, "record"), CaptureBytes.PcapRecord(false, 1, 0, CaptureFrames.ArpRequest));
        string script = $"cd '{_dir}' && (cat header; while cat record; do :; done) | dotnet '{Netmob.Dll}' decode /dev/stdin 2>stderr | head -n 3; echo \"${{PIPESTATUS[1]}}\" > status";

        var result = ExternalProcess.Run("bash", ["-c", script], timeoutSeconds: 90);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(3, result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("0", File.ReadAllText(Path.Combine(_dir, "status")).Trim());
        Assert.Equal("", File.ReadAllText(Path.Combine(_dir, "stderr")));
    }

    [Fact]
    public void A_record_longer_than_the_snap_length_is_decoded_and_flagged()
    {
        string path = Path.Combine(_dir, "short-snaplen.pcap");
        File.WriteAllBytes(path, CaptureBytes.Concat(
            CaptureBytes.PcapHeader(false, false, 41, 1),                      // snaplen 41
            CaptureBytes.PcapRecord(false, 1, 0, CaptureFrames.ArpRequest),    // 42 bytes captured
            CaptureBytes.PcapRecord(false, 2, 0, CaptureFrames.ArpRequest[..40])));

        var result = Netmob.Run("decode", path);

        Assert.True(result.ExitCode == 0, result.StandardError);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"frame\":1,\"snaplen_exceeded\":true,\"eth.dst\":", lines[0]);
        Assert.Contains("\"arp.opcode\":1", lines[0]);
        Assert.DoesNotContain("snaplen_exceeded", lines[1]);
    }
}
