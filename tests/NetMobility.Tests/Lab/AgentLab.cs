using System.Text.Json;
using NetMobility.Lab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// Two <c>netmob agent</c> daemons, each its own process, routing between Linux kernels in network namespaces:
/// <code>
/// corr (10.3.0.2) -veth- core: a kernel router, rp_filter on (strict), forwarding on
///   core -TAP nmhw- home daemon (wan 192.0.2.1/30; lan 10.1.0.1/24, a segment; home agent 10.1.0.1)
///   core -TAP nmfw- foreign daemon (wan 198.51.100.1/30; lan 10.2.0.1/24, a segment; foreign agent, care-of 198.51.100.1)
/// vm (10.1.0.50/24, default via 10.1.0.1): its interface a persistent TAP, attached by one daemon at a time
/// </code>
/// The VM moves by detaching at one daemon and attaching at the other through their control sockets, as a
/// hypervisor hands a VM over; each daemon runs the VM's port (announcement, registration through the foreign
/// agent) while it hosts it. The core's strict reverse-path filter drops what the VM sends from the foreign site
/// unless the foreign agent tunnels it back to the home agent.
/// </summary>
internal sealed class AgentLab : IDisposable
{
    public const string VmAddress = "10.1.0.50";
    public const string CorrespondentAddress = "10.3.0.2";
    public const string VmMac = "02:4e:4d:00:00:50";
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly List<NetNamespace> _spaces = [];
    private readonly DirectoryInfo _files;

