using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Wire;

namespace NetMobility.Scenario;

/// <summary>
/// A numbered TCP-shaped flow from one <see cref="TestHost"/> to a port of another at a steady rate on the event
/// loop: packet n carries sequence n x payload, one every 1/rate. A paused sender (the VM while it does not run)
/// sends nothing, and goes on with the next number when it resumes, as a stopped guest's application does: a
/// pause delays packets, it does not lose them.
/// </summary>
public sealed class PacedFlow : IDisposable
{
    private readonly TestHost _sender;
    private readonly Ipv4Address _destination;
    private readonly ushort _sourcePort;
    private readonly TimeSpan _interval;
    private readonly LoopTimer _timer;
    private bool _running;
    private bool _paused;

    public PacedFlow(TestHost sender, Ipv4Address destination, ushort sourcePort, ushort destinationPort, double packetsPerSecond, int payloadBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(packetsPerSecond, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(payloadBytes, 1);
        _sender = sender;
        _destination = destination;
        _sourcePort = sourcePort;
        DestinationPort = destinationPort;
        PayloadBytes = payloadBytes;
        _interval = TimeSpan.FromTicks(Math.Max(1, (long)Math.Round(TimeSpan.TicksPerSecond / packetsPerSecond)));
        _timer = sender.Node.Loop.CreateTimer(static s => ((PacedFlow)s!).Tick(), this);
    }

    public ushort DestinationPort { get; }
    public int PayloadBytes { get; }

    /// <summary>Packets numbered so far: 0 .. Sent - 1 were due and handed to the sender's stack (or refused by it).</summary>
    public int Sent { get; private set; }

    /// <summary>Numbered packets the sender's own stack would not take (no route, link down).</summary>
    public int RefusedBySender { get; private set; }

    /// <summary>The first packet goes now, the next one interval later, and so on until <see cref="Stop"/>.</summary>
    public void Start()
    {
        _running = true;
        _timer.Schedule(TimeSpan.Zero);
    }

    public void Stop()
    {
        _running = false;
        _timer.Cancel();
    }

    public void Pause() => _paused = true;

    public void Resume() => _paused = false;

    public void Dispose() => _timer.Dispose();

    private void Tick()
    {
        if (!_running) return;
        if (!_paused)
        {
            if (!_sender.SendSegment(_destination, _sourcePort, DestinationPort, unchecked((uint)((long)Sent * PayloadBytes)), PayloadBytes)) RefusedBySender++;
            Sent++;
        }
        _timer.Schedule(_interval);
    }
}
