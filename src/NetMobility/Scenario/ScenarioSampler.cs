using NetMobility.Runtime;
using NetMobility.Testbed.Tcp;

namespace NetMobility.Scenario;

/// <summary>
/// Feeds a <see cref="ScenarioTimeline"/> from the scenario's sessions on the network's virtual clock: a timer on the
/// loop reads their counters at a steady interval and passes on the request latencies and ping replies that came
/// since the last tick. It only reads: the run goes the same with it as without.
/// </summary>
internal sealed class ScenarioSampler : IDisposable
{
    private readonly ScenarioTimeline _timeline;
    private readonly EventLoop _loop;
    private readonly BulkSession _bulk;
    private readonly RequestSession _requests;
    private readonly PingSeries _ping;
    private readonly TimeSpan _interval;
    private readonly LoopTimer _timer;
    private int _latencies, _replies;

    public ScenarioSampler(ScenarioTimeline timeline, EventLoop loop, BulkSession bulk, RequestSession requests, PingSeries ping, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _timeline = timeline;
        _loop = loop;
        _bulk = bulk;
        _requests = requests;
        _ping = ping;
        _interval = interval;
        _timer = loop.CreateTimer(static s => ((ScenarioSampler)s!).OnTick(), this);
        Take();
        _timer.Schedule(interval);
    }

    private void OnTick()
    {
        Take();
        _timer.Schedule(_interval);
    }

    private void Take()
    {
        var now = _loop.Time.GetUtcNow();
        _timeline.SessionProgress("bulk", now, _bulk.Received.Length, Retransmitted(_bulk.Client) + Retransmitted(_bulk.Server));
        _timeline.SessionProgress("requests", now, _requests.RequestsReceived.Length + _requests.ResponsesReceived.Length,
            Retransmitted(_requests.Client) + Retransmitted(_requests.Server));
        var latencies = _requests.Latencies;
        for (; _latencies < latencies.Count; _latencies++) _timeline.RequestLatency("requests", latencies[_latencies].Start, latencies[_latencies].Latency);
        var replies = _ping.Replies;
        for (; _replies < replies.Count; _replies++) _timeline.PingReply(replies[_replies].Start, replies[_replies].Latency);
        _timeline.Sample(now);
    }

    private static long Retransmitted(TcpConnection? connection) => connection?.Counters.SegmentsRetransmitted ?? 0;

    /// <summary>Stops sampling, after a last sample of where the sessions ended.</summary>
    public void Dispose()
    {
        Take();
        _timer.Dispose();
    }
}
