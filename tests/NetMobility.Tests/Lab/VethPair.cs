using NetMobility.Lab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// A veth pair between two network namespaces made for one test: the kernel's end (<see cref="KernelDevice"/>, with an
/// address, up) in <see cref="Kernel"/>, and the node's end (<see cref="WireDevice"/>, up, no address, so that
/// namespace's stack stays out of the way) in <see cref="Wire"/>. Dispose removes both namespaces and the pair with them.
/// </summary>
internal sealed class VethPair : IDisposable
{
    public VethPair(string kernelAddress)
    {
        Kernel = NetNamespace.Create("nmvk");
        try
        {
            Wire = NetNamespace.Create("nmvw");
            string suffix = Kernel.Name[^6..];
            KernelDevice = $"nmk{suffix}";
            WireDevice = $"nmw{suffix}";
            Add(kernelAddress);
        }
        catch
        {
            Wire?.Dispose();
            Kernel.Dispose();
            throw;
        }
    }

    public NetNamespace Kernel { get; }
    public NetNamespace Wire { get; } = null!;
    public string KernelDevice { get; }
    public string WireDevice { get; }

    /// <summary>Makes the pair (again, after <see cref="Delete"/>): the kernel's end gets <paramref name="kernelAddress"/>; both ends up.</summary>
    public void Add(string kernelAddress)
    {
        Kernel.Ip("link", "add", KernelDevice, "type", "veth", "peer", "name", WireDevice, "netns", Wire.Name);
        // No IPv6 on the node's end: its stack would otherwise send router solicitations out of it.
        Wire.RunChecked(NetNamespace.CommandTimeout, "sysctl", "-q", "-w", $"net.ipv6.conf.{WireDevice}.disable_ipv6=1");
        Kernel.AddAddress(KernelDevice, kernelAddress);
        Kernel.SetUp(KernelDevice);
        Wire.SetUp(WireDevice);
    }

    /// <summary>Deletes the pair (both ends go).</summary>
    public void Delete() => Kernel.Ip("link", "delete", KernelDevice);

    /// <summary>The frames the kernel's end has received, from <c>/sys/class/net/DEV/statistics/rx_packets</c>.</summary>
    public long KernelReceived() => long.Parse(Kernel.RunChecked(NetNamespace.CommandTimeout, "cat", $"/sys/class/net/{KernelDevice}/statistics/rx_packets").Trim());

    public void Dispose()
    {
        Wire.Dispose();
        Kernel.Dispose();
    }
}
