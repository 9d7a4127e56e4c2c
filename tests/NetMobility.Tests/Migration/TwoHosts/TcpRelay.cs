using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace NetMobility.Tests.Migration.TwoHosts;

/// <summary>
/// A TCP relay between a source and a destination that the test controls: it forwards every connection it accepts
/// to the destination, counts the octets going forward (source to destination) over all connections, and at a
/// chosen count cuts every open connection (and then carries on accepting), flips one octet, or holds the forward
/// direction until released.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _destination;
    private readonly Func<Socket>? _openSocket;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;
    private readonly TaskCompletionSource _tripped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _forwarded;
    private int _connections;

    public enum Fault { None, Cut, Corrupt, Hold }

    /// <param name="openSocket">makes the socket of each connection to the destination (a test makes it in a network namespace)</param>
    public TcpRelay(int destinationPort, Fault fault = Fault.None, long at = long.MaxValue, Func<Socket>? openSocket = null)
    {
        _destination = new IPEndPoint(IPAddress.Loopback, destinationPort);
        _openSocket = openSocket;
        FaultKind = fault;
        At = at;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Fault FaultKind { get; }
    public long At { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Completes when the fault has happened (the cut made, the octet flipped, the forward direction held).</summary>
    public Task Tripped => _tripped.Task;

    /// <summary>Lets a held forward direction go on.</summary>
    public void Release() => _released.TrySetResult();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                var server = _openSocket?.Invoke() ?? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                server.NoDelay = true;
                try
                {
                    await server.ConnectAsync(_destination, _stop.Token);
                }
                catch (SocketException)
                {
                    // The destination is gone: so is this connection.
                    client.Dispose();
                    server.Dispose();
                    continue;
                }
                client.NoDelay = true;
                lock (_open) _open.AddRange([client, server]);
                var directions = new StrongBox<int>(2);
                _ = PumpAsync(client, server, forward: true, directions);
                _ = PumpAsync(server, client, forward: false, directions);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool forward, StrongBox<int> directions)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) break;
                if (forward && !_tripped.Task.IsCompleted)
                {
                    long before = Interlocked.Add(ref _forwarded, n) - n;
                    if (before + n > At)
                    {
                        int offset = (int)Math.Max(0, At - before);
                        switch (FaultKind)
                        {
                            case Fault.Cut:
                                _tripped.TrySetResult();
                                CutAll();
                                return;
                            case Fault.Corrupt:
                                buffer[offset] ^= 0x01;
                                _tripped.TrySetResult();
                                break;
                            case Fault.Hold:
                                await to.SendAsync(buffer.AsMemory(0, offset), SocketFlags.None, _stop.Token);
                                _tripped.TrySetResult();
                                await _released.Task.WaitAsync(_stop.Token);
                                await to.SendAsync(buffer.AsMemory(offset, n - offset), SocketFlags.None, _stop.Token);
                                continue;
                        }
                    }
                }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        // This direction ended: its end goes on to the peer (FIN), and the other direction still carries what its
        // sender wrote before it went (a destination's error record, say). The sockets go when both have ended.
        try
        {
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        if (Interlocked.Decrement(ref directions.Value) > 0) return;
        Close(from);
        Close(to);
    }

    /// <summary>Cuts every open connection now (and carries on accepting).</summary>
    public void CutNow()
    {
        _tripped.TrySetResult();
        CutAll();
    }

    private void CutAll()
    {
        Socket[] all;
        lock (_open) all = [.. _open];
        foreach (var s in all) Close(s);
    }

    private void Close(Socket socket)
    {
        lock (_open) _open.Remove(socket);
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        CutAll();
        _stop.Dispose();
    }
}
