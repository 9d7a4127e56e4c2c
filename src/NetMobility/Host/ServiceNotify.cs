using System.Net.Sockets;
using System.Text;

namespace NetMobility.Host;

/// <summary>
/// The service manager's readiness protocol (systemd's sd_notify, <c>Type=notify</c>): when the environment names a
/// datagram socket in <c>NOTIFY_SOCKET</c> (a path, or an abstract name written with a leading <c>@</c>), state lines
/// such as <c>READY=1</c> and <c>STOPPING=1</c> are sent to it. Without the variable nothing is sent. The lab uses the
/// same protocol to know when a daemon it started serves.
/// </summary>
public static class ServiceNotify
{
    public const string Variable = "NOTIFY_SOCKET";

    /// <summary>Sends <paramref name="state"/> (lines of <c>KEY=VALUE</c>); answers why not when it could not be sent, else null.</summary>
    public static string? Send(string state) => Send(state, Environment.GetEnvironmentVariable(Variable));

    /// <summary>Sends <paramref name="state"/> to the socket <paramref name="socket"/> names (nothing when it is null or empty).</summary>
    public static string? Send(string state, string? socket)
    {
        if (socket is not { Length: > 0 } path) return null;
        if (path[0] == '@') path = "\0" + path[1..];
        try
        {
            using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            sender.SendTo(Encoding.UTF8.GetBytes(state), new UnixDomainSocketEndPoint(path));
            return null;
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            return $"{Variable} {path.TrimStart('\0')}: {e.Message}";
        }
    }
}
