using NetMobility.Cli;
using NetMobility.Lab.Site;
using NetMobility.Lab.Vm;

namespace NetMobility.Tests.Lab;

/// <summary>
/// <c>netmob lab migrate --mode</c> with several modes: they take turns on one guest, each moving it there and back, and
/// each mode's medians are held against QEMU's own migration's in the same run. No QEMU here: the turns, the parsing
/// and the ratios.
/// </summary>
public class LabMigrationModesTests
{
    [Fact]
    public void Modes_take_turns_there_and_back_each()
    {
        var options = new LabMigrationOptions { ImageDirectory = "/unused", Modes = [QemuMigrationMode.Qemu, QemuMigrationMode.PageEngine, QemuMigrationMode.QemuRelay] };
        var turns = Enumerable.Range(1, 8).Select(i => options.ModeOf(i).Name()).ToArray();
        Assert.Equal(["qemu", "qemu", "engine", "engine", "qemu-relay", "qemu-relay", "qemu", "qemu"], turns);
        Assert.Equal("qemu+engine+qemu-relay", options.ModeNames);
    }

    [Fact]
    public void A_mode_list_is_read_in_order_and_all_means_the_four()
    {
        Assert.Equal([QemuMigrationMode.PageEngine, QemuMigrationMode.Qemu], LabMigrateCommand.ParseModes("page-engine, qemu"));
        Assert.Equal([QemuMigrationMode.Qemu, QemuMigrationMode.SharedFileCopy, QemuMigrationMode.PageEngine, QemuMigrationMode.QemuRelay], LabMigrateCommand.ParseModes("all"));
        Assert.Equal("--mode: '' is not a mode (qemu, shared-file, page-engine, qemu-relay, several comma-separated, or all)",
            Assert.Throws<UserInputException>(() => LabMigrateCommand.ParseModes("qemu,")).Message);
    }

    [Fact]
    public void Each_mode_is_held_against_qemu_by_its_medians()
    {
        LabMigrationRow Row(int index, string mode, double paused, double total, long bytes) => new(index, mode, "home", "foreign",
            5, null, paused, total, 0, bytes, 0, 0, -10, -10, -10, 300, 100, 1, 2, 3, 1, 10, 20, 30, 10, 0);
        var report = new LabMigrationReport("qemu+engine", "idle", 128, 5, 0,
        [
            Row(1, "qemu", 200, 1000, 90_000_000), Row(2, "qemu", 180, 800, 92_000_000), Row(3, "qemu", 100, 900, 94_000_000),
            Row(4, "engine", 60, 1100, 50_000_000), Row(5, "engine", 50, 900, 46_000_000),
        ], 0, 0, []);
        Assert.Equal(["qemu", "engine"], report.ByMode.Select(g => g.Key));
        // qemu's medians: pause 180, total 900, bytes 92 MB; the engine's: 55, 1000, 48 MB.
        Assert.Equal(55.0 / 180, report.RatioToQemu("engine", r => r.PausedMs)!.Value, 12);
        Assert.Equal(1000.0 / 900, report.RatioToQemu("engine", r => r.TotalMs)!.Value, 12);
        Assert.Equal(48.0 / 92, report.RatioToQemu("engine", r => r.Bytes)!.Value, 12);
        Assert.Null(report.RatioToQemu("engine", r => r.EngineDowntimeMs));
        Assert.Null(report.RatioToQemu("shared-file", r => r.PausedMs));
    }
}
