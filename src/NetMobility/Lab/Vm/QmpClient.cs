using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NetMobility.Lab.Vm;

/// <summary>
/// A client of QEMU's machine protocol (QMP, docs/interop/qmp-spec.rst): JSON objects, one a line, on a Unix socket.
/// It reads the greeting, negotiates capabilities, then sends commands tagged with an id and answers their
/// <c>return</c> value; an <c>error</c> answer, a closed socket or a time bound running out is a
/// <see cref="LabException"/> of one line. Events are kept as they arrive; a caller can wait for one.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    /// <summary>A line longer than this is not QMP: the connection is failed rather than buffered without end.</summary>
    private const int MaxLine = 1 << 20;

    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly NetworkStream _stream;
    private readonly string _name;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly object _gate = new();
    private readonly Dictionary<long, TaskCompletionSource<JsonElement>> _pending = [];
    private readonly List<QmpEvent> _events = [];
    private readonly List<(Func<QmpEvent, bool> Match, TaskCompletionSource<QmpEvent> Seen)> _watches = [];
    private readonly TaskCompletionSource<JsonElement> _greeting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _readLoop;
    private string? _closedBecause;
    private long _nextId;

    private QmpClient(Socket socket, string name)
    {
        _socket = socket;
        _name = name;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = PipeReader.Create(_stream);
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Events received so far, oldest first.</summary>
    public IReadOnlyList<QmpEvent> Events
    {
        get { lock (_gate) return [.. _events]; }
    }

    /// <summary>
    /// Connects to a QMP server already listening at <paramref name="path"/> (a QEMU started with
    /// <c>-qmp unix:PATH,server=on</c>), reads the greeting and leaves capabilities negotiation mode, all within
    /// <paramref name="timeout"/>. No server there is a <see cref="LabException"/> naming the path.
    /// </summary>
    public static async Task<QmpClient> ConnectAsync(string path, string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            // A missing path comes back as "Cannot assign requested address" (EADDRNOTAVAIL's text): say what it is.
            throw new LabException($"{name}: no QMP server at {path} ({(File.Exists(path) ? e.Message : "no such file")})");
        }
        return await HandshakeAsync(socket, name, path, deadline).ConfigureAwait(false);
    }

    /// <summary>
    /// Listens at <paramref name="path"/> for a QEMU that is to connect to it as a client (<see cref="ClientArguments"/>):
    /// the socket is ready before QEMU starts, so nothing waits for QEMU to make one.
    /// </summary>
    public static Socket Listen(string path)
    {
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            return listener;
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new LabException($"QMP socket {path}: {e.Message}");
        }
    }

    /// <summary>QEMU's arguments for a QMP monitor that connects to <paramref name="path"/> (see <see cref="Listen"/>).</summary>
    public static string[] ClientArguments(string path) => ["-chardev", $"socket,id=qmp0,path={path}", "-mon", "chardev=qmp0,mode=control"];

    /// <summary>
    /// Takes QEMU's connection on <paramref name="listener"/> (made by <see cref="Listen"/>), reads the greeting and leaves
    /// capabilities negotiation mode, within <paramref name="timeout"/>; QEMU exiting first (<paramref name="exited"/>)
    /// or the bound running out is a <see cref="LabException"/> of one line. The listener is closed either way.
    /// </summary>
    public static async Task<QmpClient> AcceptAsync(Socket listener, string path, string name, TimeSpan timeout, Task exited)
    {
        var deadline = DateTime.UtcNow + timeout;
        using (listener)
        {
            using var cancel = new CancellationTokenSource(timeout);
            var accepting = listener.AcceptAsync(cancel.Token).AsTask();
            var first = await Task.WhenAny(accepting, exited).ConfigureAwait(false);
            if (first != accepting)
            {
                await cancel.CancelAsync().ConfigureAwait(false);
                throw new LabException($"{name}: QEMU exited before connecting to its QMP socket {path}");
            }
            Socket socket;
            try
            {
                socket = await accepting.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new LabException($"{name}: QEMU did not connect to its QMP socket {path} within {timeout.TotalSeconds:0.#} s");
            }
            finally
            {
                File.Delete(path);
            }
            return await HandshakeAsync(socket, name, path, deadline).ConfigureAwait(false);
        }
    }

    private static async Task<QmpClient> HandshakeAsync(Socket socket, string name, string path, DateTime deadline)
    {
        var client = new QmpClient(socket, name);
        try
        {
            await client._greeting.Task.WaitAsync(Remaining(deadline, name, "greeting")).ConfigureAwait(false);
            await client.ExecuteAsync("qmp_capabilities", null, Remaining(deadline, name, "qmp_capabilities")).ConfigureAwait(false);
            return client;
        }
        catch (TimeoutException)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new LabException($"{name}: no QMP greeting on {path} in time");
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs <paramref name="command"/> with <paramref name="arguments"/> and answers its <c>return</c> value.</summary>
    public async Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments, TimeSpan timeout)
    {
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        long id;
        lock (_gate)
        {
            if (_closedBecause is not null) throw new LabException($"{_name}: qmp {command}: connection closed ({_closedBecause})");
            id = ++_nextId;
            _pending[id] = answer;
        }
        var request = new JsonObject { ["execute"] = command, ["id"] = id };
        if (arguments is not null) request["arguments"] = arguments;
        byte[] line = Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
        try
        {
            await _sendGate.WaitAsync(timeout).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(line).ConfigureAwait(false);
            }
            finally
            {
                _sendGate.Release();
            }
            return await answer.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new LabException($"{_name}: qmp {command}: no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (IOException e)
        {
            throw new LabException($"{_name}: qmp {command}: {e.Message}");
        }
        finally
        {
            lock (_gate) _pending.Remove(id);
        }
    }

    /// <summary>How many events have arrived: a mark to hand to <see cref="WaitForEventAsync"/> to ignore those.</summary>
    public int EventCount
    {
        get { lock (_gate) return _events.Count; }
    }

    /// <summary>
    /// Waits for an event named <paramref name="name"/> that <paramref name="match"/> accepts; one that arrived before the
    /// call counts too, unless it is among the first <paramref name="since"/> events (an <see cref="EventCount"/> taken earlier).
    /// </summary>
    public async Task<QmpEvent> WaitForEventAsync(string name, TimeSpan timeout, Func<QmpEvent, bool>? match = null, int since = 0,
        CancellationToken cancellationToken = default)
    {
        bool Accept(QmpEvent e) => e.Name == name && (match is null || match(e));
        var seen = new TaskCompletionSource<QmpEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_events.Skip(since).FirstOrDefault(Accept) is { } earlier) return earlier;
            if (_closedBecause is not null) throw new LabException($"{_name}: waiting for {name}: connection closed ({_closedBecause})");
            _watches.Add((Accept, seen));
        }
        try
        {
            return await seen.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new LabException($"{_name}: no {name} event within {timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            // A wait that timed out or was called off leaves no watch behind.
            if (!seen.Task.IsCompleted) lock (_gate) _watches.RemoveAll(w => w.Seen == seen);
        }
    }

    private async Task ReadLoopAsync()
    {
        string reason = "QEMU closed the socket";
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (buffer.PositionOf((byte)'\n') is { } end)
                    {
                        var line = buffer.Slice(0, end);
                        buffer = buffer.Slice(buffer.GetPosition(1, end));
                        OnLine(line);
                    }
                    if (buffer.Length > MaxLine) throw new InvalidDataException($"a QMP line longer than {MaxLine} bytes");
                    if (result.IsCompleted) break;
                }
                finally
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or ObjectDisposedException or SocketException)
        {
            reason = e.Message;
        }
        Close(reason);
    }

    private void OnLine(ReadOnlySequence<byte> line)
    {
        if (line.IsEmpty) return;
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement.Clone();
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("a QMP line that is not an object");
        if (root.TryGetProperty("QMP", out _))
        {
            _greeting.TrySetResult(root);
            return;
        }
        if (root.TryGetProperty("event", out var eventName))
        {
            var timestamp = root.TryGetProperty("timestamp", out var t)
                ? DateTimeOffset.FromUnixTimeSeconds(t.GetProperty("seconds").GetInt64()).AddTicks(t.GetProperty("microseconds").GetInt64() * 10)
                : DateTimeOffset.UtcNow;
            var data = root.TryGetProperty("data", out var d) ? d : default;
            var received = new QmpEvent(eventName.GetString() ?? "", data, timestamp);
            lock (_gate)
            {
                _events.Add(received);
                for (int i = _watches.Count - 1; i >= 0; i--)
                {
                    if (!_watches[i].Match(received)) continue;
                    _watches[i].Seen.TrySetResult(received);
                    _watches.RemoveAt(i);
                }
            }
            return;
        }
        if (!root.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out long id)) return;
        TaskCompletionSource<JsonElement>? waiting;
        lock (_gate) _pending.TryGetValue(id, out waiting);
        if (waiting is null) return;
        if (root.TryGetProperty("return", out var value)) waiting.TrySetResult(value);
        else if (root.TryGetProperty("error", out var error))
        {
            string kind = error.TryGetProperty("class", out var c) ? c.GetString() ?? "" : "";
            string desc = error.TryGetProperty("desc", out var m) ? m.GetString() ?? "" : "";
            waiting.TrySetException(new LabException($"{_name}: qmp: {kind}: {desc}"));
        }
    }

    private void Close(string reason)
    {
        List<TaskCompletionSource<JsonElement>> pending;
        List<TaskCompletionSource<QmpEvent>> watches;
        lock (_gate)
        {
            _closedBecause ??= reason;
            pending = [.. _pending.Values];
            watches = [.. _watches.Select(w => w.Seen)];
            _watches.Clear();
        }
        var failure = new LabException($"{_name}: QMP connection closed ({reason})");
        _greeting.TrySetException(failure);
        foreach (var p in pending) p.TrySetException(failure);
        foreach (var w in watches) w.TrySetException(failure);
    }

    private static TimeSpan Remaining(DateTime deadline, string name, string step)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : throw new LabException($"{name}: QMP {step} not reached in time");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone with QEMU.
        }
        _socket.Dispose();
        await _readLoop.ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        _stream.Dispose();
        _sendGate.Dispose();
    }
}

/// <summary>An asynchronous QMP event: its name (STOP, RESUME, MIGRATION ...), its data object (default when none) and QEMU's timestamp.</summary>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset Timestamp);
