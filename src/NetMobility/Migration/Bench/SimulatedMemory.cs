using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Bench;

/// <summary>
/// A memory image reduced to what its encoding depends on: per page, what kind of content it holds (the
/// seed image's page, or a page a workload rewrote as heap, text, random or zero), how many small
/// in-place updates it had since it was last sent, and when it was last sent (for the delta cache).
/// The dirty log is the real one, so the real <see cref="Engine.PreCopyPlanner"/> plans the rounds.
/// </summary>
internal sealed class SimulatedMemory(int pageCount)
{
    /// <summary>Content class: <see cref="Seed"/> or a rewrite (a <see cref="WriteKind"/> value).</summary>
    public const byte Seed = 255;

    public int PageCount { get; } = pageCount;
    public DirtyLog DirtyLog { get; } = new(pageCount);
    public byte[] Content { get; } = Enumerable.Repeat(Seed, pageCount).ToArray();
    public byte[] SmallUpdates { get; } = new byte[pageCount];
    public bool[] Rewritten { get; } = new bool[pageCount];
    /// <summary>Sequence number of the page's last send (0 = never sent).</summary>
    public long[] SentAt { get; } = new long[pageCount];

    public void Write(int page, WriteKind kind)
    {
        DirtyLog.Mark(page);
        if (kind == WriteKind.SmallUpdate)
        {
            // A small update to a cleared page leaves a sparse heap-like page.
            if (Content[page] == (byte)WriteKind.Zero) Content[page] = (byte)WriteKind.Heap;
            if (SmallUpdates[page] < byte.MaxValue) SmallUpdates[page]++;
            return;
        }
        Content[page] = (byte)kind;
        Rewritten[page] = true;
    }
}
