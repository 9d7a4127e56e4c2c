using System.IO.Pipelines;

namespace NetMobility.Migration.Transports;

/// <summary>One connection of a migration: the forward records go out through <see cref="Output"/>, the return records come in through <see cref="Input"/> (or the other way round at the destination).</summary>
public interface IMigrationChannel : IAsyncDisposable
{
    PipeReader Input { get; }
    PipeWriter Output { get; }
    /// <summary>Where the other end is, for messages ("127.0.0.1:40000", "memory#2").</summary>
    string Peer { get; }
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
