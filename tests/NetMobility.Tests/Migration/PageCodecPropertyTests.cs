using FsCheck;
using FsCheck.Fluent;
using NetMobility.Migration;
using NetMobility.Migration.PageStream;
using NetMobility.Tests.Migration.PageStream;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public class PageCodecPropertyTests
{
    private const int PageSize = MemoryImage.PageSize;

    public record struct Edit(int Offset, byte[] Bytes, bool Rewrite, int Seed);

    // A page: random bytes, a repeated short pattern, or mostly zero with a few bytes set.
    private static readonly Gen<byte[]> Pages =
        Gen.OneOf(
            Gen.Choose(0, int.MaxValue).Select(TestPages.Random),
            Gen.Choose(0, int.MaxValue).Select(TestPages.Text),
            Gen.Choose(0, int.MaxValue).Select(TestPages.Heap),
            Gen.Choose(0, int.MaxValue).Select(TestPages.Code),
            Gen.Choose(1, 16).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n)).Select(Repeat),
            Gen.Choose(0, PageSize - 1).Select(at => { var p = new byte[PageSize]; p[at] = 1; return p; }));

    private static readonly Gen<Edit> Edits =
        from offset in Gen.Choose(0, PageSize - 1)
        from length in Gen.Choose(1, 64)
        from bytes in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), Math.Min(length, PageSize - offset))
        from rewrite in Gen.Frequency((1, Gen.Constant(true)), (6, Gen.Constant(false)))
        from seed in Gen.Choose(0, int.MaxValue)
        select new Edit(offset, bytes, rewrite, seed);

    private static byte[] Repeat(byte[] pattern)
    {
        var page = new byte[PageSize];
        for (int i = 0; i < PageSize; i++) page[i] = pattern[i % pattern.Length];
        return page;
    }

    [Fact]
    public void Every_page_survives_encode_then_decode() =>
        Prop.ForAll(Pages.ToArbitrary(), Gen.Elements(0L, 12_500_000L, 10_000_000_000L).ToArbitrary(), (page, bandwidth) =>
        {
            using var encoder = new PageEncoder(new PageEncoderOptions { LinkBytesPerSecond = bandwidth });
            var receiver = Hex.Poisoned(PageSize);
            TestPages.SendPage(encoder, 0, page, receiver, out _);
            Assert.Equal(page, receiver);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void A_sequence_of_edits_through_one_encoder_keeps_the_receiver_equal() =>
        Prop.ForAll(Pages.ToArbitrary(), Gen.ListOf(Gen.Zip(Gen.Choose(0, 7), Edits)).ToArbitrary(), (start, edits) =>
        {
            // Eight pages share a tiny cache (4 pages), so entries get evicted and re-used along the way.
            using var source = new MemoryImage(8 * PageSize);
            using var receiver = new MemoryImage(8 * PageSize);
            using var encoder = new PageEncoder(new PageEncoderOptions { DeltaCachePages = 4, LinkBytesPerSecond = 0 });
            for (int p = 0; p < 8; p++)
            {
                start.CopyTo(source.GetPage(p));
                TestPages.SendPage(encoder, p, source.GetPage(p), receiver.GetPage(p), out _);
            }
            foreach (var (pageNumber, edit) in edits)
            {
                if (edit.Rewrite) source.Write(pageNumber, 0, TestPages.Heap(edit.Seed));
                else source.Write(pageNumber, edit.Offset, edit.Bytes);
                TestPages.SendPage(encoder, pageNumber, source.GetPage(pageNumber), receiver.GetPage(pageNumber), out _);
                Assert.Equal(Hex.Of(source.GetPage(pageNumber)), Hex.Of(receiver.GetPage(pageNumber)));
            }
            Assert.Equal(source.ComputeDigest(), receiver.ComputeDigest());
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Batches_of_edited_pages_packed_and_unpacked_keep_the_receiver_equal() =>
        Prop.ForAll(Gen.ArrayOf(Pages, 16).ToArbitrary(), Gen.ListOf(Gen.Zip(Gen.Choose(0, 15), Edits)).ToArbitrary(),
            Gen.Elements(PageEncoding.Lz4, PageEncoding.Zstd, PageEncoding.Deflate).ToArbitrary(), (start, edits, method) =>
        {
            using var source = new MemoryImage(16 * PageSize);
            using var receiver = new MemoryImage(16 * PageSize);
            for (int p = 0; p < 16; p++) source.Write(p, 0, start[p]);
            using var encoder = new PageEncoder(new PageEncoderOptions
            {
                AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Unchanged, PageEncoding.Delta, method],
                DeltaCachePages = 4,
                LinkBytesPerSecond = 0,
            });
            using var builder = new PageBatchEncoder(encoder, maxPages: 5);
            var scratch = new byte[RecordFrame.MaxPayloadLength];
            // Round 1 sends every page; then every edit is followed by a batch of the page and its neighbours.
            SendBatches(Enumerable.Range(0, 16));
            foreach (var (pageNumber, edit) in edits)
            {
                if (edit.Rewrite) source.Write(pageNumber, 0, TestPages.Text(edit.Seed));
                else source.Write(pageNumber, edit.Offset, edit.Bytes);
                SendBatches(Enumerable.Range(Math.Max(0, pageNumber - 2), 4).Where(p => p < 16));
            }
            Assert.Equal(source.ComputeDigest(), receiver.ComputeDigest());

            void SendBatches(IEnumerable<int> pages)
            {
                builder.Begin();
                foreach (int p in pages)
                {
                    builder.Add(p, source.GetPage(p));
                    if (!builder.HasRoom) Deliver();
                }
                Deliver();
            }

            void Deliver()
            {
                foreach (var entry in StreamFixtures.OpenBatch(StreamFixtures.BatchRecord(builder.Finish()), 16, scratch))
                    Assert.True(PageDecoder.TryDecode(entry.Encoding, entry.Payload, receiver.GetPage(entry.PageNumber), out var why), why);
                builder.Begin();
            }
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void The_decoder_never_throws_on_arbitrary_bytes() =>
        Prop.ForAll(Gen.Choose(0, 7).ToArbitrary(), ArbMap.Default.ArbFor<byte[]>(), (code, payload) =>
        {
            var page = TestPages.Text(1);
            bool ok = PageDecoder.TryDecode((PageEncoding)code, payload, page, out var error);
            Assert.True(ok || !string.IsNullOrEmpty(error));
            Assert.True(ok || page.AsSpan().SequenceEqual(TestPages.Text(1)), "a refused payload changed the page");
        }).QuickCheckThrowOnFailure();
}
