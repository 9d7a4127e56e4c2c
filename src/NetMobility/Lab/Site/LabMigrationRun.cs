using System.Net;
using System.Net.Sockets;
using System.Text;
using NetMobility.Lab.Vm;

namespace NetMobility.Lab.Site;

/// <summary>
/// <c>netmob lab migrate</c>: brings a lab up with the <c>bridge</c> attachment and the WAN asked for, boots a QEMU guest
/// at the home host, starts the correspondent's traffic (<see cref="CorrespondentTraffic"/>), migrates the guest back and
/// forth between the home and the foreign host <see cref="LabMigrationOptions.Count"/> times (<see cref="LabGuest"/>),
/// one row per migration, then pauses it in place as a control (<see cref="LabMigrationOptions.InPlacePauses"/>), and
/// takes the lab down again whatever happened.
/// </summary>
public static class LabMigrationRun
{
    private const long EchoAfterMove = 64 * 1024;

    public static async Task<LabMigrationReport> RunAsync(LabMigrationOptions options, NetmobCommand netmob, Action<string>? progress = null, Action<LabMigrationRow>? onRow = null, Action<LabPauseRow>? onPause = null)
    {
        if (options.Count < 1) throw new LabException($"count {options.Count}: give at least 1");
        var image = GuestImage.Load(options.ImageDirectory);
        var spec = new LabSpec
        {
            Name = options.Name,
            StateRoot = options.StateRoot,
            Vm = VmAttachment.Bridge,
            Wan = new WanSpec { DelayMs = options.WanDelayMs, LossPercent = options.WanLossPercent },
        };
        var lab = await LabSite.Up(spec, netmob, progress).ConfigureAwait(false);
        try
        {
            if (options.MigrationMbit is double mbit)
            {
                foreach (var host in new[] { lab.HomeHost, lab.ForeignHost }) NetNamespace.Existing(host).Shape(lab.MigrationLink, mbit * 1e6);
                progress?.Invoke($"migration link {lab.MigrationLink} shaped to {mbit:0.###} Mbit/s each way");
            }
            // One move away and back before the guest boots: the daemons' first registration (code compiled on first use,
            // ARP, the tunnel made) is then not part of the first migration's handover.
            await LabMove.ToAsync(lab.Socket("home"), lab.Socket("foreign"), LabSiteName.Foreign).ConfigureAwait(false);
            await LabMove.ToAsync(lab.Socket("home"), lab.Socket("foreign"), LabSiteName.Home).ConfigureAwait(false);
            await using var guest = await LabGuest.BootAsync(lab, image, options.Modes, options.MemoryMb, options.Bound,
                options.EngineInProcess ? null : [netmob.Program, .. netmob.With()], options.MigrationMbit * 1e6).ConfigureAwait(false);
            guest.QemuFeatures = options.QemuFeatures;
            progress?.Invoke($"guest booted at the home host ({options.MemoryMb} MiB, mode {options.ModeNames})");
            var correspondent = NetNamespace.Existing(lab.Correspondent);
            if (options.Workload == LabWorkload.Memory) await SetWriteRateAsync(lab.Correspondent, options.WriteMbPerSecond, options.Bound).ConfigureAwait(false);
            var rows = new List<LabMigrationRow>();
            var inPlace = new List<LabPauseRow>();
            var traffic = await CorrespondentTraffic.StartAsync(correspondent, LabAddresses.VmAddress, options.Workload == LabWorkload.Http).ConfigureAwait(false);
            try
            {
                if (!await traffic.WaitForEchoAsync(EchoAfterMove, options.Bound).ConfigureAwait(false))
                    throw new LabException($"the correspondent's echo stream did not start: {string.Join("; ", traffic.Failures)}");
                await Task.Delay(options.Settle).ConfigureAwait(false);
                for (int i = 1; i <= options.Count; i++)
                {
                    long timeouts = CorrespondentTraffic.TcpTimeouts(correspondent);
                    var move = await guest.MigrateAsync(options.ModeOf(i)).ConfigureAwait(false);
                    if (!await traffic.WaitForEchoAsync(EchoAfterMove, options.Bound).ConfigureAwait(false))
                    {
                        string? console = guest.KeepConsole();
                        throw new LabException($"migration {i}: the echo stream did not go on at the {LabMigrationRow.Name(move.To)} host within {options.Bound.TotalSeconds:0} s "
                            + $"({await guest.DescribeAsync().ConfigureAwait(false)}): {string.Join("; ", traffic.Failures.Take(3))}"
                            + (console is null ? "" : $"; the guest's console is kept in {console}"));
                    }
                    // The "after" window's samples: traffic at the new place, undisturbed.
                    await Task.Delay(options.Settle).ConfigureAwait(false);
                    timeouts = CorrespondentTraffic.TcpTimeouts(correspondent) - timeouts;
                    var row = LabMigrationRow.Of(i, move, guest.FirstCorrespondentPacket(move.To), traffic, options.Settle, timeouts);
                    rows.Add(row);
                    onRow?.Invoke(row);
                }
                var pause = TimeSpan.FromMilliseconds(Math.Round(LabMigrationReport.MedianOf(rows, r => r.PausedMs) ?? 0));
                for (int i = 1; i <= options.InPlacePauses; i++)
                {
                    long timeouts = CorrespondentTraffic.TcpTimeouts(correspondent);
                    var (stopped, resumed) = await guest.PauseInPlaceAsync(pause).ConfigureAwait(false);
                    if (!await traffic.WaitForEchoAsync(EchoAfterMove, options.Bound).ConfigureAwait(false))
                        throw new LabException($"pause in place {i}: the echo stream did not go on within {options.Bound.TotalSeconds:0} s: {string.Join("; ", traffic.Failures.Take(3))}");
                    await Task.Delay(options.Settle).ConfigureAwait(false);
                    timeouts = CorrespondentTraffic.TcpTimeouts(correspondent) - timeouts;
                    var row = LabPauseRow.Of(i, guest.Site, stopped, resumed, traffic, options.Settle, timeouts);
                    inPlace.Add(row);
                    onPause?.Invoke(row);
                }
            }
            finally
            {
                await traffic.DisposeAsync().ConfigureAwait(false);
            }
            return new LabMigrationReport(options.ModeNames, options.Workload.ToString().ToLowerInvariant(), options.MemoryMb, options.WanDelayMs, options.WanLossPercent,
                rows, traffic.EchoBytes, traffic.Http.Count, traffic.Failures)
            {
                MigrationMbit = options.MigrationMbit, EngineProcesses = !options.EngineInProcess, InPlace = inPlace,
                QemuFeatures = options.QemuFeatures.Describe(),
            };
        }
        finally
        {
            await LabSite.Down(spec.StateDirectory).ConfigureAwait(false);
        }
    }

    /// <summary>Asks the guest's memory writer (from the correspondent) to rewrite <paramref name="mib"/> MiB a second.</summary>
    private static async Task SetWriteRateAsync(string correspondent, int mib, TimeSpan bound)
    {
        using var socket = NetnsScope.Run(correspondent, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var cancel = new CancellationTokenSource(bound);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(LabAddresses.VmAddress), GuestInit.WriterPort), cancel.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"{mib}\n"), SocketFlags.None, cancel.Token).ConfigureAwait(false);
            var buffer = new byte[256];
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token).ConfigureAwait(false);
            string answer = Encoding.ASCII.GetString(buffer, 0, n).Trim();
            if (answer != $"write-rate {mib}") throw new LabException($"the guest's memory writer answered '{answer}'");
        }
        catch (SocketException e)
        {
            throw new LabException($"the guest's memory writer (port {GuestInit.WriterPort}) cannot be reached ({e.SocketErrorCode}): rebuild the image with 'netmob lab vm build'");
        }
    }
}
