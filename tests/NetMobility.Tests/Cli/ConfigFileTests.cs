using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Cli;

/// <summary>
/// <c>replay --config</c> reads a bounded amount, as a stream, and a file that is not a configuration is named for
/// what it looks like from its first bytes (a capture passed by mistake is not read whole).
/// </summary>
public sealed class ConfigFileTests : IDisposable
{
    private static readonly string Input = RepositoryFiles.Path("captures", "replay", "home-agent", "in.pcap");
    private readonly string _dir = Directory.CreateTempSubdirectory("netmob-cfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ExternalProcess.Result Replay(string config) => Netmob.Run("replay", Input, "--config", config, "--out", Path.Combine(_dir, "out.pcap"));

    [Fact]
    public void A_pcap_capture_given_as_configuration_is_named_as_one()
    {
        Netmob.AssertRefused(Replay(Input), $"{Input}: this is a pcap capture, not JSON");
    }

    [Fact]
    public void A_pcapng_capture_given_as_configuration_is_named_as_one()
    {
        string capture = RepositoryFiles.Path("captures", "replay", "gre-router", "in.pcapng");
        Netmob.AssertRefused(Replay(capture), $"{capture}: this is a pcapng capture, not JSON");
    }

    [Fact]
    public void An_endless_stream_of_zeros_is_binary_data()
    {
        Netmob.AssertRefused(Replay("/dev/zero"), "/dev/zero: binary data");
    }

    [Fact]
    public void An_endless_text_stream_is_refused_once_it_passes_the_bound()
    {
        // If the whole input were read before parsing, this pipeline would never end.
        string script = $"yes ' ' 2>/dev/null | dotnet '{Netmob.Dll}' replay '{Input}' --config /dev/stdin --out '{_dir}/out.pcap'";
        var result = ExternalProcess.Run("bash", ["-c", script], timeoutSeconds: 90);
        Netmob.AssertRefused(result, "/dev/stdin: larger than 1 MiB");
    }

    [Fact]
    public void A_configuration_with_a_byte_order_mark_is_read()
    {
        string config = Path.Combine(_dir, "bom.json");
        File.WriteAllBytes(config, [0xEF, 0xBB, 0xBF, .. File.ReadAllBytes(RepositoryFiles.Path("captures", "replay", "home-agent", "config.json"))]);
        var result = Replay(config);
        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    [Fact]
    public void A_configuration_that_is_not_utf8_is_named_so()
    {
        string config = Path.Combine(_dir, "latin1.json");
        File.WriteAllBytes(config, [.. "{\"node\": {\"name\": \"r"u8, 0xE9, .. "\"}}"u8]);
        Netmob.AssertRefused(Replay(config), $"{config}: not UTF-8 text: byte 21 does not decode");
    }

    [Fact]
    public void A_directory_given_as_configuration_is_named_as_one()
    {
        Netmob.AssertRefused(Replay(_dir), $"{_dir}: is a directory");
    }
}
