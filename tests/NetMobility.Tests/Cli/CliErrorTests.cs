namespace NetMobility.Tests.Cli;

/// <summary>
/// The netmob program itself, run as a user runs it: every bad input ends with one line on stderr that
/// names what was wrong, exit code 2, and never a stack trace.
/// </summary>
public class CliErrorTests
{
    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["frobnicate"], "'frobnicate'" },
        { ["decode"], "'file'" },
        { ["decode", "/nonexistent/capture.pcap"], "/nonexistent/capture.pcap" },
        { ["decode", RepositoryFiles.Path("README.md")], "unknown magic" },
        { ["migrate", "run", "--memory", "lots"], "--memory" },
        { ["migrate", "run", "--policy", "fastest"], "--policy" },
        { ["lab", "vm", "build", "--out", "/tmp/netmob-vm-out", "--memory-mb", "5"], "--memory-mb" },
        { ["lab", "vm", "measure", "--image", "/nonexistent/image"], "/nonexistent/image" },
        { ["lab", "vm", "measure", "--image", RepositoryFiles.Path("docs")], "guest.json" },
        { ["lab", "vm", "measure", "--image", RepositoryFiles.Path("docs"), "--runs", "0"], "--runs" },
        { ["lab", "vm", "measure", "--image", RepositoryFiles.Path("docs"), "--mode", "fastest"], "fastest" },
        { ["lab", "migrate", "--image", RepositoryFiles.Path("docs"), "--mode", "qemu,kvm"], "'kvm' is not a mode" },
        { ["lab", "migrate", "--image", RepositoryFiles.Path("docs"), "--mode", "qemu,page-engine,qemu"], "'qemu' is given twice" },
        { ["lab", "migrate", "--image", RepositoryFiles.Path("docs"), "--migration-mbit", "0"], "--migration-mbit" },
        { ["lab", "migrate", "--image", RepositoryFiles.Path("docs"), "--in-place", "-1"], "--in-place" },
        { ["lab", "migrate", "--image", RepositoryFiles.Path("docs"), "--in-place", "101"], "--in-place" },
        { ["lab", "migrate", "--image", RepositoryFiles.Path("docs"), "--qemu-multifd", "lz4"], "'lz4' not recognized" },
        { ["replay", RepositoryFiles.Path("captures", "samples", "mobility.pcap"), "--config", RepositoryFiles.Path("README.md"), "--out", "/tmp/netmob-out.pcap"], "README.md" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_naming_it_and_exit_code_2(string[] arguments, string named)
    {
        Netmob.AssertRefused(Netmob.Run(arguments), named);
    }

    /// <summary>Values that pass a plain range check but overflow a time or a size further on.</summary>
    public static TheoryData<string[], string> OverflowingValues => new()
    {
        { ["scenario", "run", "--rate", "1e-12"], "--rate" },
        { ["scenario", "run", "--rate", "1e-300"], "--rate" },
        { ["scenario", "run", "--capture", ""], "--capture" },
        { ["scenario", "run", "--wan", "1e-300"], "--wan" },
        { ["migrate", "run", "--link", "1e-300", "--virtual-time"], "--link" },
        { ["migrate", "run", "--link", "1e300", "--virtual-time"], "--link" },
        { ["migrate", "bench", "--quick", "--links", "1e-300"], "--links" },
    };

    [Theory]
    [MemberData(nameof(OverflowingValues))]
    public void An_option_value_that_would_overflow_is_refused_with_exit_code_2(string[] arguments, string named)
    {
        Netmob.AssertRefused(Netmob.Run(arguments), named);
    }

    /// <summary>A link must carry the memory once within an hour: slower, the migration is a cold copy, and its simulation costs hours of traffic.</summary>
    public static TheoryData<string[], string> LinksTooSlowForTheMemory => new()
    {
        { ["scenario", "run", "--wan", "100K"], "--wan: 100 kbit/s is too slow for 128 MiB of memory: one copy would take 3 h; a live migration needs a link that carries the memory within an hour (299 kbit/s or more)" },
        { ["migrate", "run", "--link", "1K", "--virtual-time"], "--link: 1 kbit/s is too slow for 64 MiB of memory" },
        { ["migrate", "bench", "--sizes", "1G", "--links", "1M,1G"], "--links: 1 Mbit/s is too slow for 1024 MiB of memory" },
    };

    [Theory]
    [MemberData(nameof(LinksTooSlowForTheMemory))]
    public void A_link_too_slow_to_carry_the_memory_within_an_hour_is_refused_with_the_reason(string[] arguments, string message)
    {
        Netmob.AssertRefused(Netmob.Run(arguments), message);
    }

    [Fact]
    public void Decode_of_the_sample_capture_prints_one_object_per_frame()
    {
        var result = Netmob.Run("decode", RepositoryFiles.Path("captures", "samples", "mobility.pcap"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.StandardError);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 20);
        for (int i = 0; i < lines.Length; i++) Assert.StartsWith($"{{\"frame\":{i + 1},", lines[i]);
    }
}
