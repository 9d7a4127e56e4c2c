using System.Net.Sockets;
using NetMobility.Lab;
using NetMobility.Lab.Vm;

namespace NetMobility.Tests.Lab;

/// <summary>
/// A TCP session to the guest's echo server that the lab namespace's kernel holds (socat between a Unix socket in the
/// lab's files and the guest's echo port), kept busy across migrations by an <see cref="EchoPump"/> that checks every
/// byte that comes back.
/// </summary>
internal sealed class EchoSession : IDisposable
{
    private readonly LabProcess _socat;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pumping;

    private EchoSession(LabProcess socat, Socket socket)
    {
        (_socat, _socket) = (socat, socket);
        Pump = new EchoPump(socket);
        _pumping = Pump.RunAsync(_stop.Token);
    }

    public EchoPump Pump { get; }

    /// <summary>Opens the session to the guest in <paramref name="lab"/> and waits until its first 64 KiB came back.</summary>
    public static async Task<EchoSession> OpenAsync(GuestBridge lab, TimeSpan bound)
    {
        string path = Path.Combine(lab.Files, "session.sock");
        var socat = lab.Namespace.Start("socat", "-d", "-d", $"UNIX-LISTEN:{path}", $"TCP:{VmLab.GuestAddress}:{GuestInit.EchoPort}");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socat.WaitForOutputAsync("listening on", bound);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
            await socat.WaitForOutputAsync("starting data transfer loop", bound);
        }
        catch
        {
            socket.Dispose();
            socat.Dispose();
            throw;
        }
        var session = new EchoSession(socat, socket);
        await session.Pump.WaitForBytesAsync(64 << 10, bound);
        return session;
    }

    /// <summary>Waits until 128 KiB more than so far came back checked: the guest answers wherever it runs now.</summary>
    public Task WaitForMoreAsync(TimeSpan bound) => Pump.WaitForBytesAsync(Pump.Verified + (128 << 10), bound);

    /// <summary>Stops the pump; every byte sent came back in order, none lost or changed.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _pumping;
        Assert.Null(Pump.Failure);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _socat.Dispose();
        _stop.Dispose();
    }
}
