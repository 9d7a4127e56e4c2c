using System.IO.Pipelines;

namespace NetMobility.Migration.Transports;

/// <summary>One connection of a migration: the forward records go out through <see cref="Output"/>, the return records come in through <see cref="Input"/> (or the other way round at the destination).</summary>
public interface IMigrationChannel : IAsyncDisposable
{
    PipeReader Input { get; }
    PipeWriter Output { get; }
    /// <summary>Where the other end is, for messages ("127.0.0.1:40000", "memory#2").</summary>
    string Peer { get; }

    /// <summary>
    /// The source waited for a reply on this channel and has read it. A transport in virtual time moves its clock to
    /// when that reply arrived (it does not while replies are read in the background); a real one has nothing to do:
    /// time comes through the transport, and the engine does not ask what kind of clock it has.
    /// </summary>
    void ReplyAwaited() { }
}

/// <summary>The source's way to open (and, after a drop, reopen) channel number <c>index</c> to the destination.</summary>
public interface IChannelConnector
{
    ValueTask<IMigrationChannel> ConnectAsync(int index, CancellationToken cancellationToken);
}

/// <summary>The destination's way to take the channels the source opens.</summary>
public interface IChannelListener : IAsyncDisposable
{
    ValueTask<IMigrationChannel> AcceptAsync(CancellationToken cancellationToken);
}
