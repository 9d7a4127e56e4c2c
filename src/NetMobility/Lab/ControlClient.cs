using System.Net.Sockets;
using System.Text;

namespace NetMobility.Lab;

/// <summary>Sends one command to a <c>netmob agent</c> daemon's control socket (Host/ControlServer) and reads its answer (one JSON object).</summary>
public static class ControlClient
{
    /// <summary>The longest a <c>watch GENERATION MS</c> request may wait for a change (the daemon refuses more): well inside its 10 s per request.</summary>
    public const int MaxWatchMs = 5000;

    /// <summary>The daemon's answer; a socket no daemon serves, or a silent one, is an <see cref="IOException"/> with one line.</summary>
    public static async Task<string> Ask(string socketPath, string command, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancel.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n"), SocketFlags.None, cancel.Token).ConfigureAwait(false);
            using var answer = new MemoryStream();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token).ConfigureAwait(false);
                if (read == 0) break;
                answer.Write(buffer, 0, read);
            }
            return Encoding.UTF8.GetString(answer.ToArray()).Trim();
        }
        catch (SocketException e)
        {
            throw new IOException($"control socket {socketPath}: {e.Message} (is the daemon running?)");
        }
        catch (OperationCanceledException)
        {
            throw new IOException($"control socket {socketPath}: no answer within {timeout.TotalSeconds:0} s");
        }
    }
}
