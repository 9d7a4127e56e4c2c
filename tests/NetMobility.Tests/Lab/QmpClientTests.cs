using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NetMobility.Lab;
using NetMobility.Lab.Vm;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The QMP client against a scripted peer on a Unix socket that speaks as QEMU does (docs/interop/qmp-spec.rst): greeting,
/// capabilities negotiation, answers by id, errors, events, and a peer that goes away.
/// </summary>
public sealed class QmpClientTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("nmqmp-").FullName;
    private readonly Socket _listener;

    public QmpClientTests()
    {
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(1);
    }

    private string Path => System.IO.Path.Combine(_directory, "qmp.sock");

    [Fact]
    public async Task Commands_are_answered_by_id_errors_are_one_line_and_events_are_kept()
    {
        var peer = Task.Run(async () =>
        {
            using var socket = await _listener.AcceptAsync();
            await using var stream = new NetworkStream(socket);
            using var reader = new StreamReader(stream);
            async Task Say(string line) => await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
            await Say("""{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}""");
            var capabilities = JsonNode.Parse((await reader.ReadLineAsync())!)!;
            Assert.Equal("qmp_capabilities", (string?)capabilities["execute"]);
            await Say($$"""{"return": {}, "id": {{capabilities["id"]!.ToJsonString()}}}""");
            var status = JsonNode.Parse((await reader.ReadLineAsync())!)!;
            // An event may come between a command and its answer.
            await Say("""{"timestamp": {"seconds": 1700000000, "microseconds": 250000}, "event": "STOP"}""");
            await Say($$"""{"return": {"status": "paused", "running": false}, "id": {{status["id"]!.ToJsonString()}}}""");
            var migrate = JsonNode.Parse((await reader.ReadLineAsync())!)!;
            Assert.Equal("tcp:127.0.0.1:1", (string?)migrate["arguments"]!["uri"]);
            await Say($$"""{"error": {"class": "GenericError", "desc": "Failed to connect"}, "id": {{migrate["id"]!.ToJsonString()}}}""");
            await Say("""{"timestamp": {"seconds": 1700000001, "microseconds": 0}, "event": "MIGRATION", "data": {"status": "failed"}}""");
            await reader.ReadLineAsync(); // the client closing
        });

        await using (var client = await QmpClient.ConnectAsync(Path, "fake", Bound))
        {
            var answer = await client.ExecuteAsync("query-status", null, Bound);
            Assert.Equal("paused", answer.GetProperty("status").GetString());
            var error = await Assert.ThrowsAsync<LabException>(() => client.ExecuteAsync("migrate", new JsonObject { ["uri"] = "tcp:127.0.0.1:1" }, Bound));
            Assert.Equal("fake: qmp: GenericError: Failed to connect", error.Message);
            var migration = await client.WaitForEventAsync("MIGRATION", Bound);
            Assert.Equal("failed", migration.Data.GetProperty("status").GetString());
            var stop = Assert.Single(client.Events, e => e.Name == "STOP");
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250), stop.Timestamp);
            Assert.Equal(JsonValueKind.Undefined, stop.Data.ValueKind);
            // Events before a mark do not satisfy a wait that starts after it.
            var later = client.WaitForEventAsync("STOP", TimeSpan.FromMilliseconds(200), since: client.EventCount);
            Assert.Contains("no STOP event", (await Assert.ThrowsAsync<LabException>(() => later)).Message);
            // A wait called off (the other outcome came first) ends cancelled, not as a failure no one would observe.
            using var off = new CancellationTokenSource();
            var calledOff = client.WaitForEventAsync("RESUME", Bound, cancellationToken: off.Token);
            await off.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => calledOff);
            Assert.True(calledOff.IsCanceled);
        }
        await peer.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_peer_that_goes_away_fails_the_waiting_command_with_one_line()
    {
        var peer = Task.Run(async () =>
        {
            using var socket = await _listener.AcceptAsync();
            await using var stream = new NetworkStream(socket);
            using var reader = new StreamReader(stream);
            await stream.WriteAsync("{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n"u8.ToArray());
            var capabilities = JsonNode.Parse((await reader.ReadLineAsync())!)!;
            await stream.WriteAsync(Encoding.UTF8.GetBytes($$"""{"return": {}, "id": {{capabilities["id"]!.ToJsonString()}}}""" + "\n"));
            await reader.ReadLineAsync(); // "quit": QEMU exits without answering
        });
        await using var client = await QmpClient.ConnectAsync(Path, "fake", Bound);
        var error = await Assert.ThrowsAsync<LabException>(() => client.ExecuteAsync("quit", null, Bound));
        Assert.StartsWith("fake: ", error.Message);
        Assert.Contains("closed", error.Message);
        Assert.DoesNotContain("\n", error.Message);
        await peer.WaitAsync(Bound);
    }

    [Fact]
    public async Task No_server_at_the_path_is_one_line_naming_it()
    {
        _listener.Dispose();
        File.Delete(Path);
        var error = await Assert.ThrowsAsync<LabException>(() => QmpClient.ConnectAsync(Path, "fake", Bound));
        Assert.Contains(Path, error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public async Task A_qemu_that_connects_as_a_client_is_accepted_and_negotiated()
    {
        _listener.Dispose();
        var listener = QmpClient.Listen(Path);
        // The peer plays QEMU started with QmpClient.ClientArguments: it connects, greets and answers.
        var peer = Task.Run(async () =>
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path));
            await using var stream = new NetworkStream(socket);
            using var reader = new StreamReader(stream);
            await stream.WriteAsync("{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n"u8.ToArray());
            var capabilities = JsonNode.Parse((await reader.ReadLineAsync())!)!;
            await stream.WriteAsync(Encoding.UTF8.GetBytes($$"""{"return": {}, "id": {{capabilities["id"]!.ToJsonString()}}}""" + "\n"));
            var status = JsonNode.Parse((await reader.ReadLineAsync())!)!;
            await stream.WriteAsync(Encoding.UTF8.GetBytes($$"""{"return": {"status": "running"}, "id": {{status["id"]!.ToJsonString()}}}""" + "\n"));
            await reader.ReadLineAsync(); // the client closing
        });
        var neverExits = new TaskCompletionSource().Task;
        await using (var client = await QmpClient.AcceptAsync(listener, Path, "fake", Bound, neverExits))
        {
            Assert.False(File.Exists(Path)); // the socket is gone once QEMU is connected
            var answer = await client.ExecuteAsync("query-status", null, Bound);
            Assert.Equal("running", answer.GetProperty("status").GetString());
        }
        await peer.WaitAsync(Bound);
        Assert.Equal("-chardev", QmpClient.ClientArguments(Path)[0]);
        Assert.Equal($"socket,id=qmp0,path={Path}", QmpClient.ClientArguments(Path)[1]);
    }

    [Fact]
    public async Task A_qemu_that_exits_before_connecting_is_one_line_and_no_wait_for_the_bound()
    {
        _listener.Dispose();
        var listener = QmpClient.Listen(Path);
        var exited = new TaskCompletionSource();
        var accepting = QmpClient.AcceptAsync(listener, Path, "fake", TimeSpan.FromMinutes(10), exited.Task);
        Assert.False(accepting.IsCompleted);
        exited.SetResult();
        var error = await Assert.ThrowsAsync<LabException>(() => accepting.WaitAsync(Bound));
        Assert.Equal($"fake: QEMU exited before connecting to its QMP socket {Path}", error.Message);
    }

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
