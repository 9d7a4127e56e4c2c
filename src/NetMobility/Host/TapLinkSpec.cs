using NetMobility.Runtime;
using NetMobility.Configuration;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Host;

/// <summary>
/// <c>{"tap": NAME, "netns": NS, "mode": "create" | "attach" | "create-or-attach", "persistent": BOOL}</c>: a TAP device.
/// <c>attach</c> takes a device made beforehand (<c>ip tuntap add</c>) and, with <c>persistent</c>, leaves it in place
/// when the daemon lets go; a device the daemon created without <c>persistent</c> goes when the daemon does.
/// </summary>
public sealed record TapLinkSpec(string Device, TapMode Mode, bool Persistent) : DeviceLinkSpec
{
    public static TapLinkSpec ReadTap(ConfigElement link)
    {
        link.AllowOnly("tap", "netns", "mode", "persistent");
        var mode = TapMode.CreateOrAttach;
        if (link.TryGet("mode", out var m))
        {
            mode = m.AsString() switch
            {
                "create" => TapMode.Create,
                "attach" => TapMode.Attach,
                "create-or-attach" => TapMode.CreateOrAttach,
                var other => throw m.Error($"'{other}' is not a mode (create, attach, create-or-attach)"),
            };
        }
        bool persistent = link.TryGet("persistent", out var p) && p.AsBool();
        return new TapLinkSpec(ReadDevice(link.Get("tap")), mode, persistent) { Netns = ReadNetns(link) };
    }

    public override IFrameLink Open(EventLoop loop, MacAddress mac, int mtu)
    {
        var options = new TapOptions { Name = Device, Mac = mac, Mtu = mtu, Mode = Mode, Persistent = Persistent };
        return InNetns(() => TapLink.Open(loop, options));
    }

    public override string? FaultOf(IFrameLink link) => ((TapLink)link).Fault;

    public override string Describe() => $"tap {Device}{Where}";
}
