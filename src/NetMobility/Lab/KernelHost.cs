using NetMobility.Links;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Lab;

/// <summary>
/// A Linux kernel as a host of a lab network: a namespace of its own whose one interface is a TAP device,
/// whose other end is a <see cref="TapLink"/> for a node of ours. The kernel's ARP, ICMP and TCP then talk
/// to the project's nodes, routers and tunnels as to any Ethernet neighbour. Disposing closes the link (the
/// kernel removes the device) and deletes the namespace.
/// </summary>
public sealed class KernelHost : IDisposable
{
    private KernelHost(NetNamespace space, TapLink link)
    {
        Namespace = space;
        Link = link;
    }

    public NetNamespace Namespace { get; }

    /// <summary>The node's end of the wire; hand it to <see cref="Net.Node.AddInterface(IFrameLink, Ipv4Address, int)"/>.</summary>
    public TapLink Link { get; }

    /// <summary>The kernel's interface name inside <see cref="Namespace"/>.</summary>
    public string Device => Link.Name;

    /// <summary>
    /// Creates the namespace (<paramref name="name"/>-xxxxxx) and a TAP device, moves the device in, gives it
    /// <paramref name="address"/> ("10.1.0.2/24"), brings it up and, with <paramref name="gateway"/>, routes
    /// everything else there. <paramref name="linkMac"/> is the node's address on the wire. Nothing is left
    /// behind when a step fails.
    /// </summary>
    public static KernelHost Create(EventLoop loop, string name, string address, string? gateway, MacAddress linkMac, int mtu = 1500)
    {
        var space = NetNamespace.Create(name);
        TapLink? link = null;
        try
        {
            link = TapLink.Open(loop, new TapOptions { Name = NetNamespace.UniqueName("nmtap"), Mac = linkMac, Mtu = mtu, Mode = TapMode.Create });
            space.MoveLink(link.Name);
            space.AddAddress(link.Name, address);
            space.SetUp(link.Name);
            if (gateway is not null) space.AddRoute("default", gateway);
            return new KernelHost(space, link);
        }
        catch
        {
            link?.Dispose();
            space.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="command"/> in the host's namespace; a non-zero exit is a <see cref="LabException"/>.</summary>
    public string RunChecked(TimeSpan timeout, params string[] command) => Namespace.RunChecked(timeout, command);

    public void Dispose()
    {
        Link.Dispose();
        Namespace.Dispose();
    }

    public override string ToString() => $"kernel host in {Namespace.Name} on {Device}";
}
