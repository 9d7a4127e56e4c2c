using System.Text.Json;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Cli;

/// <summary>
/// <c>netmob scenario run</c> says what happened and its exit code agrees: moved and reachable (0), stayed home (1),
/// moved but unreachable (3). On a lossy WAN the VM's registration is retransmitted with backoff until it gets
/// through or the lifetime it asked for has passed; the report names the link the page stream used.
/// </summary>
public class ScenarioOutcomeTests
{
    private static (ExternalProcess.Result Result, JsonElement Report) Run(params string[] options)
    {
        var result = Netmob.Run(["scenario", "run", "--memory", "4M", "--bulk", "1M", "--json", "--no-svg", .. options]);
        ScenarioOutputTests.AssertOnlyProgress(result.StandardError);
        return (result, JsonDocument.Parse(result.StandardOutput).RootElement);
    }

    [Fact]
    public void On_a_lossy_wan_the_registration_is_retried_until_it_gets_through()
    {
        var (result, report) = Run("--loss", "0.3", "--seed", "1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("moved and reachable", report.GetProperty("outcome").GetString());
        Assert.True(report.GetProperty("registrationRequests").GetInt64() > 1, "the first request or its reply was lost: it went again");
        Assert.True(report.GetProperty("homeAgent").GetProperty("accepted").GetInt64() >= 1);
        Assert.Equal("10.2.0.1", report.GetProperty("binding").GetProperty("careOfAddress").GetString());
        Assert.True(report.GetProperty("keptAddress").GetBoolean());
    }

    [Fact]
    public void A_vm_whose_registration_never_gets_through_is_moved_but_unreachable_with_a_non_zero_exit()
    {
        // Each request and its reply cross a WAN leg that keeps 1 frame in 200: no registration of about forty gets through.
        var (result, report) = Run("--loss", "0.995", "--seed", "1");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("moved but unreachable", report.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("binding").ValueKind);
        // Retransmissions with a doubling timeout (capped at 16 s) for the 600 s lifetime asked for: about forty.
        Assert.Equal(600_000, report.GetProperty("registrationWaitMs").GetDouble());
        Assert.InRange(report.GetProperty("registrationRequests").GetInt64(), 30, 60);

        var text = Netmob.Run("scenario", "run", "--memory", "4M", "--bulk", "1M", "--loss", "0.995", "--seed", "1", "--no-svg").StandardOutput;
        Assert.EndsWith(": moved but unreachable", text.Split('\n')[0]);
        Assert.Contains("unreachable: the VM runs at the destination, but no registration was accepted in the 600 s", text);
        Assert.Contains("binding: none: the home agent has no care-of address for 10.1.0.42", text);
        Assert.DoesNotContain("the VM is at home", text);
    }

    [Fact]
    public void A_failed_migration_stays_home_with_exit_code_1()
    {
        var (result, report) = Run("--fail-verification");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("stayed home", report.GetProperty("outcome").GetString());
    }

    [Fact]
    public void The_report_says_which_link_the_page_stream_used()
    {
        var text = Netmob.Run("scenario", "run", "--memory", "4M", "--bulk", "1M", "--loss", "0.1", "--seed", "2", "--no-svg").StandardOutput;
        Assert.Contains("page stream: a path of its own with the WAN bandwidth (100 Mbit/s) and latency (20 ms), one TCP connection per channel; "
            + "the WAN loss and reordering are left to TCP below the page stream and not simulated on it", text);
    }
}
