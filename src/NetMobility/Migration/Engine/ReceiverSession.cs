using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Engine;

/// <summary>
/// The destination's state for one migration, kept across dropped connections: the image being rebuilt,
/// per channel the last applied batch and the highest round seen, the device state, and the end of stream
/// from every channel. Thread-safe: each channel applies only its own lane of pages.
/// </summary>
internal sealed class ReceiverSession(StreamHeader header, MemoryImage image, TaskCreationOptions signalOptions = TaskCreationOptions.RunContinuationsAsynchronously)
{
    private readonly object _gate = new();
    private readonly ulong[] _applied = new ulong[header.ChannelCount];
    private readonly uint[] _highestRound = new uint[header.ChannelCount];
    private readonly bool[] _ended = new bool[header.ChannelCount];
    private readonly ReceiverChannel?[] _owners = new ReceiverChannel?[header.ChannelCount];
    private readonly object[] _lanes = Enumerable.Range(0, header.ChannelCount).Select(_ => new object()).ToArray();
    private readonly TaskCompletionSource _allEnded = new(signalOptions);
    private int _endedCount;

    public Guid Token => header.ResumeToken;
    public StreamHeader Header => header;
    public MemoryImage Image => image;
    /// <summary>The rebuilt image's digest, kept page by page as the channels apply pages.</summary>
    public PageDigestTable Digests { get; } = new(image.PageCount, header.ChannelCount);
    public VmOwnership Ownership { get; } = VmOwnership.AtDestination();
    /// <summary>The device state received on the main channel: whole once <see cref="DeviceStateComplete"/>.</summary>
    public byte[] DeviceState { get; private set; } = [];
    private long _deviceStateReceived;

    public long DeviceStateReceived => _deviceStateReceived;
    public bool DeviceStateComplete => _deviceStateReceived == DeviceState.Length;

    /// <summary>
    /// Copies a chunk in, in order (the stream's checks): a chunk at offset 0 begins the device state again, in the
    /// buffer already held when the total is the same (a resumed connection sends it whole again).
    /// </summary>
    public void AddDeviceState(DeviceStateChunk chunk)
    {
        if (chunk.Offset == 0)
        {
            if (DeviceState.Length != chunk.Total) DeviceState = new byte[chunk.Total];
            _deviceStateReceived = 0;
        }
        chunk.Data.CopyTo(DeviceState.AsSpan((int)chunk.Offset));
        _deviceStateReceived = chunk.End;
    }
    public ImageDigest ExpectedDigest { get; private set; }
    public Task AllEnded => _allEnded.Task;

    private TaskCompletionSource<VerifyAnswer>? _verification;

    /// <summary>
    /// The session's one verification: true when the caller is the first to ask and must run it (and then
    /// <see cref="Answer"/>); otherwise <paramref name="answer"/> is the verification under way or done (a resumed main
    /// connection waits for it and answers with the same record).
    /// </summary>
    public bool BeginVerify(out Task<VerifyAnswer> answer)
    {
        lock (_gate)
        {
            bool first = _verification is null;
            _verification ??= new TaskCompletionSource<VerifyAnswer>(signalOptions);
            answer = _verification.Task;
            return first;
        }
    }

    public void Answer(VerifyAnswer answer) => _verification!.TrySetResult(answer);

    public void NotAnswered(Exception failure) => _verification!.TrySetException(failure);

    /// <summary>Whether verification has begun: the image and the device state are whole and may be in use; nothing changes them now.</summary>
    public bool Verifying
    {
        get { lock (_gate) return _verification is not null; }
    }

    public bool Matches(in StreamHeader other) =>
        other.MemorySize == header.MemorySize && other.ChannelCount == header.ChannelCount && other.PageSize == header.PageSize;

    /// <summary>
    /// The lock a channel holds while it applies a batch: taking it when a resumed connection supersedes an
    /// old one guarantees the old one applies nothing after the new one has read its position.
    /// </summary>
    public object Lane(int index) => _lanes[index];

    /// <summary>
    /// Gives channel <paramref name="index"/> to a new connection; false if another serves it and this is not a
    /// resume. A resume supersedes a connection the destination has not yet seen drop (a half-open TCP
    /// connection): the old one stops applying at once.
    /// </summary>
    public bool Attach(int index, bool resume, ReceiverChannel channel, out ulong applied, out uint highestRound)
    {
        lock (_lanes[index])
        lock (_gate)
        {
            applied = _applied[index];
            highestRound = _highestRound[index];
            // A fresh header for a channel that already carried pages is a second stream, not a resume.
            if (!resume && (applied != 0 || _owners[index] is not null)) return false;
            _owners[index]?.Supersede();
            _owners[index] = channel;
            return true;
        }
    }

    public void Detach(int index, ReceiverChannel channel)
    {
        lock (_gate) if (_owners[index] == channel) _owners[index] = null;
    }

    public void Applied(int index, ulong sequence, uint round)
    {
        lock (_gate)
        {
            _applied[index] = sequence;
            if (round > _highestRound[index]) _highestRound[index] = round;
        }
    }

    public void RoundEnded(int index, uint round)
    {
        lock (_gate) if (round > _highestRound[index]) _highestRound[index] = round;
    }

    public PageStreamError Ended(int index, in EndOfStream record)
    {
        lock (_gate)
        {
            if (_endedCount > 0 && (record.Digest != ExpectedDigest)) return PageStreamError.DigestMismatch;
            ExpectedDigest = record.Digest;
            if (!_ended[index])
            {
                _ended[index] = true;
                if (++_endedCount == _ended.Length) _allEnded.TrySetResult();
            }
            return PageStreamError.None;
        }
    }
}
