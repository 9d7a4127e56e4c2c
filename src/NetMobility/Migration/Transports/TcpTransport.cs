using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace NetMobility.Migration.Transports;

/// <summary>
/// Opens migration channels as TCP connections to a destination, optionally under TLS. The connection and the TLS
/// handshake together are bounded by <paramref name="connectTimeout"/> (30 s when not given): an unreachable host
/// fails within it.
/// </summary>
public sealed class TcpChannelConnector(IPEndPoint destination, TlsOptions? tls = null, TimeSpan? connectTimeout = null) : IChannelConnector
{
    public TimeSpan ConnectTimeout { get; } = connectTimeout ?? TimeSpan.FromSeconds(30);

    /// <summary>Makes each connection's socket (a lab makes it inside a network namespace); a plain TCP socket when null.</summary>
    public Func<AddressFamily, Socket>? OpenSocket { get; init; }

    public async ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(ConnectTimeout);
        var socket = OpenSocket?.Invoke(destination.AddressFamily) ?? new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            await socket.ConnectAsync(destination, bound.Token).ConfigureAwait(false);
            return await TcpChannels.WrapAsync(socket, tls, client: true, bound.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"cannot connect channel {index} to {destination}: {ex.Message}", ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException($"cannot connect channel {index} to {destination}: no answer within {ConnectTimeout.TotalSeconds:0.###} s");
        }
        catch (AuthenticationException ex)
        {
            throw new TlsRefusedException($"TLS handshake with {destination} failed: {Innermost(ex)}", ex);
        }
        catch (IOException ex) when (tls is not null)
        {
            // A peer that drops the connection during the handshake (it refused this host's certificate, or it does not speak TLS).
            throw new TlsRefusedException($"TLS handshake with {destination} failed: {Innermost(ex)}", ex);
        }
    }

    private static string Innermost(Exception ex)
    {
        var messages = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException) messages.Add(e.Message.TrimEnd('.'));
        return string.Join(": ", messages.Distinct());
    }
}

/// <summary>The TLS handshake with the peer failed: a certificate refused on either side, or a peer that does not speak TLS. Not worth retrying.</summary>
public sealed class TlsRefusedException(string message, Exception inner) : IOException(message, inner);

/// <summary>Takes migration channels as TCP connections, optionally under TLS.</summary>
public sealed class TcpChannelListener : IChannelListener
{
    private readonly Socket _socket;
    private readonly TlsOptions? _tls;

    /// <summary>How long a connecting peer has to complete the TLS handshake.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Told (on the accepting task) of each connection that failed the TLS handshake and was dropped.</summary>
    public Action<string>? Refused { get; init; }

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
            string peer = accepted.RemoteEndPoint?.ToString() ?? "?";
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(HandshakeTimeout);
            try
            {
                return await TcpChannels.WrapAsync(accepted, _tls, client: false, bound.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                // A peer that fails the handshake is not a channel of this migration: wait for the next one.
                Refused?.Invoke($"refused a connection from {peer}: TLS handshake failed: {ex.Message}");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Refused?.Invoke($"refused a connection from {peer}: no TLS handshake within {HandshakeTimeout.TotalSeconds:0.###} s");
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
