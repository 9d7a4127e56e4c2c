using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace NetMobility.Migration.Transports;

/// <summary>Opens migration channels as TCP connections to a destination, optionally under TLS.</summary>
public sealed class TcpChannelConnector(IPEndPoint destination, TlsOptions? tls = null) : IChannelConnector
{
    public async ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken)
    {
        var socket = new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"cannot connect channel {index} to {destination}: {ex.Message}", ex);
        }
        try
        {
            return await TcpChannels.WrapAsync(socket, tls, client: true, cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException ex)
        {
            throw new IOException($"TLS handshake with {destination} failed: {ex.Message}", ex);
        }
    }
}

/// <summary>Takes migration channels as TCP connections, optionally under TLS.</summary>
public sealed class TcpChannelListener : IChannelListener
{
    private readonly Socket _socket;
    private readonly TlsOptions? _tls;

    public TcpChannelListener(IPEndPoint endpoint, TlsOptions? tls = null)
    {
        _tls = tls;
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _socket.Bind(endpoint);
        _socket.Listen(16);
    }

    /// <summary>Where the listener is bound (the port chosen when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public async ValueTask<IMigrationChannel> AcceptAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new IOException($"accepting on {LocalEndPoint}: {ex.Message}", ex);
            }
            accepted.NoDelay = true;
            try
            {
                return await TcpChannels.WrapAsync(accepted, _tls, client: false, cancellationToken).ConfigureAwait(false);
            }
            catch (AuthenticationException)
            {
                // A peer that fails the handshake is not a channel of this migration: wait for the next one.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal static class TcpChannels
{
    public static async Task<IMigrationChannel> WrapAsync(Socket socket, TlsOptions? tls, bool client, CancellationToken cancellationToken)
    {
        string peer = socket.RemoteEndPoint?.ToString() ?? "tcp";
        var network = new NetworkStream(socket, ownsSocket: true);
        if (tls is null) return new StreamChannel(network, peer);
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            if (client) await ssl.AuthenticateAsClientAsync(tls.ClientOptions(), cancellationToken).ConfigureAwait(false);
            else await ssl.AuthenticateAsServerAsync(tls.ServerOptions(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new StreamChannel(ssl, $"tls {peer}");
    }
}
