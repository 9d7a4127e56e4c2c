using System.Numerics;

namespace NetMobility.Migration.Engine;

/// <summary>
/// Which pages each pre-copy round sends, as bitmaps (bit i of word w is page 64w+i). Round 1 sends every
/// page; a later round sends what the dirty log collected plus what was put back to be sent again (pages
/// whose last send was lost with a connection). Shared by the engine and the bench simulation so both make
/// the same choices. Allocates its bitmaps once.
/// </summary>
public sealed class PreCopyPlanner
{
    private readonly ulong[] _send, _pending;
    private readonly int _pageCount;

    public PreCopyPlanner(int pageCount)
    {
        _pageCount = pageCount;
        int words = DirtyLog.WordsFor(pageCount);
        _send = new ulong[words];
        _pending = new ulong[words];
    }

    /// <summary>The pages of the round being planned.</summary>
    public ReadOnlySpan<ulong> SendSet => _send;

    /// <summary>The same set as an array, for the channels' send tasks (which cannot hold a span across awaits).</summary>
    internal ulong[] SendSetWords => _send;

    public long SendCount { get; private set; }

    /// <summary>Pages put back to be sent in the next round (their last send was lost with a connection).</summary>
    public long PendingCount { get; private set; }

    public void PlanFirstRound()
    {
        Array.Fill(_send, ulong.MaxValue);
        int tail = _pageCount & 63;
        if (tail != 0) _send[^1] = (1UL << tail) - 1;
        Array.Clear(_pending);
        SendCount = _pageCount;
        PendingCount = 0;
    }

    /// <summary>Plans the next round (pre-copy, or stop-and-copy with the guest paused): every page dirtied since the last collection and every page put back.</summary>
    public void PlanRound(DirtyLog log)
    {
        log.CollectAndClear(_send);
        long send = 0;
        for (int i = 0; i < _send.Length; i++)
        {
            _send[i] |= _pending[i];
            send += BitOperations.PopCount(_send[i]);
        }
        Array.Clear(_pending);
        SendCount = send;
        PendingCount = 0;
    }

    /// <summary>Puts a page back to be sent in the next round (its last send may not have arrived).</summary>
    public void SendAgain(int pageNumber)
    {
        ref ulong word = ref _pending[pageNumber >> 6];
        ulong bit = 1UL << (pageNumber & 63);
        if ((word & bit) == 0) PendingCount++;
        word |= bit;
    }

    /// <summary>What stop-and-copy would have to send now: pages dirty in the log plus pages held back.</summary>
    public long OutstandingPages(DirtyLog log) => log.CountDirty() + PendingCount;
}
