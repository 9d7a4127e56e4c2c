using NetMobility.Replay;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Replay;

/// <summary>
/// Every case under captures/replay (built by captures/replay/make.py with scapy): the input goes through
/// <see cref="Replayer.Run"/>, the code path of <c>netmob replay</c>, and what comes out must be the expected
/// capture frame by frame: same interface, link type, time to the nanosecond and bytes. tshark must read the
/// output without a malformed frame or an expert warning.
/// </summary>
public class ReplayCaseTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(RepositoryFiles.Path("captures", "replay")).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Replaying_the_input_gives_the_expected_capture(string name)
    {
        string folder = RepositoryFiles.Path("captures", "replay", name);
        string input = Directory.GetFiles(folder, "in.*").Single();
        string expected = Directory.GetFiles(folder, "expected.*").Single();
        string output = Path.Combine(Directory.CreateTempSubdirectory("netmob-replay-").FullName, "out" + Path.GetExtension(expected));

        var summary = Replayer.Run(input, Path.Combine(folder, "config.json"), output, MobilityRoles.AddTo(new ReplayRoles()));

        var want = CapturedFrame.ReadAll(expected);
        var got = CapturedFrame.ReadAll(output);
        Assert.Equal(CapturedFrame.ReadAll(input).Count, summary.FramesIn);
        for (int i = 0; i < Math.Min(want.Count, got.Count); i++)
            Assert.True(want[i] == got[i], $"frame {i + 1} differs:\n expected {want[i]}\n got      {got[i]}");
        Assert.Equal(want.Count, got.Count);
        Assert.Empty(Tshark.Problems(output));
    }

    [Fact]
    public void Every_case_has_its_three_files_and_the_generator_is_there()
    {
        Assert.True(File.Exists(RepositoryFiles.Path("captures", "replay", "make.py")));
        var folders = Directory.GetDirectories(RepositoryFiles.Path("captures", "replay"));
        Assert.True(folders.Length >= 8);
        foreach (var folder in folders)
        {
            Assert.Single(Directory.GetFiles(folder, "in.*"));
            Assert.Single(Directory.GetFiles(folder, "expected.*"));
            Assert.True(File.Exists(Path.Combine(folder, "config.json")), folder);
        }
    }
}
