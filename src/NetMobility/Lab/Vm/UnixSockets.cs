using System.Net.Sockets;

namespace NetMobility.Lab.Vm;

/// <summary>The Unix sockets QEMU's migration streams go through (<c>migrate unix:PATH</c>, <c>migrate-incoming unix:PATH</c>); failures are one-line <see cref="LabException"/>s.</summary>
internal static class UnixSockets
{
    /// <summary>A path too long for a Unix socket is refused before anything listens (sockaddr_un holds 108 octets with the terminating zero).</summary>
    public static string CheckPath(string path) =>
        System.Text.Encoding.UTF8.GetByteCount(path) <= 107 ? path : throw new LabException($"{path}: too long for a Unix socket");

    /// <summary>Listens at <paramref name="path"/> (a stale socket file there is replaced) for the source QEMU's stream.</summary>
    public static Socket Listen(string path)
    {
        CheckPath(path);
        File.Delete(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(1);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new LabException($"{path}: cannot listen for the source QEMU's stream: {ex.Message}");
        }
    }

    /// <summary>Connects to the incoming migration socket a destination QEMU (<paramref name="who"/>) listens on.</summary>
    public static async Task<Socket> ConnectAsync(string path, string who, TimeSpan timeout)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(timeout).ConfigureAwait(false);
            return socket;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            socket.Dispose();
            throw new LabException($"{who}: cannot connect to its incoming migration socket {path}: {ex.Message}");
        }
    }
}
