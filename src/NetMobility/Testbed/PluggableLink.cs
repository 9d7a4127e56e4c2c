using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Testbed;

/// <summary>
/// A network card that can be unplugged from one link and plugged into another, keeping its hardware
/// address: a guest's interface that a live migration moves from a port on the home segment to a port on
/// the destination's. While unplugged it is down: sends are refused and counted, nothing is received.
/// Frames queued on the old port before the move are not delivered to the card afterwards.
/// </summary>
public sealed class PluggableLink : IFrameLink
{
    private readonly FrameReceiver _fromPort;
    private IFrameLink? _port;

    public PluggableLink(string name, MacAddress mac, int mtu = 1500)
    {
        (Name, Mac, Mtu) = (name, mac, mtu);
        _fromPort = OnPortReceived;
    }

    public string Name { get; }
    public MacAddress Mac { get; }
    public int Mtu { get; }

    /// <summary>The link the card is plugged into, or null.</summary>
    public IFrameLink? Port => _port;

    /// <summary>Up when plugged into a port that is up; setting it sets the port's state.</summary>
    public bool IsUp
    {
        get => _port?.IsUp ?? false;
        set
        {
            if (_port is not null) _port.IsUp = value;
        }
    }

    public FrameReceiver? Receiver { get; set; }
    public LinkCounters Counters { get; } = new();

    /// <summary>Plugs the card into <paramref name="port"/> (unplugging it first from any other); the card takes the port's receiver.</summary>
    public void Plug(IFrameLink port)
    {
        if (port.Mtu < Mtu) throw new ArgumentException($"{port.Name} carries {port.Mtu} bytes, the card sends up to {Mtu}", nameof(port));
        Unplug();
        _port = port;
        port.Receiver = _fromPort;
    }

    public void Unplug()
    {
        if (_port is null) return;
        if (_port.Receiver == _fromPort) _port.Receiver = null;
        _port = null;
    }

    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (!FrameCheck.IsSendable(frame, Mtu, out var reason))
        {
            Counters.CountDrop(reason);
            return false;
        }
        if (_port is null)
        {
            Counters.CountDrop(LinkDrop.Down);
            return false;
        }
        if (!_port.Send(frame)) return false;
        Counters.CountSent(frame.Length);
        return true;
    }

    private void OnPortReceived(ReadOnlySpan<byte> frame)
    {
        Counters.CountReceived(frame.Length);
        Receiver?.Invoke(frame);
    }
}
