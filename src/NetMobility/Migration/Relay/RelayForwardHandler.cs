using System.Buffers;
using System.IO.Pipelines;
using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Relay;

/// <summary>
/// The receiving end's handler of the relay's forward records (docs/page-stream.md sec 9), one session across its
/// connections: the header first on each connection (a resumed one must name the session's token), chunks exactly at
/// the next offset (nothing lost, nothing twice), the end at the length received. Chunk data goes into the
/// hypervisor's <see cref="PipeWriter"/>; after each read it is flushed there, and only then acknowledged.
/// </summary>
internal sealed class RelayForwardHandler(PipeWriter hypervisor) : IRecordHandler
{
    private PipeWriter? _reply;
    private Guid? _token;
    private bool _headerSeen, _ackDue, _ended;
    private long _next;

    /// <summary>Octets written toward the hypervisor (flushed after each read, before they are acknowledged).</summary>
    public long Received => _next;

    /// <summary>What went wrong on the hypervisor's side (its socket closed), if anything: the relay ends there.</summary>
    public string? HypervisorFailure { get; private set; }

    public bool Done { get; private set; }

    /// <summary>A new connection: its return records go to <paramref name="reply"/>, and it must begin with a header.</summary>
    public void Attach(PipeWriter reply)
    {
        _reply = reply;
        _headerSeen = false;
        _ackDue = false;
    }

    public PageStreamError Handle(RecordType type, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case RecordType.HypervisorStreamHeader:
                if (_headerSeen) return PageStreamError.OutOfOrder;
                if (!HypervisorStreamHeader.TryParse(payload, out var header, out var error)) return error;
                // A new stream on a session that has one, or a resumed stream this end never saw, is not this session.
                if (header.Resume != _token.HasValue || (_token is { } token && token != header.ResumeToken)) return PageStreamError.UnknownSession;
                _token = header.ResumeToken;
                _headerSeen = true;
                _ackDue = true;
                return PageStreamError.None;
            case RecordType.HypervisorChunk:
                if (!_headerSeen || _ended) return PageStreamError.OutOfOrder;
                if (!HypervisorChunk.TryParse(payload, out var chunk, out error)) return error;
                if (chunk.Offset != _next) return PageStreamError.OutOfOrder;
                hypervisor.Write(chunk.Data);
                _next = chunk.End;
                _ackDue = true;
                return PageStreamError.None;
            case RecordType.HypervisorStreamEnd:
                if (!_headerSeen || _ended) return PageStreamError.OutOfOrder;
                if (!HypervisorStreamEnd.TryParse(payload, out var end, out error)) return error;
                if (end.StreamLength != _next) return PageStreamError.OutOfOrder;
                _ended = true;
                _ackDue = true;
                return PageStreamError.None;
            default:
                return PageStreamError.UnknownType;
        }
    }

    public async ValueTask AfterRecordsAsync(CancellationToken cancellationToken)
    {
        if (!_ackDue || _reply is null) return;
        _ackDue = false;
        try
        {
            await hypervisor.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // Not the relay's connection: the hypervisor went away. Nothing more can be delivered.
            HypervisorFailure = ex.Message;
            Done = true;
            return;
        }
        Span<byte> record = stackalloc byte[RecordFrame.HeaderLength + HypervisorAck.Length];
        new HypervisorAck(_next).Emit(record[RecordFrame.HeaderLength..]);
        RecordFrame.Emit(record, RecordType.HypervisorAck, record[RecordFrame.HeaderLength..]);
        _reply.Write(record);
        await _reply.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_ended) Done = true;
    }
}
