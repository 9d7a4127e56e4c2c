using System.Text.Json;
using NetMobility.Lab;
using NetMobility.Lab.Site;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The lab of <c>netmob lab up</c> (<see cref="LabTopology"/>: a correspondent behind a kernel router with strict
/// <c>rp_filter</c>, a home daemon (home agent), a WAN daemon, a foreign daemon (foreign agent) and a VM namespace whose
/// persistent TAP one daemon at a time attaches), with a random name, its state in a temporary folder, and its three
/// <c>netmob agent</c> daemons started as child processes of the test, so that their output and exit codes can be checked.
/// The VM moves by detaching at one daemon and attaching at the other through their control sockets (<see cref="LabMove"/>).
/// Disposing stops the daemons and removes everything, as <c>netmob lab down</c> does.
/// </summary>
internal sealed class AgentLab : IDisposable
{
    public const string VmAddress = LabAddresses.VmAddress;
    public const string CorrespondentAddress = LabAddresses.CorrespondentAddress;
    public const string VmMac = LabAddresses.VmMac;
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly List<NetNamespace> _spaces = [];
    private readonly List<LabProcess> _agents = [];

    public AgentLab(WanSpec? wan = null, VmAttachment vm = VmAttachment.Namespace, RouterLinks links = RouterLinks.Tap)
    {
        string name = NetNamespace.UniqueName("t");
        string root = Directory.CreateTempSubdirectory("nmagentlab-").FullName;
        Spec = new LabSpec { Name = name, StateRoot = root, Wan = wan ?? new WanSpec(), Vm = vm, Links = links };
        State = LabState.Begin(Spec.StateDirectory, name);
        try
        {
            Topology = LabTopology.Build(Spec, State);
            Core = Add(NetNamespace.Existing(Topology.Core));
            Correspondent = Add(NetNamespace.Existing(Topology.Correspondent));
            if (vm == VmAttachment.Namespace) Vm = Add(NetNamespace.Existing(Topology.Vm));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public LabSpec Spec { get; }
    public LabState State { get; }
    public LabTopology Topology { get; } = null!;
    public NetNamespace Core { get; } = null!;
    public NetNamespace Correspondent { get; } = null!;
    public NetNamespace Vm { get; } = null!;
    public string VmDevice => Topology.VmDevice;
    public string HomeConfig => Topology.Config("home");
    public string ForeignConfig => Topology.Config("foreign");
    public string HomeSocket => Topology.Socket("home");
    public string ForeignSocket => Topology.Socket("foreign");
    public string Files => Topology.Files;
    public LabProcess? Home { get; private set; }
    public LabProcess? Wan { get; private set; }
    public LabProcess? Foreign { get; private set; }

    /// <summary>The netmob program built beside the tests.</summary>
    public static string Netmob => Path.Combine(AppContext.BaseDirectory, "netmob");

    /// <summary>Starts the three daemons and waits until each says it has started.</summary>
    public async Task StartAsync()
    {
        Home = Start("home");
        Wan = Start("wan");
        Foreign = Start("foreign");
        foreach (var (daemon, name) in new[] { (Home, "home"), (Wan, "wan"), (Foreign, "foreign") })
            await daemon.WaitForOutputAsync($"node {name} started", Bound);
    }

    private LabProcess Start(string agent)
    {
        var daemon = StartAgent(Topology.Config(agent));
        _agents.Add(daemon);
        State.AddAgent(new AgentRecord(agent, daemon.Id, Topology.Config(agent), Topology.Socket(agent), Topology.Log(agent)));
        return daemon;
    }

    public static LabProcess StartAgent(string config, params string[] extra) =>
        new($"netmob agent --config {config}", CommandRunner.Start(Netmob, ["agent", "--config", config, .. extra]));

    /// <summary>Runs <c>netmob ARGS</c> to completion.</summary>
    public static CommandResult RunNetmob(params string[] arguments) => CommandRunner.Run(Netmob, arguments, Bound);

    /// <summary>A daemon's status as JSON, asked through <c>netmob agent status --json</c>.</summary>
    public static JsonElement Status(string socket)
    {
        var result = RunNetmob("agent", "status", "--socket", socket, "--json");
        if (!result.Succeeded) throw new LabException($"agent status: {result.FirstErrorLine()}");
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }

    /// <summary>Polls a daemon's status until <paramref name="condition"/> holds, within <see cref="Bound"/>.</summary>
    public static Task<JsonElement> WaitForStatus(string socket, Func<JsonElement, bool> condition, string what) =>
        LabMove.WaitForStatus(socket, condition, what, Bound);

    /// <summary>Moves the VM to the foreign site and waits until its registration through the foreign agent is in force.</summary>
    public Task MoveAwayAsync() => LabMove.ToAsync(HomeSocket, ForeignSocket, LabSiteName.Foreign);

    /// <summary>Moves the VM home and waits until the home agent holds no binding for it.</summary>
    public Task MoveHomeAsync() => LabMove.ToAsync(HomeSocket, ForeignSocket, LabSiteName.Home);

    /// <summary>Kernel ping and a kernel TCP transfer (socat) from the correspondent to the VM, checked byte for byte.</summary>
    public void PingAndTransfer(string where)
    {
        var ping = Correspondent.Run(Bound, "ping", "-c", "3", "-i", "0.2", "-W", "5", VmAddress);
        Assert.True(ping.Succeeded && ping.StandardOutput.Contains("3 received"), $"{where}: {ping.StandardOutput}{ping.StandardError}");

        var data = new byte[256 * 1024];
        new Random(where.Length).NextBytes(data);
        string sent = Path.Combine(Files, "sent"), received = Path.Combine(Files, "received");
        File.WriteAllBytes(sent, data);
        using var listener = Vm.Start("socat", "-d", "-d", "-u", "TCP-LISTEN:5001,reuseaddr", $"OPEN:{received},creat,trunc");
        listener.WaitForOutputAsync("listening on", Bound).GetAwaiter().GetResult();
        var sender = Correspondent.Run(Bound, "socat", "-u", $"OPEN:{sent}", $"TCP:{VmAddress}:5001");
        Assert.True(sender.Succeeded, $"{where}: {sender.StandardError}");
        Assert.Equal(0, listener.WaitForExitAsync(Bound).GetAwaiter().GetResult());
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(received)));
    }

    /// <summary>
    /// SIGTERM to a daemon: it exits 0 within 5 s (the wait's bound), says it stopped, removes its control socket and
    /// leaves a capture that tshark reads with no malformed frame and no error.
    /// </summary>
    public async Task StopAndCheckCaptureAsync(LabProcess daemon, string name)
    {
        string socket = Topology.Socket(name);
        CommandRunner.Run("kill", ["-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Bound);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(File.Exists(socket), $"{socket} was left behind");
        Assert.Contains($"node {name} stopped", daemon.Output);
        string capture = Topology.Capture(name);
        var tshark = CommandRunner.Run("tshark", ["-r", capture, "-Y", "_ws.malformed || _ws.expert.severity >= error"], Bound);
        Assert.True(tshark.Succeeded, tshark.StandardError);
        Assert.Equal("", tshark.StandardOutput.Trim());
        // Every router of the lab carries the VM's registration: at least a request and its reply (a count of frames alone
        // depends on how long the test ran).
        var registrations = CommandRunner.Run("tshark", ["-r", capture, "-Y", "mip.type == 1 || mip.type == 3"], Bound);
        Assert.True(registrations.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, $"{capture} holds no registration request and reply");
    }

    private NetNamespace Add(NetNamespace space)
    {
        _spaces.Add(space);
        return space;
    }

    public void Dispose()
    {
        foreach (var agent in _agents) agent.Dispose();
        foreach (var space in _spaces) space.Dispose();
        LabSite.Down(Spec.StateDirectory).GetAwaiter().GetResult();
        Directory.Delete(Spec.StateRoot, recursive: true);
    }
}
