using System.Diagnostics;
using NetMobility.Lab;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Lab;

[Collection(LabCollection.Name)]
public sealed class NetNamespaceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void Failures_are_one_line_lab_exceptions_naming_the_command_and_the_cause()
    {
        LabPrerequisites.Require();
        using var space = NetNamespace.Create("nmlab");

        var noDevice = Assert.Throws<LabException>(() => space.AddAddress("nosuchdev0", "10.0.0.1/24"));
        Assert.StartsWith($"ip -n {space.Name} address add 10.0.0.1/24 dev nosuchdev0: ", noDevice.Message);
        Assert.DoesNotContain('\n', noDevice.Message);

        var failed = Assert.Throws<LabException>(() => space.RunChecked(Bound, "false"));
        Assert.Equal($"false in {space.Name} exited with 1: exit code 1", failed.Message);

        var missing = Assert.Throws<LabException>(() => space.RunChecked(Bound, "nm-no-such-program"));
        Assert.StartsWith($"nm-no-such-program in {space.Name} exited with ", missing.Message);
        Assert.Contains("No such file or directory", missing.Message);
    }

    [Fact]
    public async Task A_program_that_exits_without_printing_what_is_awaited_fails_the_wait_at_once()
    {
        LabPrerequisites.Require();
        using var space = NetNamespace.Create("nmlab");
        using var quiet = space.Start("echo", "something else");

        var e = await Assert.ThrowsAsync<LabException>(() => quiet.WaitForOutputAsync("listening on", Bound));
        Assert.Equal($"echo something else in {space.Name} exited with 0 before printing 'listening on': something else", e.Message);
    }

    [Fact]
    public void Dispose_kills_what_was_started_inside_and_deletes_the_namespace()
    {
        LabPrerequisites.Require();
        var space = NetNamespace.Create("nmlab");
        Assert.Matches("^nmlab-[0-9a-f]{6}$", space.Name);
        Assert.Contains(space.Name, ExternalProcess.RunChecked("ip", ["netns", "list"]));
        // A program that would outlive the test by far: the namespace's disposal must end it.
        var started = space.Start("sleep", "600");
        int id = started.Id;

        space.Dispose();
        space.Dispose();

        Assert.Throws<ArgumentException>(() => Process.GetProcessById(id));
        Assert.DoesNotContain(space.Name, ExternalProcess.RunChecked("ip", ["netns", "list"]));
    }
}
