namespace NetMobility.Migration.Transports;

/// <summary>
/// One direction of a path: octets leave one after another at the path's bandwidth, whichever channel
/// wrote them, and arrive one latency later. Thread-safe.
/// </summary>
internal sealed class PathTimeline(PathModel model)
{
    private readonly object _gate = new();
    private DateTimeOffset _freeAt = DateTimeOffset.MinValue;

    /// <summary>Books <paramref name="bytes"/> starting no earlier than <paramref name="ready"/>; returns when the last octet leaves and arrives.</summary>
    public (DateTimeOffset Departure, DateTimeOffset Arrival) Send(DateTimeOffset ready, long bytes)
    {
        lock (_gate)
        {
            var start = ready > _freeAt ? ready : _freeAt;
            var departure = start + model.SerializationTime(bytes);
            _freeAt = departure;
            return (departure, departure + model.Latency);
        }
    }
}
