using NetMobility.Scenario;
using NetMobility.Tests.Cli;

namespace NetMobility.Tests.Scenario;

/// <summary>
/// A host emptied of three VMs at once (the failure-warning evacuation): each VM's memory crosses the one WAN on its own
/// page-stream connection, each is registered through the foreign agent before it resumes, and each keeps its session.
/// </summary>
public class EvacuationScenarioTests
{
    [Fact]
    public async Task Three_vms_leave_together_each_registered_and_reachable_with_its_session_whole()
    {
        var options = new ScenarioOptions { MemoryBytes = 2L << 20 };
        var report = await new EvacuationScenario(options, 3).RunAsync();

        Assert.Equal(EvacuationReport.Evacuated, report.Outcome);
        Assert.Equal(3, report.VmCount);
        Assert.Equal(3, report.Vms.Count);
        // The home agent holds one binding per VM, every one to the foreign agent's care-of address.
        Assert.Equal(3, report.Bindings);
        Assert.Equal(3, report.BindingsToCareOf);
        Assert.Equal(3, report.Vms.Select(v => v.Address).Distinct().Count());
        Assert.Equal(3, report.Vms.Select(v => v.Mac).Distinct().Count());
        foreach (var vm in report.Vms)
        {
            Assert.True(vm.DigestVerified, $"{vm.Address}: {vm.DestinationError}");
            Assert.Equal("10.2.0.1", vm.CareOfAddress);
            Assert.NotNull(vm.DowntimeMs);
            Assert.True(vm.DowntimeMs > 0, $"{vm.Address}: downtime {vm.DowntimeMs}");
            // The correspondent's traffic reaches each VM at its new host once it runs, not before.
            Assert.NotNull(vm.ResumeToFirstDeliveredMs);
            Assert.True(vm.ResumeToFirstDeliveredMs >= 0, $"{vm.Address}: first packet {vm.ResumeToFirstDeliveredMs} ms after its resume");
            Assert.True(vm.SessionWhole, $"{vm.Address}: its session lost or reordered octets");
            Assert.True(vm.RequestsCompleted > 0, $"{vm.Address}: no request answered");
        }
        // The host is empty when its last VM runs away, and the worst downtime is one of the VMs'.
        Assert.Equal(report.Vms.Max(v => v.TotalMs), report.TimeToEmptyMs);
        Assert.Equal(report.Vms.Max(v => v.DowntimeMs), report.WorstDowntimeMs);
        Assert.Equal(3, report.PageStreamConnections / Math.Max(1, report.ChannelsPerVm));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("201")]
    [InlineData("many")]
    public void A_bad_vm_count_is_one_line_and_exit_2(string count)
    {
        var result = Netmob.Run("scenario", "run", "--vms", count, "--no-svg");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StandardError.TrimEnd('\n').Split('\n'));
        Assert.Contains("--vms", result.StandardError);
        Assert.Equal("", result.StandardOutput);
    }
}
