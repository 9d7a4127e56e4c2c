using System.Diagnostics;
using NetMobility.Lab.Vm;
using NetMobility.Migration;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Reports;
using NetMobility.Tests.Migration.TwoHosts;
using Xunit.Abstractions;

namespace NetMobility.Tests.Lab;

/// <summary>
/// <c>netmob migrate send --qemu</c> and <c>netmob migrate receive --qemu</c> as two processes moving a real guest between two
/// QEMUs (RAM on shared files, each QEMU serving a second QMP monitor at <see cref="QemuGuest.ControlSocket"/>), with a TCP
/// session to the guest's echo server carried across; before that, a QEMU in the wrong state refused by each command, a
/// receiver given a RAM file of another size refusing the stream before the guest stops, and a destination QEMU killed
/// before the move (the device state cannot be loaded): each time the guest runs on at the source.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class QemuMigrateCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = VmLab.Bound;

    [Fact]
    public async Task A_guest_moves_between_two_qemus_by_migrate_send_and_receive_processes_and_its_tcp_session_carries_on()
    {
        VmPrerequisites.Require();
        await using var lab = VmLab.Create();
        string Ram(int index) => $"/dev/shm/{lab.Namespace.Name}-{index}";
        try
        {
            var source = await lab.StartGuestAsync("vm0", sharedMemoryPath: Ram(0));
            await source.WaitForBootAsync(VmLab.BootBound);
            using var echo = await EchoSession.OpenAsync(lab, Bound);
            var waiting = await lab.StartGuestAsync("vm1", incoming: true, sharedMemoryPath: Ram(1));

            // A QEMU that runs is no destination, and one waiting for a migration is no source: each is refused, untouched.
            var (code, stderr) = await RunAsync("migrate", "receive", "--listen", "127.0.0.1:0", "--qemu", source.ControlSocket, "--ram", Ram(0));
            Assert.Equal(2, code);
            Assert.Equal($"netmob: --qemu {source.ControlSocket}: QEMU is not waiting for a migration (it says running; start it with -incoming defer)", OneLine(stderr));
            (code, stderr) = await RunAsync("migrate", "send", "--to", "127.0.0.1:1", "--qemu", waiting.ControlSocket, "--ram", Ram(1));
            Assert.Equal(2, code);
            Assert.Equal($"netmob: --qemu {waiting.ControlSocket}: the guest is not running (QEMU says inmigrate)", OneLine(stderr));
            Assert.Equal("running", await source.QueryStatusAsync());
            Assert.Equal("inmigrate", await waiting.QueryStatusAsync());

            // A receiver given a RAM file of another size than the guest's refuses the stream at its header: the sender ends
            // with one line and the guest never stopped.
            string small = Path.Combine(lab.Files, "small.ram");
            using (var file = File.Create(small)) file.SetLength(64 << 20);
            using (var receiver = NetmobProcess.Start("migrate", "receive", "--listen", "127.0.0.1:0", "--qemu", waiting.ControlSocket, "--ram", small, "--json"))
            {
                int port = await receiver.ListeningPortAsync();
                using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{port}", "--qemu", source.ControlSocket, "--ram", Ram(0), "--json");
                var (sent, _) = await sender.ExitAsync(Bound);
                var (received, _) = await receiver.ExitAsync(Bound);
                output.WriteLine($"wrong RAM size: sender exit {sent}: {sender.StandardError}; receiver exit {received}: {receiver.StandardError}");
                string refusal = $"the stream's image is {(long)lab.Image.MemoryMb << 20} octets but the RAM file {small} holds {64 << 20}";
                Assert.Equal(2, sent);
                Assert.Equal($"netmob: the destination refused the image: {refusal}; the VM stays here", OneLine(sender.StandardError));
                Assert.Equal(2, received);
                Assert.Equal($"netmob: migration refused, the VM stays at the source: {refusal}", LastLine(receiver.StandardError));
                Assert.DoesNotContain("Exception", receiver.StandardError);
            }
            Assert.Equal("running", await source.QueryStatusAsync());
            await echo.WaitForMoreAsync(Bound);
            Assert.Null(echo.Pump.Failure);
            await lab.RetireAsync(waiting);

            // The destination QEMU dies once the receiver has set it up: the pages go and are verified, the device state cannot
            // be loaded, the receiver refuses, and the sender, which had paused the guest, resumes it here (exit 1).
            var doomed = await lab.StartGuestAsync("vm2", incoming: true, sharedMemoryPath: Ram(2));
            using (var receiver = NetmobProcess.Start("migrate", "receive", "--listen", "127.0.0.1:0", "--qemu", doomed.ControlSocket, "--ram", Ram(2), "--json"))
            {
                int port = await receiver.ListeningPortAsync();
                using (var qemu = Process.GetProcessById(doomed.ProcessId))
                {
                    qemu.Kill();
                    await qemu.WaitForExitAsync().WaitAsync(Bound);
                }
                using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{port}", "--qemu", source.ControlSocket, "--ram", Ram(0), "--json");
                var (sent, sentJson) = await sender.ExitAsync(Bound);
                var (received, _) = await receiver.ExitAsync(Bound);
                output.WriteLine($"destination QEMU killed: sender exit {sent}: {sender.StandardError}\nreceiver exit {received}: {receiver.StandardError}");
                Assert.Equal(1, sent);
                Assert.StartsWith($"netmob: migration to 127.0.0.1:{port} failed, the VM resumed here: ", LastLine(sender.StandardError));
                Assert.DoesNotContain("Exception", sender.StandardError);
                var rolledBack = Assert.IsType<MigrationReport>(ReportJson.Deserialize(sentJson));
                Assert.Equal(MigrationOutcome.RolledBack, rolledBack.Outcome);
                Assert.Equal(2, received);
                Assert.StartsWith("netmob: migration refused, the VM stays at the source: ", LastLine(receiver.StandardError));
                Assert.DoesNotContain("Exception", receiver.StandardError);
            }
            Assert.Equal("running", await source.QueryStatusAsync());
            var resumed = Stopwatch.StartNew();
            await echo.WaitForMoreAsync(Bound);
            output.WriteLine($"after the rollback: echo came back in {resumed.ElapsedMilliseconds} ms");
            Assert.Null(echo.Pump.Failure);
            await lab.RetireAsync(doomed);

            // The move.
            var destination = await lab.StartGuestAsync("vm3", incoming: true, sharedMemoryPath: Ram(3));
            MigrationReport report;
            ReceiveReport taken;
            using (var receiver = NetmobProcess.Start("migrate", "receive", "--listen", "127.0.0.1:0", "--qemu", destination.ControlSocket, "--ram", Ram(3), "--json"))
            {
                int port = await receiver.ListeningPortAsync();
                using var sender = NetmobProcess.Start("migrate", "send", "--to", $"127.0.0.1:{port}", "--qemu", source.ControlSocket, "--ram", Ram(0), "--json");
                var (sent, sentJson) = await sender.ExitAsync(Bound);
                var (received, receivedJson) = await receiver.ExitAsync(Bound);
                output.WriteLine($"sender exit {sent}, stderr: {sender.StandardError}\n{sentJson}receiver exit {received}, stderr: {receiver.StandardError}\n{receivedJson}");
                Assert.Equal(0, sent);
                Assert.Equal(0, received);
                report = Assert.IsType<MigrationReport>(ReportJson.Deserialize(sentJson));
                taken = Assert.IsType<ReceiveReport>(ReportJson.DeserializeReceive(receivedJson));
            }
            Assert.True(report.Completed, report.Error);
            Assert.Equal((long)lab.Image.MemoryMb << 20, report.MemoryBytes);
            // QEMU's device state (x-ignore-shared: no RAM) went in the page stream, a few hundred KB.
            Assert.InRange(report.DeviceStateBytes, 1, 4 << 20);
            Assert.True(report.Switchover!.ResumeConfirmed);
            Assert.True(taken.Committed, taken.Error);
            Assert.Equal(report.Digest, taken.Digest);
            Assert.Equal(report.DeviceStateBytes, taken.DeviceStateBytes);

            Assert.Equal("running", await destination.QueryStatusAsync());
            Assert.Equal("postmigrate", await source.QueryStatusAsync());
            // The source's RAM as it stopped (its QEMU stays in postmigrate, so the file no longer changes) is what the
            // destination verified, and what its QEMU now runs on.
            using (var stopped = MemoryImage.MapShared(Ram(0), writable: false))
                Assert.Equal(report.Digest, PageDigestTable.Compute(stopped).ToString());
            var moved = Stopwatch.StartNew();
            // Bound, not a tighter goal: in 6 of about 55 runs on a loaded machine the session stood still for 54-107 s here
            // (the bridge had the guest's MAC on the new QEMU's port and the guest retransmitted, but the namespace's kernel
            // took none of it until then; docs/lab-vm.md). The time it took is in the output.
            await echo.WaitForMoreAsync(Bound);
            output.WriteLine($"after the move: echo came back in {moved.ElapsedMilliseconds} ms");
            await echo.StopAsync();
            output.WriteLine($"moved {report.MemoryBytes >> 20} MiB in {report.Rounds.Count} rounds, downtime {report.DowntimeMs:0.0} ms, device state {report.DeviceStateBytes} B, "
                + $"{report.WireBytes} B on the wire; longest echo wait {echo.Pump.LongestWait.TotalMilliseconds:0} ms");
        }
        catch
        {
            // A failure here may not come again: the guests' consoles, QEMU's messages and the migration's state, for the record.
            await GuestConsoles.WriteAsync(output, lab);
            throw;
        }
        finally
        {
            for (int i = 0; i <= 3; i++) File.Delete(Ram(i));
        }
    }

    private static async Task<(int ExitCode, string StandardError)> RunAsync(params string[] arguments)
    {
        using var process = NetmobProcess.Start(arguments);
        var (code, _) = await process.ExitAsync(Bound);
        return (code, process.StandardError);
    }

    /// <summary>The one line on stderr (a stack trace would be more: the processes run with NETMOB_TRACE=1).</summary>
    private static string LastLine(string stderr) => stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];

    private static string OneLine(string stderr) => Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
}
