using System.Net.Sockets;
using System.Text;

namespace NetMobility.Lab;

/// <summary>
/// The receiving end of the service manager's readiness protocol (sd_notify): a datagram socket at a path, handed to a
/// daemon in its <c>NOTIFY_SOCKET</c> variable; <see cref="WaitAsync"/> completes when the daemon says <c>READY=1</c>.
/// </summary>
public sealed class ReadyNotice : IDisposable
{
    private readonly Socket _socket;

    private ReadyNotice(string path, Socket socket)
    {
        Path = path;
        _socket = socket;
    }

    /// <summary>The socket's path: the value of <c>NOTIFY_SOCKET</c> for the daemon.</summary>
    public string Path { get; }

    public static ReadyNotice Listen(string path)
    {
        File.Delete(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            return new ReadyNotice(path, socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new LabException($"readiness socket {path}: {e.Message}");
        }
    }

    /// <summary>
    /// Completes at the first datagram with a <c>READY=1</c> line (others, such as <c>STATUS=</c> alone, are read past);
    /// answers the last <c>STATUS=</c> text seen up to then, or null.
    /// </summary>
    public async Task<string?> WaitAsync(CancellationToken cancel)
    {
        var buffer = new byte[4096];
        string? status = null;
        while (true)
        {
            int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancel).ConfigureAwait(false);
            bool ready = false;
            foreach (var raw in Encoding.UTF8.GetString(buffer, 0, n).Split('\n'))
            {
                string line = raw.Trim();
                if (line == "READY=1") ready = true;
                else if (line.StartsWith("STATUS=", StringComparison.Ordinal)) status = line["STATUS=".Length..];
            }
            if (ready) return status;
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
    }
}
