using System.Net;
using System.Net.Sockets;
using NetMobility.Lab;
using NetMobility.Lab.Vm;
using NetMobility.Migration.Relay;
using NetMobility.Migration.Transports;
using NetMobility.Tests.Migration.TwoHosts;
using Xunit.Abstractions;

namespace NetMobility.Tests.Lab;

/// <summary>
/// QEMU's own migration carried by the project's relay (<see cref="QemuMigrationMode.QemuRelay"/>) under a TCP session to
/// the guest, with the relay's TCP connection going through a relay the test controls in the guests' namespace: a flipped
/// octet ends the relay, and the guest runs on at the source (the destination QEMU quit, the session carrying on); a
/// connection cut mid-stream is resumed, and the guest arrives; so does QEMU's stream when the relay runs under mutual TLS.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class QemuRelayMigrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = VmLab.Bound;

    /// <summary>Where the fault goes: 20 MB into the relay's forward direction, well inside QEMU's ~90 MB stream of a 128 MiB guest.</summary>
    private const long FaultAt = 20_000_000;

    [Fact]
    public async Task A_relay_that_fails_rolls_the_guest_back_and_a_cut_relay_connection_plain_or_tls_resumes_and_the_guest_arrives()
    {
        VmPrerequisites.Require();
        await using var lab = VmLab.Create();
        try
        {
            await MovesAsync(lab);
        }
        catch
        {
            // A failure here may not come again: the guests' consoles, QEMU's messages and the migration's state, for the record.
            await GuestConsoles.WriteAsync(output, lab);
            throw;
        }
    }

    private async Task MovesAsync(GuestBridge lab)
    {
        var guest = await lab.StartGuestAsync("vm0");
        await guest.WaitForBootAsync(VmLab.BootBound);
        using var echo = await EchoSession.OpenAsync(lab, Bound);

        // 1: one octet flipped on the relay's wire: the receiver refuses the stream, the relay ends, the guest runs on at the source.
        TcpRelay? corrupt = null;
        try
        {
            var refusing = await lab.StartGuestAsync("vm1", incoming: true);
            var refused = await Assert.ThrowsAsync<QemuMigrationRolledBackException>(() => QemuMigration.RunAsync(guest, refusing,
                QemuMigrationMode.QemuRelay, QemuMigrationSeries.MigrationUri, VmLab.BootBound,
                new QemuMigrationOptions { RelayRoute = at => Through(lab, at, TcpRelay.Fault.Corrupt, out corrupt) }));
            output.WriteLine($"flipped octet: {refused.Message}");
            Assert.True(corrupt!.Tripped.IsCompleted);
            Assert.Contains("hypervisor stream relay", refused.Message);
            Assert.DoesNotContain('\n', refused.Message);
            Assert.Equal("running", await guest.QueryStatusAsync());
            // The destination QEMU is gone: it never ran the guest.
            await Assert.ThrowsAsync<LabException>(() => refusing.QueryStatusAsync());
            await echo.WaitForMoreAsync(Bound);
            Assert.Null(echo.Pump.Failure);
            await lab.RetireAsync(refusing);
        }
        finally
        {
            if (corrupt is not null) await corrupt.DisposeAsync();
        }

        // 2: the relay's connection cut mid-stream: the sender reconnects, resumes from the receiver's ack, and the guest arrives.
        TcpRelay? cut = null;
        try
        {
            var destination = await lab.StartGuestAsync("vm2", incoming: true);
            var moved = await QemuMigration.RunAsync(guest, destination, QemuMigrationMode.QemuRelay, QemuMigrationSeries.MigrationUri, VmLab.BootBound,
                new QemuMigrationOptions { RelayRoute = at => Through(lab, at, TcpRelay.Fault.Cut, out cut) });
            var sent = Assert.IsType<RelaySent>(moved.Relay);
            output.WriteLine($"cut at {FaultAt}: {moved.Qemu}; paused {moved.Paused.TotalMilliseconds:0.#} ms, total {moved.Total.TotalMilliseconds:0.#} ms; "
                + $"relay {sent.StreamBytes} octets, {sent.WireBytes} on the wire, {sent.Connections} connections, {sent.ResentBytes} resent");
            Assert.True(cut!.Tripped.IsCompleted);
            Assert.True(moved.Qemu.Completed, moved.Qemu.ToString());
            Assert.Equal(2, sent.Connections);
            Assert.Equal(2, cut.Connections);
            Assert.True(sent.StreamBytes > FaultAt, $"{sent.StreamBytes} octets relayed");
            // What went again is what the receiver had not acknowledged when the connection went: at most the window.
            Assert.InRange(sent.ResentBytes, 0, new QemuMigrationOptions().Relay.WindowBytes);
            Assert.Equal("postmigrate", await guest.QueryStatusAsync());
            Assert.Equal("running", await destination.QueryStatusAsync());
            await WaitForEchoAsync(echo, destination);
            await lab.RetireAsync(guest);
            guest = destination;
        }
        finally
        {
            if (cut is not null) await cut.DisposeAsync();
        }
        // Every byte of the session came back, in order, across both moves.
        await echo.StopAsync();

        // 3: the same cut with the relay under mutual TLS: the sender's second connection is a new TLS session, and the
        // stream resumes inside it; the relay in between sees only ciphertext. What the relay answers for is checked here:
        // QEMU's stream arrived whole through TLS and the cut, and the destination loaded it and resumed the guest
        // (RunAsync waits for its RESUME). The guest's session after this third QEMU migration of the same TCG guest is
        // not: QEMU's own migration under TCG leaves pages stale now and then, with no relay in the way
        // (tools/lab/qemu-ram-check.sh, docs/lab-vm.md), and in 3 of 8 runs the guest hung or died right after this move
        // (a soft lockup in virtnet_poll_tx on a TX queue lock nobody holds, or the session closed).
        TcpRelay? cutTls = null;
        try
        {
            var destination = await lab.StartGuestAsync("vm3", incoming: true);
            var tls = TlsOptions.PreSharedKey(TlsOptions.CreateSelfSigned());
            var moved = await QemuMigration.RunAsync(guest, destination, QemuMigrationMode.QemuRelay, QemuMigrationSeries.MigrationUri, VmLab.BootBound,
                new QemuMigrationOptions { RelayTls = tls, RelayRoute = at => Through(lab, at, TcpRelay.Fault.Cut, out cutTls) });
            var sent = Assert.IsType<RelaySent>(moved.Relay);
            output.WriteLine($"cut at {FaultAt} under TLS: {moved.Qemu}; paused {moved.Paused.TotalMilliseconds:0.#} ms, total {moved.Total.TotalMilliseconds:0.#} ms; "
                + $"relay {sent.StreamBytes} octets, {sent.WireBytes} on the wire, {sent.Connections} connections, {sent.ResentBytes} resent");
            Assert.True(cutTls!.Tripped.IsCompleted);
            Assert.True(moved.Qemu.Completed, moved.Qemu.ToString());
            Assert.Equal(2, sent.Connections);
            Assert.Equal(2, cutTls.Connections);
            Assert.InRange(sent.ResentBytes, 0, new QemuMigrationOptions().Relay.WindowBytes);
            Assert.Equal("postmigrate", await guest.QueryStatusAsync());
            await lab.RetireAsync(guest);
        }
        finally
        {
            if (cutTls is not null) await cutTls.DisposeAsync();
        }
    }

    /// <summary>Waits for the echo to go on after a move; when it does not, prints the guest's last console lines first.</summary>
    private async Task WaitForEchoAsync(EchoSession echo, QemuGuest guest)
    {
        try
        {
            await echo.WaitForMoreAsync(Bound);
        }
        catch (TimeoutException)
        {
            output.WriteLine($"the echo did not go on ({echo.Pump.Verified} bytes checked, failure: {echo.Pump.Failure ?? "none"}); {guest}: "
                + $"QEMU {await guest.QueryStatusAsync()}; its console's last lines:");
            foreach (string line in guest.Console.Split('\n').TakeLast(40)) output.WriteLine($"console: {line}");
            throw;
        }
    }

    /// <summary>A relay with <paramref name="fault"/> in the guests' namespace, in front of the receiver at <paramref name="receiver"/>; answers where the sender connects.</summary>
    private static IPEndPoint Through(GuestBridge lab, IPEndPoint receiver, TcpRelay.Fault fault, out TcpRelay? relay)
    {
        string netns = lab.Namespace.Name;
        var made = NetnsScope.Run(netns, () => new TcpRelay(receiver.Port, fault, FaultAt,
            () => NetnsScope.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))));
        relay = made;
        return new IPEndPoint(IPAddress.Loopback, made.Port);
    }
}
