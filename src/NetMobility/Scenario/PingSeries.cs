using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Scenario;

/// <summary>
/// Echo requests from a node to one address at a steady interval, as <c>ping -i</c> sends them; each reply's round
/// trip is kept with the time its request left. Takes the node's ICMP handler; the requests are built in one buffer.
/// </summary>
public sealed class PingSeries : IDisposable
{
    private const ushort Identifier = 0x4E4D;
    private const int DataLength = 56;
    private readonly Node _node;
    private readonly Ipv4Address _destination;
    private readonly TimeSpan _interval;
    private readonly LoopTimer _timer;
    private readonly byte[] _buffer;
    private readonly List<DateTimeOffset> _sentAt = [];
    private readonly List<LatencySample> _replies = [];

    public PingSeries(Node node, Ipv4Address destination, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _node = node;
        _destination = destination;
        _interval = interval;
        _buffer = new byte[Icmpv4Message.EchoRequest(Identifier, 0, DataLength).BufferLength];
        _timer = node.Loop.CreateTimer(static s => ((PingSeries)s!).Send(), this);
        node.SetProtocolHandler(IpProtocol.Icmp, OnIcmp);
    }

    public int Sent => _sentAt.Count;

    /// <summary>Replies, by the time their request left; a request answered twice counts once.</summary>
    public IReadOnlyList<LatencySample> Replies => _replies;

    public void Start() => _timer.Schedule(TimeSpan.Zero);

    public void Stop() => _timer.Cancel();

    public void Dispose()
    {
        _timer.Dispose();
        _node.SetProtocolHandler(IpProtocol.Icmp, null);
    }

    private void Send()
    {
        var sequence = (ushort)_sentAt.Count;
        var message = Icmpv4Message.EchoRequest(Identifier, sequence, DataLength);
        message.Emit(_buffer);
        _sentAt.Add(_node.Loop.Time.GetUtcNow());
        _node.SendIp(new Ipv4Header(Ipv4Address.Any, _destination, IpProtocol.Icmp, _buffer.Length, _node.Options.DefaultTtl), _buffer);
        _timer.Schedule(_interval);
    }

    private void OnIcmp(NetInterface ingress, Ipv4Packet packet)
    {
        if (!Icmpv4Packet.TryCreate(packet.Payload, ChecksumPolicy.Verify, out var icmp, out _)
            || icmp.Type != Icmpv4Type.EchoReply || icmp.Identifier != Identifier || packet.Source != _destination) return;
        int sequence = icmp.SequenceNumber;
        if (sequence >= _sentAt.Count || _sentAt[sequence] == default) return;
        var sent = _sentAt[sequence];
        _sentAt[sequence] = default; // answered: a duplicate reply is not a second sample
        _replies.Add(new LatencySample(sent, _node.Loop.Time.GetUtcNow() - sent));
    }
}
