using NetMobility.Lab;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Lab;

/// <summary>
/// Two Linux kernels joined by our routers and our GRE tunnel, on the real clock:
/// <code>
/// netns A (10.1.0.2/24, default via 10.1.0.1) -TAP- r1 (10.1.0.1)
///     ==[GRE key 0x4e4d, sequence numbers; 10.255.0.1/30 over 192.0.2.1 - impaired WAN - 192.0.2.2]==
/// r2 (10.2.0.1) -TAP- netns B (10.2.0.2/24, default via 10.2.0.1)
/// </code>
/// The WAN is an in-memory wire whose two ends delay every frame by a few milliseconds and let some skip the
/// delay, so that frames overtake each other within the tunnel's receive window. The kernels have neither a
/// GRE module nor netem to lean on: the tunnel and the impairment are the project's own.
/// Build it, then <see cref="Start"/> the loop; reach the routers only through <see cref="Loop"/>.
/// </summary>
internal sealed class GreLab : IDisposable
{
    public const uint Key = 0x4e4d;
    public static readonly Ipv4Address AddressA = Ipv4Address.Parse("10.1.0.2");
    public static readonly Ipv4Address AddressB = Ipv4Address.Parse("10.2.0.2");

    private readonly CancellationTokenSource _stop = new();
    private readonly NodeTunnels _tunnels1;
    private readonly NodeTunnels _tunnels2;
    private Task? _running;

    public GreLab(ImpairmentOptions wan)
    {
        Loop = new RealTimeLoop();
        var loop = Loop.Loop;
        A = KernelHost.Create(loop, "nmlab-a", "10.1.0.2/24", "10.1.0.1", MacAddress.Parse("02:4e:4d:01:00:01"));
        try
        {
            B = KernelHost.Create(loop, "nmlab-b", "10.2.0.2/24", "10.2.0.1", MacAddress.Parse("02:4e:4d:02:00:01"));
        }
        catch
        {
            A.Dispose();
            throw;
        }

        R1 = new Node(loop, "r1", new NodeOptions { Forwarding = true });
        R2 = new Node(loop, "r2", new NodeOptions { Forwarding = true });
        R1.AddInterface(A.Link, Ipv4Address.Parse("10.1.0.1"), 24);
        R2.AddInterface(B.Link, Ipv4Address.Parse("10.2.0.1"), 24);
        // Each wire end queues as many frames as the impairment may hold, so that frames released together after the
        // loop was busy do not overflow it: the WAN reorders, it does not lose.
        var wire = new PointToPointWire(loop, "wan", MacAddress.Parse("02:4e:4d:0f:00:01"), MacAddress.Parse("02:4e:4d:0f:00:02"),
            queueCapacity: wan.Limit);
        Wire = wire;
        Wan1 = new ImpairedLink(loop, wire.A, wan);
        Wan2 = new ImpairedLink(loop, wire.B, wan with { Seed = wan.Seed + 1 });
        R1.AddInterface(Wan1, Ipv4Address.Parse("192.0.2.1"), 30);
        R2.AddInterface(Wan2, Ipv4Address.Parse("192.0.2.2"), 30);

        _tunnels1 = new NodeTunnels(R1);
        _tunnels2 = new NodeTunnels(R2);
        Gre1 = _tunnels1.AddGre("gre1", Gre("192.0.2.1", "192.0.2.2"), Ipv4Address.Parse("10.255.0.1"), 30);
        Gre2 = _tunnels2.AddGre("gre1", Gre("192.0.2.2", "192.0.2.1"), Ipv4Address.Parse("10.255.0.2"), 30);
        R1.AddRoute(Ipv4Prefix.Parse("10.2.0.0/24"), Gre1.Interface, Ipv4Address.Parse("10.255.0.2"));
        R2.AddRoute(Ipv4Prefix.Parse("10.1.0.0/24"), Gre2.Interface, Ipv4Address.Parse("10.255.0.1"));
    }

    private static GreTunnelOptions Gre(string local, string remote) => new()
    {
        Local = Ipv4Address.Parse(local),
        Remote = Ipv4Address.Parse(remote),
        InputKey = Key,
        OutputKey = Key,
        InputSequence = true,
        OutputSequence = true,
        Reorder = new GreReorderOptions { MaxPerflowBuffer = 64, OutOfOrderTimer = TimeSpan.FromMilliseconds(100) },
    };

    public RealTimeLoop Loop { get; }
    public KernelHost A { get; }
    public KernelHost B { get; }
    public Node R1 { get; }
    public Node R2 { get; }
    public PointToPointWire Wire { get; }
    public ImpairedLink Wan1 { get; }
    public ImpairedLink Wan2 { get; }
    public TunnelInterface Gre1 { get; }
    public TunnelInterface Gre2 { get; }

    public void Start() => _running = Loop.Start(_stop.Token);

    /// <summary>Stops the loop (surfacing an exception a work item threw), then removes devices and namespaces.</summary>
    public void Dispose()
    {
        try
        {
            _stop.Cancel();
            _running?.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        }
        finally
        {
            _tunnels1.Dispose();
            _tunnels2.Dispose();
            B.Dispose();
            A.Dispose();
        }
    }
}
