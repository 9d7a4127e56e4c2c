using System.Security.Cryptography;

namespace NetMobility.Lab;

/// <summary>
/// A Linux network namespace for lab runs: a kernel host of its own (interfaces, addresses, routes, sockets)
/// that TAP devices are moved into, configured and used through iproute2 (<c>ip netns</c>, <c>ip -n</c>).
/// Its name carries a random suffix so that runs side by side, or a run after one that crashed, do not
/// collide. <see cref="Dispose"/> kills the programs started in it and deletes it, whatever happened before.
/// Every command has a time bound; a failure is a <see cref="LabException"/> quoting the command and what
/// <c>ip</c> said. Needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN).
/// </summary>
public sealed class NetNamespace : IDisposable
{
    /// <summary>How long one <c>ip</c> command may take.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly List<LabProcess> _started = [];
    private bool _deleted;

    private NetNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>Creates a namespace named <paramref name="prefix"/>-xxxxxx (random hex) with its loopback up.</summary>
    public static NetNamespace Create(string prefix = "nm") => CreateNamed(UniqueName(prefix + "-"));

    /// <summary>Creates namespace <paramref name="name"/> with its loopback up; one of that name already there is a <see cref="LabException"/>.</summary>
    public static NetNamespace CreateNamed(string name)
    {
        var space = new NetNamespace(name);
        RunIp("netns", "add", space.Name);
        try
        {
            space.Ip("link", "set", "dev", "lo", "up");
        }
        catch
        {
            space.Dispose();
            throw;
        }
        return space;
    }

    /// <summary><paramref name="prefix"/> followed by six random hex digits: a name for a namespace or an interface (keep the prefix to 9 bytes for the 15 an interface name allows).</summary>
    public static string UniqueName(string prefix) => prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    /// <summary>Moves interface <paramref name="device"/> from the caller's namespace into this one (where it starts down).</summary>
    public void MoveLink(string device) => RunIp("link", "set", "dev", device, "netns", Name);

    /// <summary>Adds <paramref name="address"/> ("10.1.0.2/24") to <paramref name="device"/>.</summary>
    public void AddAddress(string device, string address) => Ip("address", "add", address, "dev", device);

    public void SetUp(string device) => Ip("link", "set", "dev", device, "up");

    /// <summary>Adds a route to <paramref name="destination"/> ("10.2.0.0/24" or "default") via <paramref name="gateway"/>.</summary>
    public void AddRoute(string destination, string gateway) => Ip("route", "add", destination, "via", gateway);

    /// <summary>The neighbour table of <paramref name="device"/> as <c>ip neigh show</c> prints it.</summary>
    public string Neighbours(string device) => Ip("neigh", "show", "dev", device);

    /// <summary>Runs <c>ip -n NAME</c> with <paramref name="arguments"/>; answers its standard output.</summary>
    public string Ip(params string[] arguments) => RunIp(["-n", Name, .. arguments]);

    /// <summary>
    /// The octets <paramref name="device"/> has sent and received so far, frames as the kernel counts them (<c>ip -s -j
    /// link</c>, stats64): the difference of two readings is what crossed the link in between, whoever sent it.
    /// </summary>
    public long LinkOctets(string device)
    {
        string json = Ip("-s", "-j", "link", "show", "dev", device);
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            var stats = document.RootElement[0].GetProperty("stats64");
            return stats.GetProperty("rx").GetProperty("bytes").GetInt64() + stats.GetProperty("tx").GetProperty("bytes").GetInt64();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new LabException($"ip -s -j link show dev {device} in {Name}: no octet counters in its answer ({e.Message})");
        }
    }

    /// <summary>
    /// Shapes what <paramref name="device"/> sends to <paramref name="bitsPerSecond"/> (the kernel's token bucket, <c>tc qdisc
    /// replace ... tbf</c>; this kernel has no netem). The bucket holds at least a timer tick's worth of the rate (HZ 250 at the
    /// least) and a full-size frame of loopback.
    /// </summary>
    public void Shape(string device, double bitsPerSecond)
    {
        if (bitsPerSecond is < 1e6 or > 100e9) throw new LabException($"{device} shaped to {bitsPerSecond} bit/s: give 1 Mbit/s to 100 Gbit/s");
        long burst = Math.Max(128 << 10, (long)(bitsPerSecond / 8 / 250));
        var run = Run(TimeSpan.FromSeconds(10), "tc", "qdisc", "replace", "dev", device, "root", "tbf",
            "rate", ((long)bitsPerSecond).ToString(System.Globalization.CultureInfo.InvariantCulture) + "bit", "burst", burst.ToString(System.Globalization.CultureInfo.InvariantCulture), "latency", "500ms");
        if (!run.Succeeded) throw new LabException($"tc: cannot shape {device} in {Name} to {bitsPerSecond} bit/s: {run.StandardError.Trim()}");
    }

    /// <summary>Runs <paramref name="command"/> inside the namespace to completion and answers how it ended.</summary>
    public CommandResult Run(TimeSpan timeout, params string[] command) =>
        CommandRunner.Run("ip", ["netns", "exec", Name, .. command], timeout);

    /// <summary>Runs <paramref name="command"/> inside the namespace; a non-zero exit is a <see cref="LabException"/>.</summary>
    public string RunChecked(TimeSpan timeout, params string[] command)
    {
        var result = Run(timeout, command);
        if (!result.Succeeded)
            throw new LabException($"{CommandRunner.Describe(command[0], command[1..])} in {Name} exited with {result.ExitCode}: {result.FirstErrorLine()}");
        return result.StandardOutput;
    }

    /// <summary>Starts <paramref name="command"/> inside the namespace in the background; it is killed when the namespace is disposed, if not before.</summary>
    public LabProcess Start(params string[] command)
    {
        var process = CommandRunner.Start("ip", ["netns", "exec", Name, .. command]);
        var started = new LabProcess($"{CommandRunner.Describe(command[0], command[1..])} in {Name}", process);
        _started.Add(started);
        return started;
    }

    /// <summary>Kills what was started in the namespace, then deletes it; safe to call more than once.</summary>
    public void Dispose()
    {
        try
        {
            foreach (var process in _started) process.Dispose();
            _started.Clear();
        }
        finally
        {
            // Deleted even when a program would not go quietly: a namespace outlives the process that made it.
            if (!_deleted)
            {
                _deleted = true;
                DeleteIfExists(Name);
            }
        }
    }

    /// <summary>A namespace made before (by a lab), to run programs in; disposing it kills them and deletes it, as for one made here.</summary>
    public static NetNamespace Existing(string name) =>
        Exists(name) ? new NetNamespace(name) : throw new LabException($"network namespace {name} does not exist");

    /// <summary>True when a namespace named <paramref name="name"/> exists (bound under /run/netns, as <c>ip netns</c> keeps them).</summary>
    public static bool Exists(string name) => File.Exists(Path.Combine("/run/netns", name));

    /// <summary>Deletes namespace <paramref name="name"/> if it exists (with every device in it); answers whether it did.</summary>
    public static bool DeleteIfExists(string name)
    {
        if (!Exists(name)) return false;
        RunIp("netns", "delete", name);
        return true;
    }

    private static string RunIp(params string[] arguments)
    {
        var result = CommandRunner.Run("ip", arguments, CommandTimeout);
        if (!result.Succeeded) throw new LabException($"{CommandRunner.Describe("ip", arguments)}: {result.FirstErrorLine()}");
        return result.StandardOutput;
    }

    public override string ToString() => $"netns {Name}";
}