    public AgentLab()
    {
        _files = Directory.CreateTempSubdirectory("nmagentlab-");
        try
        {
            Core = Add(NetNamespace.Create("nmcore"));
            Correspondent = Add(NetNamespace.Create("nmcorr"));
            Vm = Add(NetNamespace.Create("nmvm"));
            string suffix = Core.Name[^6..];
            HomeWan = $"nmhw{suffix}";
            ForeignWan = $"nmfw{suffix}";
            VmDevice = $"nmvm{suffix}";

            Core.RunChecked(Bound, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.default.rp_filter=1");
            PersistentTap(Core, HomeWan, "192.0.2.2/30");
            PersistentTap(Core, ForeignWan, "198.51.100.2/30");
            string veth = $"nmcv{suffix}";
            Core.Ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", Correspondent.Name);
            Core.Ip("address", "add", "10.3.0.1/24", "dev", veth);
            Core.SetUp(veth);
            Core.Ip("route", "add", "10.1.0.0/24", "via", "192.0.2.1");
            Core.Ip("route", "add", "10.2.0.0/24", "via", "198.51.100.1");
            Correspondent.AddAddress("eth0", $"{CorrespondentAddress}/24");
            Correspondent.SetUp("eth0");
            Correspondent.AddRoute("default", "10.3.0.1");

            PersistentTap(Vm, VmDevice, $"{VmAddress}/24", VmMac);
            Vm.AddRoute("default", "10.1.0.1");

            HomeSocket = Path.Combine(_files.FullName, "home.sock");
            ForeignSocket = Path.Combine(_files.FullName, "foreign.sock");
            HomeConfig = Write("home.json", Config("home", "02:4e:4d:01:00:01", "192.0.2.1/30", "192.0.2.2", HomeWan, "02:4e:4d:01:00:02", "10.1.0.1/24",
                """{"type": "home-agent", "interface": "lan", "mobileNodes": [{"homeAddress": "10.1.0.50", "spi": 300, "key": "lab secret"}]}""",
                HomeSocket, attached: true));
            ForeignConfig = Write("foreign.json", Config("foreign", "02:4e:4d:02:00:01", "198.51.100.1/30", "198.51.100.2", ForeignWan, "02:4e:4d:02:00:02", "10.2.0.1/24",
                """{"type": "foreign-agent", "interface": "lan", "careOf": "198.51.100.1", "advertisementIntervalMs": 1000}""",
                ForeignSocket, attached: false));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetNamespace Core { get; }
    public NetNamespace Correspondent { get; }
    public NetNamespace Vm { get; }
    public string HomeWan { get; }
    public string ForeignWan { get; }
    public string VmDevice { get; }
    public string HomeConfig { get; }
    public string ForeignConfig { get; }
    public string HomeSocket { get; }
    public string ForeignSocket { get; }
    public string Files => _files.FullName;
    public LabProcess? Home { get; private set; }
    public LabProcess? Foreign { get; private set; }

    /// <summary>The netmob program built beside the tests.</summary>
    public static string Netmob => Path.Combine(AppContext.BaseDirectory, "netmob");

    /// <summary>Starts both daemons and waits until each says it has started.</summary>
    public async Task StartAsync()
    {
        Home = StartAgent(HomeConfig);
        Foreign = StartAgent(ForeignConfig);
        await Home.WaitForOutputAsync("node home started", Bound);
        await Foreign.WaitForOutputAsync("node foreign started", Bound);
    }

    public static LabProcess StartAgent(string config, params string[] extra) =>
        new($"netmob agent --config {config}", CommandRunner.Start(Netmob, ["agent", "--config", config, .. extra]));

    /// <summary>Runs <c>netmob agent ARGS</c> to completion.</summary>
    public static CommandResult RunNetmob(params string[] arguments) => CommandRunner.Run(Netmob, arguments, Bound);

    /// <summary>A daemon's status as JSON.</summary>
    public static JsonElement Status(string socket)
    {
        var result = RunNetmob("agent", "status", "--socket", socket, "--json");
        if (!result.Succeeded) throw new LabException($"agent status: {result.FirstErrorLine()}");
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }

    public static void Control(string socket, string verb, string vm)
    {
        var result = RunNetmob("agent", verb, vm, "--socket", socket);
        if (!result.Succeeded) throw new LabException($"agent {verb} {vm}: {result.FirstErrorLine()}");
    }

    /// <summary>Polls a daemon's status until <paramref name="condition"/> holds, within <see cref="Bound"/>.</summary>
    public static async Task<JsonElement> WaitForStatus(string socket, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        JsonElement status;
        do
        {
            status = Status(socket);
            if (condition(status)) return status;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new LabException($"{what} not reached within {Bound.TotalSeconds} s: {status}");
    }

    public static string VmRegistration(JsonElement status) => status.GetProperty("vms")[0].GetProperty("registration").GetString()!;

    /// <summary>Moves the VM to the foreign site and waits until its registration through the foreign agent is in force.</summary>
    public async Task MoveAwayAsync()
    {
        Control(HomeSocket, "detach", "vm1");
        Control(ForeignSocket, "attach", "vm1");
        await WaitForStatus(ForeignSocket, s => VmRegistration(s) == "Registered", "the VM registered through the foreign agent");
    }

    /// <summary>Moves the VM home and waits until the home agent holds no binding for it.</summary>
    public async Task MoveHomeAsync()
    {
        Control(ForeignSocket, "detach", "vm1");
        Control(HomeSocket, "attach", "vm1");
        await WaitForStatus(HomeSocket, s => s.GetProperty("bindings").GetArrayLength() == 0 && VmRegistration(s) == "AtHome", "the VM deregistered at home");
    }

    private string Config(string name, string wanMac, string wanAddress, string gateway, string wanTap, string lanMac, string lanAddress, string role, string socket, bool attached) => $$$"""
        {
          "node": {
            "name": "{{{name}}}",
            "interfaces": [
              {"name": "wan", "mac": "{{{wanMac}}}", "address": "{{{wanAddress}}}", "link": {"tap": "{{{wanTap}}}", "netns": "{{{Core.Name}}}", "mode": "attach", "persistent": true}},
              {"name": "lan", "mac": "{{{lanMac}}}", "address": "{{{lanAddress}}}", "link": {"segment": "lan"}}
            ],
            "routes": [{"prefix": "0.0.0.0/0", "via": "{{{gateway}}}"}],
            "roles": [{{{role}}}]
          },
          "vms": [{"name": "vm1", "interface": "lan", "link": {"tap": "{{{VmDevice}}}", "netns": "{{{Vm.Name}}}", "mode": "attach", "persistent": true},
                   "mac": "{{{VmMac}}}", "homeAddress": "{{{VmAddress}}}", "homeAgent": "10.1.0.1", "spi": 300, "key": "lab secret", "lifetime": 120,
                   "attached": {{{(attached ? "true" : "false")}}}}],
          "control": "{{{socket}}}",
          "capture": "{{{Path.Combine(_files.FullName, name + ".pcapng")}}}"
        }
        """;

    private string Write(string name, string text)
    {
        string path = Path.Combine(_files.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private NetNamespace Add(NetNamespace space)
    {
        _spaces.Add(space);
        return space;
    }

    /// <summary>A TAP device that outlives the daemons attached to it, in <paramref name="space"/>, with an address, up.</summary>
    private static void PersistentTap(NetNamespace space, string device, string address, string? mac = null)
    {
        space.Ip("tuntap", "add", "dev", device, "mode", "tap");
        if (mac is not null) space.Ip("link", "set", "dev", device, "address", mac);
        space.AddAddress(device, address);
        space.SetUp(device);
    }

    public void Dispose()
    {
        Home?.Dispose();
        Foreign?.Dispose();
        foreach (var space in _spaces) space.Dispose();
        _files.Delete(recursive: true);
    }
}
