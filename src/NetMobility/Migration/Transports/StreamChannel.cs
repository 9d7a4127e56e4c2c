using System.IO.Pipelines;

namespace NetMobility.Migration.Transports;

/// <summary>A channel over a byte stream (a TCP <see cref="System.Net.Sockets.NetworkStream"/> or an <see cref="System.Net.Security.SslStream"/> over one).</summary>
public sealed class StreamChannel : IMigrationChannel
{
    // A read buffer as large as the largest record keeps most records within one segment (no copy to
    // reassemble them); 1 MiB per channel bounds what a channel buffers.
    private const int ReadBufferSize = 1 << 20;
    private const int WriteBufferSize = 256 * 1024;

    private readonly System.IO.Stream _stream;

    public StreamChannel(System.IO.Stream stream, string peer)
    {
        _stream = stream;
        Peer = peer;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReadBufferSize, minimumReadSize: ReadBufferSize / 4, leaveOpen: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: WriteBufferSize, leaveOpen: true));
    }

    public PipeReader Input { get; }
    public PipeWriter Output { get; }
    public string Peer { get; }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The peer is gone; what was left unflushed is lost with the connection.
        }
        await Input.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
