using System.Numerics;

namespace NetMobility.Migration;

/// <summary>
/// One bit per page, set when a guest write lands (like a hypervisor's log-dirty bitmap). Marking is
/// lock-free (<see cref="Interlocked.Or(ref ulong, ulong)"/>) so any number of writer threads can mark while the
/// migration thread collects; collecting swaps each word with zero, so a bit set during the collection
/// is either in this round's set or stays for the next one, never lost.
/// </summary>
public sealed class DirtyLog
{
    private readonly ulong[] _words;

    public DirtyLog(int pageCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pageCount);
        PageCount = pageCount;
        _words = new ulong[WordsFor(pageCount)];
    }

    public int PageCount { get; }

    /// <summary>The number of 64-bit words a bitmap of <see cref="PageCount"/> bits takes.</summary>
    public int WordCount => _words.Length;

    /// <summary>The number of 64-bit words a bitmap of <paramref name="pageCount"/> bits takes.</summary>
    public static int WordsFor(int pageCount) => (int)(((long)pageCount + 63) / 64);

    public void Mark(int pageNumber)
    {
        if ((uint)pageNumber >= (uint)PageCount)
            throw new ArgumentOutOfRangeException(nameof(pageNumber), $"page {pageNumber} is outside a log of {PageCount} pages");
        ref ulong word = ref _words[pageNumber >> 6];
        ulong bit = 1UL << (pageNumber & 63);
        // A hot page is written far more often than it is collected: skip the atomic when the bit is already set.
        if ((Volatile.Read(ref word) & bit) == 0) Interlocked.Or(ref word, bit);
    }

    public bool IsDirty(int pageNumber)
    {
        if ((uint)pageNumber >= (uint)PageCount)
            throw new ArgumentOutOfRangeException(nameof(pageNumber), $"page {pageNumber} is outside a log of {PageCount} pages");
        return (Volatile.Read(ref _words[pageNumber >> 6]) & (1UL << (pageNumber & 63))) != 0;
    }

    /// <summary>Marks every page: the first pre-copy round sends the whole image.</summary>
    public void MarkAll()
    {
        for (int i = 0; i < _words.Length; i++) Interlocked.Or(ref _words[i], WordMask(i));
    }

    public long CountDirty()
    {
        long count = 0;
        for (int i = 0; i < _words.Length; i++) count += BitOperations.PopCount(Volatile.Read(ref _words[i]));
        return count;
    }

    /// <summary>
    /// Atomically read and clear (Xen's log-dirty "peek and clean"): fills the first <see cref="WordCount"/>
    /// words of <paramref name="destination"/> with the pages dirtied since the last call (bit i of word w is
    /// page 64w+i) and clears them. Returns the number of dirty pages collected.
    /// </summary>
    public int CollectAndClear(Span<ulong> destination)
    {
        if (destination.Length < _words.Length)
            throw new ArgumentException($"the destination holds {destination.Length} words, the log needs {_words.Length}", nameof(destination));
        int count = 0;
        for (int i = 0; i < _words.Length; i++)
        {
            ulong bits = Volatile.Read(ref _words[i]) == 0 ? 0 : Interlocked.Exchange(ref _words[i], 0);
            destination[i] = bits;
            count += BitOperations.PopCount(bits);
        }
        return count;
    }

    private ulong WordMask(int wordIndex)
    {
        int bitsInWord = Math.Min(64, PageCount - wordIndex * 64);
        return bitsInWord == 64 ? ulong.MaxValue : (1UL << bitsInWord) - 1;
    }
}
