namespace NetMobility.Migration.Encoding;

/// <summary>
/// What an encoder did, per encoding: pages, payload bytes and time spent deciding and encoding. Written
/// only by the encoder's thread; a reader on another thread sees values that may be a page behind.
/// </summary>
public sealed class PageEncoderStats
{
    private const int Slots = (int)PageEncoding.Deflate + 1;
    private readonly long[] _pages = new long[Slots];
    private readonly long[] _bytes = new long[Slots];
    private readonly long[] _ticks = new long[Slots];

    public long Pages(PageEncoding encoding) => Volatile.Read(ref _pages[(int)encoding]);

    public long Bytes(PageEncoding encoding) => Volatile.Read(ref _bytes[(int)encoding]);

    public TimeSpan CpuTime(PageEncoding encoding) => TimeSpan.FromTicks(Volatile.Read(ref _ticks[(int)encoding]));

    public long TotalPages => Sum(_pages);

    /// <summary>Payload bytes over all pages (page headers of the stream not included).</summary>
    public long TotalBytes => Sum(_bytes);

    public TimeSpan TotalCpuTime => TimeSpan.FromTicks(Sum(_ticks));

    /// <summary>Payload bytes per input byte (1 = no gain, 0 = everything was zero or unchanged).</summary>
    public double Ratio => TotalPages == 0 ? 1 : (double)TotalBytes / (TotalPages * (double)MemoryImage.PageSize);

    internal void Record(PageEncoding encoding, int bytes, TimeSpan cpu)
    {
        int i = (int)encoding;
        Volatile.Write(ref _pages[i], _pages[i] + 1);
        Volatile.Write(ref _bytes[i], _bytes[i] + bytes);
        Volatile.Write(ref _ticks[i], _ticks[i] + cpu.Ticks);
    }

    /// <summary>
    /// Counts pages recorded as <paramref name="from"/> (with <paramref name="fromBytes"/> and <paramref name="fromCpu"/>)
    /// as <paramref name="to"/> instead, with <paramref name="toBytes"/> and the extra <paramref name="cpu"/> it took:
    /// pages packed and compressed together.
    /// </summary>
    internal void Move(PageEncoding from, PageEncoding to, int pages, long fromBytes, long toBytes, TimeSpan fromCpu, TimeSpan cpu)
    {
        int f = (int)from, t = (int)to;
        Volatile.Write(ref _pages[f], _pages[f] - pages);
        Volatile.Write(ref _bytes[f], _bytes[f] - fromBytes);
        Volatile.Write(ref _ticks[f], _ticks[f] - fromCpu.Ticks);
        Volatile.Write(ref _pages[t], _pages[t] + pages);
        Volatile.Write(ref _bytes[t], _bytes[t] + toBytes);
        Volatile.Write(ref _ticks[t], _ticks[t] + fromCpu.Ticks + cpu.Ticks);
    }

    internal void Clear()
    {
        Array.Clear(_pages);
        Array.Clear(_bytes);
        Array.Clear(_ticks);
    }

    private static long Sum(long[] values)
    {
        long sum = 0;
        for (int i = 0; i < values.Length; i++) sum += Volatile.Read(ref values[i]);
        return sum;
    }
}
