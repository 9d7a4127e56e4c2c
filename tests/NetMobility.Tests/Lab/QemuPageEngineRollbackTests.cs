using System.Diagnostics;
using NetMobility.Lab.Vm;
using NetMobility.Migration.Reports;
using Xunit.Abstractions;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The page engine's mode fails safe: a migration that fails before commit (a page corrupted at the destination, so the
/// digest refuses; the destination QEMU killed before QEMU moves the device state) leaves the guest running at the source,
/// its TCP session carrying on, and the guest can still move afterwards.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class QemuPageEngineRollbackTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = VmLab.Bound;

    [Fact]
    public async Task A_failed_page_engine_migration_resumes_the_guest_at_the_source_and_its_tcp_session_carries_on()
    {
        VmPrerequisites.Require();
        await using var lab = VmLab.Create();
        string Ram(int index) => $"/dev/shm/{lab.Namespace.Name}-{index}";
        try
        {
            var guest = await lab.StartGuestAsync("vm0", sharedMemoryPath: Ram(0));
            await guest.WaitForBootAsync(VmLab.BootBound);
            using var echo = await EchoSession.OpenAsync(lab, Bound);

            // 1: every page the destination applies is corrupted: its digest does not match, it refuses, the source resumes.
            var corrupted = await lab.StartGuestAsync("vm1", incoming: true, sharedMemoryPath: Ram(1));
            var refused = await Assert.ThrowsAsync<QemuMigrationRolledBackException>(() => QemuMigration.RunAsync(guest, corrupted,
                QemuMigrationMode.PageEngine, QemuMigrationSeries.MigrationUri, VmLab.BootBound,
                new QemuMigrationOptions { AfterPageApplied = (_, page) => page[0] ^= 0xFF }));
            output.WriteLine($"corrupted pages: {refused.Message}");
            var report = Assert.IsType<MigrationReport>(refused.Report);
            Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
            Assert.Contains("digest", report.Error);
            await AssertRunsOnAsync(guest, echo);
            await lab.RetireAsync(corrupted);

            // 2: the destination QEMU dies just before QEMU's device state would go: QEMU's migration fails, the source resumes.
            var killed = await lab.StartGuestAsync("vm2", incoming: true, sharedMemoryPath: Ram(2));
            var lost = await Assert.ThrowsAsync<QemuMigrationRolledBackException>(() => QemuMigration.RunAsync(guest, killed,
                QemuMigrationMode.PageEngine, QemuMigrationSeries.MigrationUri, VmLab.BootBound,
                new QemuMigrationOptions { BeforeDeviceState = () => Process.GetProcessById(killed.ProcessId).Kill() }));
            output.WriteLine($"destination killed: {lost.Message}");
            Assert.Equal(MigrationOutcome.RolledBack, Assert.IsType<MigrationReport>(lost.Report).Outcome);
            await AssertRunsOnAsync(guest, echo);
            await lab.RetireAsync(killed);

            // 3: and it still moves.
            var destination = await lab.StartGuestAsync("vm3", incoming: true, sharedMemoryPath: Ram(3));
            var moved = await QemuMigration.RunAsync(guest, destination, QemuMigrationMode.PageEngine, QemuMigrationSeries.MigrationUri, VmLab.BootBound);
            Assert.True(moved.Engine!.Completed, moved.Engine.Error);
            Assert.Equal("running", await destination.QueryStatusAsync());
            await echo.WaitForMoreAsync(Bound);
            await echo.StopAsync();
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

    private static async Task AssertRunsOnAsync(QemuGuest guest, EchoSession echo)
    {
        Assert.Equal("running", await guest.QueryStatusAsync());
        await echo.WaitForMoreAsync(Bound);
        Assert.Null(echo.Pump.Failure);
    }
}
