using System.IO.Pipelines;

namespace NetMobility.Migration.Transports;

/// <summary>One end of an in-memory connection.</summary>
public sealed class InMemoryChannel : IMigrationChannel
{
    private readonly PathEndpoint _endpoint;

    internal InMemoryChannel(PipeReader input, PipeWriter output, PathEndpoint endpoint, string peer) =>
        (Input, Output, _endpoint, Peer) = (input, output, endpoint, peer);

    public PipeReader Input { get; }
    public PipeWriter Output { get; }
    public string Peer { get; }

    /// <summary>When the octets this end last read arrived.</summary>
    public DateTimeOffset LastArrival => _endpoint.LastArrival;

    public void ReplyAwaited() => _endpoint.ReplyAwaited();

    /// <summary>Cuts this connection (both directions), as a failing network would.</summary>
    public void Sever() => _endpoint.Connection.Sever();

    public ValueTask DisposeAsync()
    {
        Output.Complete();
        Input.Complete();
        return ValueTask.CompletedTask;
    }
}
