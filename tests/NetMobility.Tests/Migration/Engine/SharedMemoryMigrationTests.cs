using System.Security.Cryptography;
using NetMobility.Migration;
using NetMobility.Migration.Engine;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Transports;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>
/// The page engine over shared file mappings, as it moves a QEMU guest's RAM: the source reads a file another writer
/// changes behind its back (no dirty log marks), found by comparing contents with what was last sent; the destination
/// writes pages in place into a file of its own.
/// </summary>
public sealed class SharedMemoryMigrationTests : IDisposable
{
    private const int Pages = 2048;
    private readonly string _source = Path.Combine(Path.GetTempPath(), $"nm-src-{Environment.ProcessId}-{Guid.NewGuid():N}");
    private readonly string _destination = Path.Combine(Path.GetTempPath(), $"nm-dst-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public SharedMemoryMigrationTests()
    {
        var content = new byte[Pages * MemoryImage.PageSize];
        new Random(5).NextBytes(content.AsSpan(0, content.Length / 2));
        File.WriteAllBytes(_source, content);
        // The destination's file holds something else to start with (QEMU's ROMs, say): round 1 overwrites every page.
        File.WriteAllBytes(_destination, Enumerable.Repeat((byte)0x5A, content.Length).ToArray());
    }

    public void Dispose()
    {
        File.Delete(_source);
        File.Delete(_destination);
    }

    [Fact]
    public void A_scan_marks_the_pages_that_differ_from_what_was_last_sent_not_from_what_was_last_seen()
    {
        using var writer = MemoryImage.MapShared(_source, writable: true);
        using var image = MemoryImage.MapShared(_source, writable: false);
        var sent = new PageDigestTable(image.PageCount, 2);
        Span<byte> scratch = stackalloc byte[MemoryImage.PageSize];
        for (int p = 0; p < image.PageCount; p++) sent.Set(p, image.ReadPage(p, scratch));
        Assert.Equal(0, SentContentScan.Run(image, sent, image.DirtyLog));

        // Page 3 as a scan sees it (A), then sent as B, then back to A: the destination holds B, so it is dirty.
        var a = writer.GetPage(3).ToArray();
        writer.GetPage(3)[100] ^= 0xFF;
        sent.Set(3, image.ReadPage(3, scratch));
        a.CopyTo(writer.GetPage(3));
        // Page 1500 (zeros when sent) written; page 7 written and written back before any send: not dirty.
        writer.GetPage(1500)[0] = 1;
        writer.GetPage(7)[9] ^= 1;
        writer.GetPage(7)[9] ^= 1;

        Assert.Equal(2, SentContentScan.Run(image, sent, image.DirtyLog));
        Assert.True(image.DirtyLog.IsDirty(3));
        Assert.True(image.DirtyLog.IsDirty(1500));
        Assert.False(image.DirtyLog.IsDirty(7));
        Assert.Equal(2, image.DirtyLog.CountDirty());
    }

    [Fact]
    public void A_read_only_mapping_refuses_writes_and_hands_out_copies()
    {
        using var image = MemoryImage.MapShared(_source, writable: false);
        Assert.True(image.IsLive);
        Assert.False(image.IsWritable);
        Assert.Equal(Pages, image.PageCount);
        Assert.Throws<InvalidOperationException>(() => image.GetPage(0));
        Assert.Throws<InvalidOperationException>(() => image.Write(0, 0, [1]));
        var scratch = new byte[MemoryImage.PageSize];
        var page = image.ReadPage(1, scratch);
        Assert.True(page.Overlaps(scratch));
        Assert.Equal(File.ReadAllBytes(_source).AsSpan(MemoryImage.PageSize, MemoryImage.PageSize).ToArray(), page.ToArray());
    }

    [Fact]
    public void A_file_that_is_not_whole_pages_is_refused_in_one_line()
    {
        File.WriteAllBytes(_destination, new byte[100]);
        var e = Assert.Throws<InvalidDataException>(() => MemoryImage.MapShared(_destination, writable: true));
        Assert.Contains(_destination, e.Message);
        var missing = Assert.Throws<IOException>(() => MemoryImage.MapShared(_destination + ".none", writable: false));
        Assert.DoesNotContain('\n', missing.Message);
    }

    [Fact]
    public async Task Memory_written_behind_the_engines_back_arrives_byte_identical_with_dirty_tracking_by_comparison()
    {
        using var image = MemoryImage.MapShared(_source, writable: false);
        using var guest = new BackgroundWriter(_source);
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = 2e9, VirtualTime = false }, TimeProvider.System);
        var destination = new MigrationDestination(new DestinationOptions { CreateImage = _ => MemoryImage.MapShared(_destination, writable: true) });
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var receiving = destination.ReceiveAsync(link, bound.Token);
        var source = new PreCopySource(image, new AdaptivePolicy(), guest, TimeProvider.System,
            new SourceOptions { DirtyTracking = DirtyTracking.Compare, TransportName = "memory" });
        guest.Start();
        await guest.WrittenAsync(200).WaitAsync(bound.Token);

