using System.Numerics;
using NetMobility.Migration.Policies;

namespace NetMobility.Migration.Engine;

/// <summary>
/// Which pages each pre-copy round sends, as bitmaps (bit i of word w is page 64w+i). Round 1 sends every
/// page; a later round sends what the dirty log collected plus what was held back, less the hot pages when
/// the policy defers them (dirtied in this round and the one before: D(r) and D(r-1)), which wait for
/// stop-and-copy or for a round in which they stay clean. Shared by the engine and the bench simulation so
/// both make the same choices. Allocates its bitmaps once.
/// </summary>
public sealed class PreCopyPlanner
{
    private readonly ulong[] _send, _pending, _previousDirty, _collected;
    private readonly bool _deferHot;
    private readonly int _pageCount;

    public PreCopyPlanner(int pageCount, bool deferHotPages)
    {
        _pageCount = pageCount;
        int words = DirtyLog.WordsFor(pageCount);
        _send = new ulong[words];
        _pending = new ulong[words];
        _previousDirty = new ulong[words];
        _collected = new ulong[words];
        _deferHot = deferHotPages;
    }

    /// <summary>The pages of the round being planned.</summary>
    public ReadOnlySpan<ulong> SendSet => _send;

    /// <summary>The same set as an array, for the channels' send tasks (which cannot hold a span across awaits).</summary>
    internal ulong[] SendSetWords => _send;

    public long SendCount { get; private set; }

    /// <summary>Pages held back (hot, or to be sent again after a lost connection).</summary>
    public long PendingCount { get; private set; }

    /// <summary>Pages deferred as hot in the last plan.</summary>
    public long DeferredHot { get; private set; }

    public void PlanFirstRound()
    {
        Array.Fill(_send, ulong.MaxValue);
        int tail = _pageCount & 63;
        if (tail != 0) _send[^1] = (1UL << tail) - 1;
        Array.Clear(_pending);
        Array.Clear(_previousDirty);
        SendCount = _pageCount;
        PendingCount = 0;
        DeferredHot = 0;
    }

    /// <summary>Plans a pre-copy round from the pages dirtied since the last collection.</summary>
    public void PlanRound(DirtyLog log) => Plan(log, final: false);

    /// <summary>Plans stop-and-copy (or a repeat of it): everything dirty and everything held back.</summary>
    public void PlanFinalRound(DirtyLog log) => Plan(log, final: true);

    /// <summary>Puts a page back to be sent in the next round (its last send may not have arrived).</summary>
    public void SendAgain(int pageNumber)
    {
        ref ulong word = ref _pending[pageNumber >> 6];
        ulong bit = 1UL << (pageNumber & 63);
        if ((word & bit) == 0) PendingCount++;
        word |= bit;
    }

    private void Plan(DirtyLog log, bool final)
    {
        log.CollectAndClear(_collected);
        long send = 0, pending = 0;
        for (int i = 0; i < _send.Length; i++)
        {
            ulong dirty = _collected[i];
            ulong candidates = dirty | _pending[i];
            ulong deferred = _deferHot && !final ? dirty & _previousDirty[i] : 0;
            _send[i] = candidates & ~deferred;
            _pending[i] = deferred;
            _previousDirty[i] = dirty;
            send += BitOperations.PopCount(_send[i]);
            pending += BitOperations.PopCount(deferred);
        }
        SendCount = send;
        PendingCount = pending;
        DeferredHot = pending;
    }

    /// <summary>What stop-and-copy would have to send now: pages dirty in the log plus pages held back.</summary>
    public long OutstandingPages(DirtyLog log) => log.CountDirty() + PendingCount;

    /// <summary>
    /// The first page at or after <paramref name="from"/> in <paramref name="set"/> with page mod
    /// <paramref name="stride"/> == <paramref name="lane"/> (the pages of one channel), or -1.
    /// </summary>
    public static int NextPage(ReadOnlySpan<ulong> set, int from, int lane, int stride)
    {
        for (int page = from; page < set.Length * 64; )
        {
            int word = page >> 6;
            ulong bits = set[word] >> (page & 63);
            if (bits == 0)
            {
                page = (word + 1) << 6;
                page += ((lane - page) % stride + stride) % stride;
                continue;
            }
            page += BitOperations.TrailingZeroCount(bits);
            int offset = ((lane - page) % stride + stride) % stride;
            if (offset == 0) return page;
            page += offset;
        }
        return -1;
    }
}
