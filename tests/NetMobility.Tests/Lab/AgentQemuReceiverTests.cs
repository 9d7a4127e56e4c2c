using System.Globalization;
using System.Text.RegularExpressions;
using NetMobility.Lab;
using NetMobility.Migration.Reports;
using NetMobility.Tests.Migration.TwoHosts;
using Xunit.Abstractions;
using static NetMobility.Tests.Lab.AgentLab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The agent daemon's migration receiver with a QEMU target (<c>migration.qemu</c>): it waits, saying so, until a QEMU
/// serves its monitor at the QMP path and waits for a guest (<c>-incoming defer</c>), takes one <c>netmob migrate send
/// --qemu</c> into it (pages in place into its RAM file, QEMU's device state loaded before ready, <c>cont</c> on commit),
/// with a TCP session to the guest carried across, and then waits for the next QEMU (the one that took the guest runs).
/// </summary>
[Collection(LabCollection.Name)]
public sealed partial class AgentQemuReceiverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan GuestBound = VmLab.Bound;

    [Fact]
    public async Task A_daemon_takes_a_guest_into_the_qemu_waiting_at_its_qmp_socket()
    {
        VmPrerequisites.Require();
        await using var lab = VmLab.Create();
        string Ram(int index) => $"/dev/shm/{lab.Namespace.Name}-d{index}";
        var files = Directory.CreateTempSubdirectory("nmaq-");
        try
        {
            var source = await lab.StartGuestAsync("vm0", sharedMemoryPath: Ram(0));
            await source.WaitForBootAsync(VmLab.BootBound);
            using var echo = await EchoSession.OpenAsync(lab, GuestBound);

            // The daemon is told where the destination QEMU will serve its monitor before that QEMU exists.
            string qmp = Path.Combine(lab.Files, "vm1.ctl");
            string control = Path.Combine(files.FullName, "d.sock");
            string config = Path.Combine(files.FullName, "d.json");
            File.WriteAllText(config, $$$"""
                {"node": {"name": "d", "interfaces": [{"name": "lan", "mac": "02:4e:4d:09:00:01", "address": "10.9.0.1/24", "link": {"segment": "lan"}}]},
                 "migration": {"listen": "127.0.0.1:0", "idleTimeoutSeconds": 30,
                               "qemu": {"qmp": "{{{qmp}}}", "ram": "{{{Ram(1)}}}", "socket": "{{{Path.Combine(files.FullName, "in.sock")}}}"}},
                 "control": "{{{control}}}"}
                """);
            using var daemon = StartAgent(config);
            await daemon.WaitForOutputAsync("node d started", Bound);
            await daemon.WaitForOutputAsync($"waiting for a QEMU at {qmp}", Bound);
            Assert.StartsWith($"waiting for a QEMU at {qmp}", Status(control).GetProperty("migration").GetProperty("qemu").GetString());
            string port = ListeningPort().Match(daemon.Output).Groups[1].Value;
            Assert.NotEqual("", port);

            var destination = await lab.StartGuestAsync("vm1", incoming: true, sharedMemoryPath: Ram(1));
            Assert.Equal(qmp, destination.ControlSocket);
            await daemon.WaitForOutputAsync($"QEMU at {qmp} waits for a guest", GuestBound);

            using (var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{port}", "--qemu", source.ControlSocket, "--ram", Ram(0), "--json"))
            {
                var (sent, json) = await sender.ExitAsync(GuestBound);
                output.WriteLine($"sender exit {sent}: {sender.StandardError}");
                Assert.Equal(0, sent);
                var report = Assert.IsType<MigrationReport>(ReportJson.Deserialize(json));
                Assert.True(report.Completed, report.Error);
                Assert.True(report.Switchover!.ResumeConfirmed);
                Assert.InRange(report.DeviceStateBytes, 1, 4 << 20);
            }
            await daemon.WaitForOutputAsync("migration 1 committed", GuestBound);
            var receiver = (await WaitForStatus(control, s => s.GetProperty("migration").GetProperty("committed").GetInt32() == 1, "one migration committed")).GetProperty("migration");
            Assert.Contains("the guest runs in QEMU", receiver.GetProperty("last").GetString());
            Assert.Equal("running", await destination.QueryStatusAsync());
            Assert.Equal("postmigrate", await source.QueryStatusAsync());
            await echo.WaitForMoreAsync(GuestBound);
            Assert.Null(echo.Pump.Failure);

            // The QEMU that took the guest runs it: no destination for the next migration, and the daemon says so.
            await daemon.WaitForOutputAsync("QEMU there is running, not waiting for a migration", GuestBound);
            await echo.StopAsync();

            CommandRunner.Run("kill", ["-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture)], Bound);
            Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(5)));
            Assert.DoesNotContain("Exception", daemon.Output);
        }
        catch
        {
            // A failure here may not come again: the guests' consoles, QEMU's messages and the migration's state, for the record.
            await GuestConsoles.WriteAsync(output, lab);
            throw;
        }
        finally
        {
            files.Delete(recursive: true);
            File.Delete(Ram(0));
            File.Delete(Ram(1));
        }
    }

    [GeneratedRegex(@"migration receiver listening on tcp 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningPort();
}
