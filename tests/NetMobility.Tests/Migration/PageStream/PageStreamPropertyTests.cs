using FsCheck;
using FsCheck.Fluent;
using NetMobility.Migration.PageStream;
using static NetMobility.Tests.Migration.PageStream.StreamFixtures;

namespace NetMobility.Tests.Migration.PageStream;

public class PageStreamPropertyTests
{
    // A stream: header, then 1 to 3 rounds of up to 4 batches of 1 to 16 pages (page numbers below 256), each round ended.
    private static readonly Gen<int[]> Batches =
        from n in Gen.Choose(1, 16)
        from pages in Gen.ArrayOf(Gen.Choose(0, 255), n)
        select pages;

    private static readonly Gen<int[][][]> Rounds =
        from count in Gen.Choose(1, 3)
        from rounds in Gen.ArrayOf(Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Batches, n)), count)
        select rounds;

    private static byte[] StreamOf(int[][][] rounds)
    {
        var records = new List<byte[]> { Header() };
        ulong sequence = 1;
        for (int r = 0; r < rounds.Length; r++)
        {
            uint pages = 0;
            foreach (var batch in rounds[r])
            {
                records.Add(Batch((uint)r + 1, sequence++, batch));
                pages += (uint)batch.Length;
            }
            records.Add(EndRound((uint)r + 1, pages));
        }
        records.Add(End((uint)rounds.Length, default));
        return Concat([.. records]);
    }

    private static List<string> Expected(int[][][] rounds)
    {
        var events = new List<string> { "header 0/1" };
        ulong sequence = 1;
        for (int r = 0; r < rounds.Length; r++)
        {
            uint pages = 0;
            foreach (var batch in rounds[r])
            {
                events.Add($"batch r{r + 1} s{sequence++} [{string.Join(' ', batch.Select(p => $"{p}:{(p == 0 ? "Zero:0" : "Raw:4096")}"))}]");
                pages += (uint)batch.Length;
            }
            events.Add($"end round {r + 1} ({pages})");
        }
        events.Add($"end of stream {rounds.Length}");
        return events;
    }

    [Fact]
    public void Written_streams_read_back_record_for_record() =>
        Prop.ForAll(Rounds.ToArbitrary(), rounds =>
        {
            var (outcome, sink) = ReadForward(StreamOf(rounds)).GetAwaiter().GetResult();
            Assert.Equal(PageStreamError.ConnectionLost, outcome.Error); // no commit follows: the stream simply ends
            Assert.Equal(Expected(rounds), sink.Events);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Any_corrupted_octet_is_refused_and_only_the_records_before_it_are_accepted() =>
        Prop.ForAll(Rounds.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), Gen.Choose(1, 255).ToArbitrary(), (rounds, at, flip) =>
        {
            var bytes = StreamOf(rounds);
            int offset = at % bytes.Length;
            bytes[offset] ^= (byte)flip;
            var (outcome, sink) = ReadForward(bytes).GetAwaiter().GetResult();
            Assert.NotEqual(PageStreamError.None, outcome.Error);
            Assert.NotEqual(PageStreamError.ConnectionLost, outcome.Error);
            // Every record handed on ends before the corrupted octet, and is one of the stream's own.
            Assert.True(outcome.Offset <= offset, $"accepted up to {outcome.Offset}, corrupted at {offset}");
            Assert.Equal(Expected(rounds).Take(sink.Events.Count), sink.Events);
        }).QuickCheckThrowOnFailure();
}
