using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NetMobility.Cli;

/// <summary>ADDR:PORT and HOST:PORT arguments ("127.0.0.1:7000", "[::1]:7000", "dest.lab:7000").</summary>
internal static class Endpoints
{
    /// <summary>An address to listen on: an IP address (not a name) and a port, 0 for any free one.</summary>
    public static IPEndPoint ParseListen(string text, string option) =>
        IPEndPoint.TryParse(text, out var endpoint) && text.Contains(':', StringComparison.Ordinal) && HasPort(text)
            ? endpoint
            : throw new UserInputException($"{option}: '{text}' is not an address and port (127.0.0.1:7000, [::1]:7000)");

    /// <summary>A host (address or name, resolved here) and a port from 1 to 65535.</summary>
    public static IPEndPoint ResolveConnect(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new UserInputException($"{option}: '{text}' is not a host and port (10.0.0.2:7000, dest.lab:7000)");
        string host = text[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address)) return new IPEndPoint(address, port);
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return chosen is null ? throw new UserInputException($"{option}: '{host}' has no address") : new IPEndPoint(chosen, port);
        }
        catch (SocketException ex)
        {
            throw new UserInputException($"{option}: cannot resolve '{host}': {ex.Message}");
        }
    }

    private static bool HasPort(string text)
    {
        int colon = text.LastIndexOf(':');
        return colon > 0 && colon < text.Length - 1 && text[(colon + 1)..].All(char.IsAsciiDigit) && !text.EndsWith(']');
    }
}
