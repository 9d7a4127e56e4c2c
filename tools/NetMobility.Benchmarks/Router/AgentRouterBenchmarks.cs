using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using NetMobility.Lab;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Benchmarks.Router;

/// <summary>
/// A <c>netmob agent</c> process routing between two devices against a <see cref="PlainForwarder"/> on the same
/// devices, which is the limit of that path. The Linux kernel sends UDP from namespace L (10.1.0.2) to namespace R
/// (10.2.0.2) through the router; <c>tap</c>: the kernel's ends are two TAP devices whose descriptors the router
/// holds; <c>packet</c>: two veth pairs whose router ends are AF_PACKET sockets in the router's namespace; <c>kernel/veth</c>:
/// the same veth pairs with the kernel forwarding between them, the baseline a user would pick.
/// <see cref="Throughput"/>: a window of datagrams sent back to back, done when R has them all (one operation is one
/// datagram, so the mean is the time per frame at that window). <see cref="RoundTrip"/>: one datagram to R and
/// back (two crossings of the router); every round trip is timed and the cleanup prints its median and 99th
/// percentile. Needs root, iproute2 and /dev/net/tun; run it alone:
/// <c>dotnet run -c Release -- --filter '*AgentRouterBenchmarks*' --job short</c>.
/// </summary>
public class AgentRouterBenchmarks
{
    private const int Window = 32;
    private const int Port = 5001;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly MacAddress RouterLeft = new(0x02_4e_4d_0d_00_01), RouterRight = new(0x02_4e_4d_0d_00_02);
    private static readonly MacAddress KernelLeft = new(0x02_4e_4d_0d_00_a1), KernelRight = new(0x02_4e_4d_0d_00_a2);

    private readonly List<IDisposable> _owned = [];
    private readonly SemaphoreSlim _windowDone = new(0);
    private readonly long[] _roundTrips = new long[1 << 22];
    private int _timed;
    private Socket _sender = null!, _receiver = null!;
    private Thread _receiving = null!;
    private byte[] _payload = [];
    private readonly byte[] _reply = new byte[65536];
    private long _received, _target, _requests;
    private volatile bool _echo, _stopping;
    private string _work = "";

    /// <summary>
    /// ROUTER/DEVICE. Router <c>plain</c>: <see cref="PlainForwarder"/>; <c>agent</c>: a <c>netmob agent</c> process;
    /// <c>kernel</c>: the Linux kernel's own IP forwarding in the router's namespace (what a user would run instead),
    /// on veth pairs only. Device <c>packet</c>: AF_PACKET, the agent reading a TPACKET_V3 ring; <c>packet-mmsg</c>:
    /// the same with recvmmsg(2) (<c>"ring": false</c>); <c>veth</c>: the kernel's own ends of the same veth pairs.
    /// </summary>
    [ParamsSource(nameof(Routes))]
    public string Route { get; set; } = "plain/tap";

    public static IEnumerable<string> Routes => ["plain/tap", "agent/tap", "plain/packet", "agent/packet", "agent/packet-mmsg", "kernel/veth"];

    private string Router => Route.Split('/')[0];

    private string Device => Route.Split('/')[1];

    /// <summary>The IP packet's length (UDP header and payload included).</summary>
    [Params(64, 1400)]
    public int PacketLength { get; set; } = 64;

    [GlobalSetup(Target = nameof(Throughput))]
    public void SetupThroughput() => SetupOrCleanUp(echo: false);

    [GlobalSetup(Target = nameof(RoundTrip))]
    public void SetupRoundTrip() => SetupOrCleanUp(echo: true);

    /// <summary>A setup that fails removes what it made: the harness does not call the cleanup then.</summary>
    private void SetupOrCleanUp(bool echo)
    {
        try
        {
            Setup(echo);
        }
        catch
        {
            Cleanup();
            throw;
        }
    }

    [Benchmark(OperationsPerInvoke = Window)]
    public long Throughput()
    {
        Volatile.Write(ref _target, Volatile.Read(ref _received) + Window);
        for (int i = 0; i < Window; i++) _sender.Send(_payload);
        if (!_windowDone.Wait(Bound)) throw new TimeoutException($"{Volatile.Read(ref _received)} of {_target} datagrams arrived");
        return _received;
    }

    [Benchmark]
    public int RoundTrip()
    {
        // Each request carries its number; the answer to this one, not a late one, ends the round trip.
        long number = ++_requests;
        BinaryPrimitives.WriteInt64LittleEndian(_payload, number);
        long started = Stopwatch.GetTimestamp();
        _sender.Send(_payload);
        int length;
        do length = _sender.Receive(_reply);
        while (length < sizeof(long) || BinaryPrimitives.ReadInt64LittleEndian(_reply) != number);
        if (_timed < _roundTrips.Length) _roundTrips[_timed++] = Stopwatch.GetTimestamp() - started;
        return length;
    }