        var report = await source.MigrateAsync(link, bound.Token);
        var result = await receiving;

        Assert.True(report.Completed, report.Error);
        Assert.True(result.Committed, result.Message);
        Assert.True(guest.Writes > 200, $"{guest.Writes} writes");
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(_source)), SHA256.HashData(File.ReadAllBytes(_destination)));
        Assert.Equal(report.Digest, PageDigestTable.Compute(image).ToString());
        // Pages changed after round 1 were found and sent again (no write marked them), and the pause scanned once more.
        Assert.Contains(report.Rounds.Skip(1), r => r.PagesSent > 0);
        Assert.Contains(report.Rounds, r => r.ScanMs > 0);
        Assert.True(report.Switchover!.DirtyScanMs > 0);
        Assert.Equal(report.DowntimeMs, report.Switchover.TotalMs);
        result.Image!.Dispose();
    }

    /// <summary>A guest in another "process": writes pages of the file through its own mapping, pausable as QMP stop would pause it.</summary>
    private sealed class BackgroundWriter(string path) : IWorkloadControl, IDisposable
    {
        private readonly MemoryImage _memory = MemoryImage.MapShared(path, writable: true);
        private readonly SemaphoreSlim _run = new(1, 1);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(long Count, TaskCompletionSource Reached)> _waits = [];
        private Thread? _thread;
        private long _writes;

        public long Writes => Interlocked.Read(ref _writes);
        public string Name => "background writer";
        public double Throttle { get; set; }

        public void Start()
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = "guest writer" };
            _thread.Start();
        }

        public Task WrittenAsync(long count)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waits)
            {
                if (Writes >= count) return Task.CompletedTask;
                _waits.Add((count, reached));
            }
            return reached.Task;
        }

        public void CatchUp() { }

        public async ValueTask PauseAsync(CancellationToken cancellationToken) => await _run.WaitAsync(cancellationToken);

        public ValueTask ResumeAsync()
        {
            _run.Release();
            return ValueTask.CompletedTask;
        }

        private void Loop()
        {
            var random = new Random(9);
            var page = new byte[MemoryImage.PageSize];
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    _run.Wait(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                try
                {
                    // A hot set of 64 pages and a cold tail: some pages change back and forth, some once.
                    int p = random.Next(4) == 0 ? random.Next(Pages) : random.Next(64);
                    random.NextBytes(page.AsSpan(0, random.Next(1, MemoryImage.PageSize)));
                    page.CopyTo(_memory.GetPage(p));
                }
                finally
                {
                    _run.Release();
                }
                long n = Interlocked.Increment(ref _writes);
                lock (_waits)
                    for (int i = _waits.Count - 1; i >= 0; i--)
                        if (n >= _waits[i].Count) { _waits[i].Reached.TrySetResult(); _waits.RemoveAt(i); }
                Thread.Yield();
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread?.Join();
            _memory.Dispose();
        }
    }
}
