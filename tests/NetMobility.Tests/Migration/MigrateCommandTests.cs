using NetMobility.Cli;
using NetMobility.Migration.Reports;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Migration;

/// <summary>The netmob migrate command, run as a process.</summary>
public class MigrateCommandTests
{
    private static ExternalProcess.Result Netmob(params string[] arguments) =>
        ExternalProcess.Run("dotnet", [typeof(MigrateCommand).Assembly.Location, .. arguments]);

    [Fact]
    public void Run_in_virtual_time_prints_a_json_report_of_a_completed_migration()
    {
        var r = Netmob("migrate", "run", "--memory", "4M", "--workload", "web", "--policy", "qemu-ac", "--link", "100M", "--virtual-time", "--json");
        Assert.True(r.ExitCode == 0, r.StandardError);
        var report = ReportJson.Deserialize(r.StandardOutput);
        Assert.NotNull(report);
        Assert.Equal(NetMobility.Migration.Reports.MigrationOutcome.Completed, report.Outcome);
        Assert.Equal("qemu-ac", report.Policy);
        Assert.Equal(4L << 20, report.MemoryBytes);
        // 4 MiB at 100 Mbit/s: QEMU's check after a batch finds the rest of the first pass fits its 300 ms and switches over.
        Assert.Equal(NetMobility.Migration.Policies.PassRules.StoppedAfterBatch, report.StopReason);
        Assert.InRange(report.Rounds[0].PagesSent, 1, 1023);
        Assert.Equal(2, report.Rounds.Count);
        Assert.Equal(32, report.Digest.Length);
    }

    [Fact]
    public void Run_prints_the_human_summary()
    {
        var r = Netmob("migrate", "run", "--memory", "2M", "--workload", "idle", "--policy", "xen-legacy", "--virtual-time");
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("policy xen-legacy", r.StandardOutput);
        Assert.Contains("round  pages", r.StandardOutput);
        Assert.Contains("downtime", r.StandardOutput);
    }

    [Fact]
    public void Run_over_loopback_tcp_reports_the_downtime_in_parts()
    {
        var r = Netmob("migrate", "run", "--memory", "4M", "--workload", "web", "--loopback", "--json");
        Assert.True(r.ExitCode == 0, r.StandardError);
        var report = ReportJson.Deserialize(r.StandardOutput);
        Assert.NotNull(report);
        Assert.Equal(NetMobility.Migration.Reports.MigrationOutcome.Completed, report.Outcome);
        Assert.StartsWith("tcp 127.0.0.1:", report.Transport);
        var parts = Assert.IsType<SwitchoverReport>(report.Switchover);
        Assert.Equal(report.DowntimeMs, parts.TotalMs, 6);
        Assert.True(parts.ResumeConfirmed);
    }

    [Fact]
    public void Run_over_several_sizes_prints_the_downtime_table_side_by_side()
    {
        var r = Netmob("migrate", "run", "--memory", "2M,4M", "--repeat", "3", "--workload", "web", "--virtual-time");
        Assert.True(r.ExitCode == 0, r.StandardError);
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("downtime in ms", lines[0]);
        Assert.StartsWith("2.0 MiB ", lines[2]);
        Assert.StartsWith("4.0 MiB ", lines[3]);
        Assert.StartsWith("largest over smallest memory, median downtime: ", lines[4]);
        // One progress line per run on stderr.
        Assert.Equal(6, r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData("--repeat", "0", "--repeat: 0 is not from 1 to 100")]
    [InlineData("--memory", "3000", "--memory: 3000 is not a whole number of 4096-byte pages")]
    [InlineData("--policy", "vmware", "--policy: unknown policy 'vmware'")]
    [InlineData("--workload", "games", "--workload: unknown workload 'games'")]
    [InlineData("--link", "fast", "--link: 'fast' is not a bandwidth")]
    public void Bad_options_end_with_one_line_and_exit_code_2(string option, string value, string message)
    {
        var r = Netmob("migrate", "run", option, value, "--virtual-time");
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"netmob: {message}", line);
    }

    [Fact]
    public void Bench_on_a_small_grid_prints_every_row_and_the_goal_summary()
    {
        var r = Netmob("migrate", "bench", "--sizes", "8M", "--links", "100M", "--switchover-ms", "1");
        Assert.True(r.ExitCode == 0, r.StandardError);
        var lines = r.StandardOutput.Split('\n');
        // Table 1 (every baseline) and table 2 (every stop rule on the adaptive encoder), four workloads each.
        Assert.Equal(8, lines.Count(l => l.StartsWith("100 Mbit/s")));
        Assert.Contains(lines, l => l.StartsWith("fixed switchover cost paid by every policy: 1 ms (given)"));
        Assert.Equal(2, lines.Count(l => l.StartsWith("adaptive goals met on 4 rows")));
        Assert.Contains(lines, l => l.StartsWith("64 simulated migrations"));
    }

    [Fact]
    public void Bench_with_the_engine_prints_the_real_engine_under_every_row()
    {
        var r = Netmob("migrate", "bench", "--sizes", "4M", "--links", "1G", "--switchover-ms", "1", "--engine");
        Assert.True(r.ExitCode == 0, r.StandardError);
        var lines = r.StandardOutput.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("1 Gbit/s")) continue;
            // Under each simulated row, the real engine's, with a cell for every policy of the table.
            Assert.StartsWith("  real engine (", lines[i + 1]);
            Assert.Equal(lines[i].Count(c => c == '|'), lines[i + 1].Count(c => c == '|'));
        }
        Assert.Equal(8, lines.Count(l => l.StartsWith("1 Gbit/s")));
        Assert.Equal(8, lines.Count(l => l.StartsWith("  real engine (")));
        Assert.Contains(lines, l => l.StartsWith("64 migrations simulated and run on the real engine in"));
    }

    [Fact]
    public void Bench_with_a_negative_switchover_cost_ends_with_one_line_and_exit_code_2()
    {
        var r = Netmob("migrate", "bench", "--quick", "--switchover-ms", "-1");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("netmob: --switchover-ms: -1 is not from 0 to 10000 ms", r.StandardError.Trim());
        Assert.Equal("", r.StandardOutput);
    }

    [Fact]
    public void Bench_with_an_impossible_channel_count_ends_with_one_line_and_exit_code_2()
    {
        var r = Netmob("migrate", "bench", "--quick", "--channels", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("netmob: --channels: 0 is not from 1 to 64", r.StandardError.Trim());
        Assert.Equal("", r.StandardOutput);
    }
}
