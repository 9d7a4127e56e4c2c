namespace NetMobility.Migration.Transports;

/// <summary>
/// A channel that knows when the octets it last read arrived. In virtual time the source does not move its
/// clock when a reply is read in the background, only when it actually waits for one: it then moves the
/// clock to <see cref="LastArrival"/>.
/// </summary>
public interface ITimedChannel
{
    DateTimeOffset LastArrival { get; }
}
