using BenchmarkDotNet.Attributes;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;

namespace NetMobility.Benchmarks;

/// <summary>
/// A home agent's registration processing on one core, HMAC-MD5 throughout: one operation is one request
/// checked (Mobile-Home authenticator verified, timestamp checked against the 7 s tolerance, binding renewed,
/// reply written with its own authenticator), round robin over <see cref="Nodes"/> mobile nodes. The replay state
/// is rewound before each request so the same signed request is fresh again: what is measured is the agent's
/// work, not the signing a node does. Goal: at least 50,000 registrations per second.
/// </summary>
[MemoryDiagnoser]
public class RegistrationBenchmarks
{
    private HomeAgentRegistrar _registrar = null!;
    private byte[][] _requests = [];
    private MobilitySecurityAssociation[] _associations = [];
    private RegistrationAddressing _from;
    private readonly byte[] _reply = new byte[HomeAgentRegistrar.MaxReplyLength];
    private int _next;

    [Params(1_000, 100_000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var agent = new Ipv4Address(10, 0, 0, 1);
        var options = new HomeAgentOptions { Address = agent, HomePrefixLength = 8, BindingCapacity = Nodes, MaxSimultaneousBindings = 1 };
        var nodes = new SecurityAssociationTable();
        var bindings = new BindingTable(options.BindingCapacity, options.MaxSimultaneousBindings);
        _registrar = new HomeAgentRegistrar(options, nodes, new SecurityAssociationTable(), bindings, clock);
        _from = new RegistrationAddressing(new Ipv4Address(192, 0, 2, 1), 434, agent, 434);
        _requests = new byte[Nodes][];
        _associations = new MobilitySecurityAssociation[Nodes];
        var key = "a 128-bit key...."u8;
        var identification = MobileIpTimestamp.From(clock.GetUtcNow());
        for (int i = 0; i < Nodes; i++)
        {
            var home = new Ipv4Address(0x0A01_0000u + (uint)i);
            var association = new MobilitySecurityAssociation(0x1000, key);
            nodes.Add(home, association);
            var buffer = new byte[RegistrationRequest.FixedLength + MobilitySecurityAssociation.ExtensionLength];
            var writer = new MobileIpMessageWriter(buffer);
            writer.Write(new RegistrationRequest(RegistrationFlags.ReverseTunnel, 600, home, agent, new Ipv4Address(192, 0, 2, 1), identification));
            association.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
            _requests[i] = buffer;
            _associations[i] = association;
            if (!_registrar.TryProcess(buffer, _from, _reply, out var decision) || decision.Code != RegistrationReplyCode.Accepted)
                throw new InvalidOperationException($"setup registration {i} was not accepted");
        }
    }

    [Benchmark]
    public RegistrationReplyCode ProcessRegistration()
    {
        int i = _next;
        _next = i + 1 == _requests.Length ? 0 : i + 1;
        _associations[i].LastAccepted = null;
        _registrar.TryProcess(_requests[i], _from, _reply, out var decision);
        return decision.Code;
    }
}

/// <summary>
/// A binding table with 100,000 home addresses: building it (one operation fills an empty table), looking one
/// binding up on the packet path, and the memory the table holds per binding, measured in
/// <see cref="Setup"/> as the live heap before and after filling it and written to the benchmark log.
/// </summary>
[MemoryDiagnoser]
public class BindingTableBenchmarks
{
    private const int Count = 100_000;
    private MobilityBinding[] _bindings = [];
    private BindingTable _full = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _bindings = new MobilityBinding[Count];
        var careOf = new Ipv4Address(192, 0, 2, 1);
        long expires = new DateTimeOffset(2026, 3, 1, 12, 10, 0, TimeSpan.Zero).UtcTicks;
        for (int i = 0; i < Count; i++)
            _bindings[i] = new MobilityBinding(new Ipv4Address(0x0A00_0000u + (uint)i), careOf, TunnelKind.IpInIp, true, 600, expires + i, (ulong)i);

        long before = GC.GetTotalMemory(forceFullCollection: true);
        _full = Fill();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// BindingTable: {Count} bindings hold {after - before} bytes, {(after - before) / (double)Count:F1} bytes per binding");
        GC.KeepAlive(_full);
    }

    private BindingTable Fill()
    {
        var table = new BindingTable(Count, 1);
        foreach (var binding in _bindings) table.Register(binding, simultaneous: false);
        return table;
    }

    [Benchmark]
    public int Build100000() => Fill().Count;

    [Benchmark]
    public bool LookUp()
    {
        int i = _next;
        _next = i + 1 == Count ? 0 : i + 1;
        return _full.TryGetFirst(_bindings[i].HomeAddress, out _);
    }
}
