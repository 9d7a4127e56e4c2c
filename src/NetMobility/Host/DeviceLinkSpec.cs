using NetMobility.Runtime;
using NetMobility.Configuration;
using NetMobility.Lab;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Host;

/// <summary>A link on a device the kernel provides, opened (and opened again after a failure) by the daemon.</summary>
public abstract record DeviceLinkSpec : LinkSpec
{
    public string? Netns { get; init; }

    /// <summary>Opens the device; a refusal is a <see cref="LinkOpenException"/>, <see cref="TapException"/> or
    /// <see cref="InterfaceLinkException"/> with one line.</summary>
    public abstract IFrameLink Open(EventLoop loop, MacAddress mac, int mtu);

    /// <summary>Why an open device stopped carrying frames for good, or null while it works.</summary>
    public abstract string? FaultOf(IFrameLink link);

    protected static string? ReadNetns(ConfigElement link)
    {
        if (!link.TryGet("netns", out var netns)) return null;
        string name = netns.AsString();
        if (name.Length == 0 || name is "." or ".." || name.Contains('/')) throw netns.Error($"'{name}' is not a network namespace name");
        return name;
    }

    protected static string ReadDevice(ConfigElement field)
    {
        string name = field.AsString();
        if (name.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(name) > 15 || name is "." or ".." || name.AsSpan().IndexOfAny("/: \t\n\r\0") >= 0)
            throw field.Error($"'{name}' is not an interface name (1 to 15 bytes, no '/', ':' or white space)");
        return name;
    }

    protected string Where => Netns is null ? "" : $" in netns {Netns}";

    /// <summary>Opens a device inside <see cref="Netns"/>; a namespace that cannot be entered is a <see cref="LinkOpenException"/>.</summary>
    protected T InNetns<T>(Func<T> open)
    {
        try
        {
            return NetnsScope.Run(Netns, open);
        }
        catch (LabException e)
        {
            throw new LinkOpenException(e.Message);
        }
    }
}
