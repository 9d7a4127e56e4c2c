namespace NetMobility.Tests.Cli;

/// <summary>
/// netmob reads no response files: an argument that starts with <c>@</c> is a name like any other, so a capture
/// called <c>@cap.pcapng</c> can be decoded and <c>@/dev/zero</c> is a file that does not exist, not an endless read.
/// </summary>
public sealed class ResponseFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netmob-at-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_capture_whose_name_starts_with_at_is_decoded()
    {
        File.Copy(RepositoryFiles.Path("captures", "samples", "mobility.pcap"), Path.Combine(_dir, "@cap.pcap"));

        var result = Netmob.RunIn(_dir, "decode", "@cap.pcap");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.StartsWith("{\"frame\":1,", result.StandardOutput);
    }

    [Fact]
    public void An_at_argument_is_not_read_as_a_list_of_arguments()
    {
        Netmob.AssertRefused(Netmob.Run("decode", "@/dev/zero"), "@/dev/zero");
    }

    [Fact]
    public void Replay_takes_input_configuration_and_output_named_with_at()
    {
        string folder = RepositoryFiles.Path("captures", "replay", "home-agent");
        File.Copy(Path.Combine(folder, "in.pcap"), Path.Combine(_dir, "@in.pcap"));
        File.Copy(Path.Combine(folder, "config.json"), Path.Combine(_dir, "@config.json"));

        var result = Netmob.RunIn(_dir, "replay", "@in.pcap", "--config", "@config.json", "--out", "@out.pcap");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.True(new FileInfo(Path.Combine(_dir, "@out.pcap")).Length > 24);
    }
}