    private void Setup(bool echo)
    {
        _echo = echo;
        _work = Directory.CreateTempSubdirectory("nmrb-").FullName;
        var left = Own(NetNamespace.Create("nmbl"));
        var right = Own(NetNamespace.Create("nmbr"));
        var middle = Own(NetNamespace.Create("nmbx"));
        string suffix = middle.Name[^6..];
        string leftKernel, rightKernel, leftRouter, rightRouter;
        string? routerNetnsLeft, routerNetnsRight;
        if (Device == "tap")
        {
            leftKernel = leftRouter = $"nmtl{suffix}";
            rightKernel = rightRouter = $"nmtr{suffix}";
            left.Ip("tuntap", "add", "dev", leftKernel, "mode", "tap");
            right.Ip("tuntap", "add", "dev", rightKernel, "mode", "tap");
            (routerNetnsLeft, routerNetnsRight) = (left.Name, right.Name);
        }
        else
        {
            (leftKernel, leftRouter) = ($"nmvl{suffix}", $"nmxl{suffix}");
            (rightKernel, rightRouter) = ($"nmvr{suffix}", $"nmxr{suffix}");
            left.Ip("link", "add", leftKernel, "type", "veth", "peer", "name", leftRouter, "netns", middle.Name);
            right.Ip("link", "add", rightKernel, "type", "veth", "peer", "name", rightRouter, "netns", middle.Name);
            middle.SetUp(leftRouter);
            middle.SetUp(rightRouter);
            (routerNetnsLeft, routerNetnsRight) = (middle.Name, middle.Name);
        }
        Kernel(left, leftKernel, KernelLeft, "10.1.0.2/24", "10.1.0.1", RouterLeft);
        Kernel(right, rightKernel, KernelRight, "10.2.0.2/24", "10.2.0.1", RouterRight);

        if (Router == "kernel")
        {
            RouteInKernel(middle, (leftRouter, RouterLeft, "10.1.0.1/24", "10.1.0.2", KernelLeft), (rightRouter, RouterRight, "10.2.0.1/24", "10.2.0.2", KernelRight));
        }
        else if (Router == "plain")
        {
            int[] fds = Device == "tap"
                ? [OpenTap(routerNetnsLeft, leftRouter, RouterLeft), OpenTap(routerNetnsRight, rightRouter, RouterRight)]
                : [OpenPacket(middle.Name, leftRouter), OpenPacket(middle.Name, rightRouter)];
            Own(new PlainForwarder(fds, Device != "tap", [RouterLeft, RouterRight], [KernelLeft, KernelRight]));
        }
        else StartAgent(Device, routerNetnsLeft, leftRouter, routerNetnsRight, rightRouter);

        _receiver = NetnsScope.Run(right.Name, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        _receiver.ReceiveBufferSize = 4 << 20;
        _receiver.Bind(new IPEndPoint(IPAddress.Any, Port));
        _sender = NetnsScope.Run(left.Name, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        _sender.ReceiveTimeout = (int)Bound.TotalMilliseconds;
        _sender.Connect(new IPEndPoint(IPAddress.Parse("10.2.0.2"), Port));
        _payload = new byte[PacketLength - Ipv4Header.MinLength - 8];
        _receiving = new Thread(Receive) { IsBackground = true, Name = "receiver" };
        _receiving.Start();

        // The first datagram waits for nothing (the neighbours are static); a few windows warm every path up.
        if (echo) for (int i = 0; i < 16; i++) RoundTrip();
        else for (int i = 0; i < 4; i++) Throughput();
        _timed = 0;
    }

    private void Receive()
    {
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (!_stopping)
        {
            int length;
            try
            {
                length = _receiver.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException) when (_stopping)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (_echo) _receiver.SendTo(buffer.AsSpan(0, length), from);
            if (Interlocked.Increment(ref _received) == Volatile.Read(ref _target)) _windowDone.Release();
        }
    }

    private static void Kernel(NetNamespace space, string device, MacAddress mac, string address, string gateway, MacAddress gatewayMac)
    {
        space.Ip("link", "set", "dev", device, "address", mac.ToString());
        space.AddAddress(device, address);
        space.SetUp(device);
        space.AddRoute("default", gateway);
        space.Ip("neigh", "replace", gateway, "lladdr", gatewayMac.ToString(), "dev", device, "nud", "permanent");
    }

    /// <summary>The router's namespace forwards by itself: the veth ends get the router's addresses and MACs, static neighbours, ip_forward on.</summary>
    private static void RouteInKernel(NetNamespace middle, params (string Device, MacAddress Mac, string Address, string Neighbour, MacAddress NeighbourMac)[] ends)
    {
        foreach (var end in ends)
        {
            middle.Ip("link", "set", "dev", end.Device, "address", end.Mac.ToString());
            middle.AddAddress(end.Device, end.Address);
            middle.Ip("neigh", "replace", end.Neighbour, "lladdr", end.NeighbourMac.ToString(), "dev", end.Device, "nud", "permanent");
        }
        var forwarding = middle.Run(Bound, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        if (!forwarding.Succeeded) throw new LabException($"sysctl net.ipv4.ip_forward=1: {forwarding.StandardError.Trim()}");
    }

    private int OpenTap(string? netns, string name, MacAddress mac) =>
        NetnsScope.Run(netns, () => TapDevice.Open(new TapOptions { Name = name, Mac = mac, Mode = TapMode.Attach }).Fd);

    private static unsafe int OpenPacket(string netns, string device) => NetnsScope.Run(netns, () =>
    {
        int fd = PacketNative.Socket(PacketNative.AfPacket, PacketNative.SockRaw | PacketNative.SockNonBlock | PacketNative.SockCloExec, PacketNative.EthPAllNetwork);
        if (fd < 0) throw new LabException($"AF_PACKET socket: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        int index = (int)PacketNative.IfNameToIndex(device);
        var address = new PacketNative.SockAddrLl { Family = PacketNative.AfPacket, Protocol = PacketNative.EthPAllNetwork, IfIndex = index };
        if (PacketNative.Bind(fd, &address, (uint)sizeof(PacketNative.SockAddrLl)) < 0) throw new LabException($"bind {device}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var membership = new PacketNative.PacketMreq { IfIndex = index, Type = PacketNative.PacketMrPromisc };
        PacketNative.SetSockOpt(fd, PacketNative.SolPacket, PacketNative.PacketAddMembership, &membership, (uint)sizeof(PacketNative.PacketMreq));
        int one = 1;
        PacketNative.SetSockOpt(fd, PacketNative.SolPacket, PacketNative.PacketIgnoreOutgoing, &one, sizeof(int));
        return fd;
    });

    private void StartAgent(string kind, string? leftNetns, string left, string? rightNetns, string right)
    {
        string Link(string? netns, string device) => kind == "tap"
            ? $$"""{"tap": "{{device}}", "netns": "{{netns}}", "mode": "attach"}"""
            : $$"""{"packet": "{{device}}", "netns": "{{netns}}", "ring": {{(kind == "packet" ? "true" : "false")}}}""";
        string config = Path.Combine(_work, "router.json");
        File.WriteAllText(config, $$"""
            {
              "node": {
                "name": "bench",
                "forwarding": true,
                "interfaces": [
                  {"name": "left", "mac": "{{RouterLeft}}", "address": "10.1.0.1/24", "link": {{Link(leftNetns, left)}} },
                  {"name": "right", "mac": "{{RouterRight}}", "address": "10.2.0.1/24", "link": {{Link(rightNetns, right)}} }
                ],
                "arp": [
                  {"interface": "left", "address": "10.1.0.2", "mac": "{{KernelLeft}}" },
                  {"interface": "right", "address": "10.2.0.2", "mac": "{{KernelRight}}" }
                ]
              },
              "control": "{{Path.Combine(_work, "router.sock")}}",
              "Logging": {"LogLevel": {"Default": "Warning", "NetMobility.Agent": "Information"} }
            }
            """);
        string netmob = Path.Combine(AppContext.BaseDirectory, "netmob.dll");
        var agent = new LabProcess("netmob agent", CommandRunner.Start("dotnet", ["exec", netmob, "agent", "--config", config]));
        Own(agent);
        agent.WaitForOutputAsync("node bench started", Bound).GetAwaiter().GetResult();
    }

    private T Own<T>(T owned) where T : IDisposable
    {
        _owned.Insert(0, owned);
        return owned;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_timed > 0)
        {
            var times = _roundTrips.AsSpan(0, _timed);
            times.Sort();
            double Micro(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"// round trips {Route}/{PacketLength}: n={_timed} median {Micro(times[_timed / 2]):0.0} us, p99 {Micro(times[(int)(_timed * 0.99)]):0.0} us"));
        }
        _stopping = true;
        _receiver?.Dispose();
        _sender?.Dispose();
        _receiving?.Join(Bound);
        foreach (var owned in _owned) owned.Dispose();
        _owned.Clear();
        if (_work.Length > 0) Directory.Delete(_work, recursive: true);
    }
}
