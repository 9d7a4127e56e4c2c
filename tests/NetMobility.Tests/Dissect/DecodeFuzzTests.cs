using NetMobility.Capture;
using NetMobility.Dissect;

namespace NetMobility.Tests.Dissect;

/// <summary>
/// Random bytes and mutations of valid packets through the whole decode chain: no exception may escape
/// and every input must finish. The input count is NETMOB_FUZZ_INPUTS (default 1,000,000, about 10 s;
/// more for a long run). The run is seeded and reproducible: NETMOB_FUZZ_SEED.
/// </summary>
public class DecodeFuzzTests
{
    private static readonly int Inputs = int.TryParse(Environment.GetEnvironmentVariable("NETMOB_FUZZ_INPUTS"), out var n) ? n : 1_000_000;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("NETMOB_FUZZ_SEED"), out var s) ? s : 20261122;

    [Fact]
    public void Mutated_and_random_frames_never_throw()
    {
        var seeds = LoadSeeds();
        var rng = new Random(Seed);
        var fields = new FieldList();
        var buffer = new byte[2048];
        long malformed = 0, clean = 0;
        for (int i = 0; i < Inputs; i++)
        {
            int length = i % 8 == 0 ? RandomBytes(rng, buffer) : Mutate(rng, seeds[rng.Next(seeds.Count)], buffer);
            var linkType = i % 16 == 0 ? LinkType.RawIpv4 : LinkType.Ethernet;
            fields.Clear();
            try
            {
                FrameDissector.Dissect(buffer.AsSpan(0, length), linkType, fields);
            }
            catch (Exception ex)
            {
                Assert.Fail($"input {i} (seed {Seed}, {linkType}) threw {ex.GetType().Name}: {ex.Message}\n{Convert.ToHexString(buffer, 0, length)}");
            }
            if (fields.Malformed) malformed++; else clean++;
        }
        // Mutations must exercise both outcomes, or the mutator is not reaching the parsers.
        Assert.True(malformed > Inputs / 20, $"only {malformed} of {Inputs} inputs were malformed");
        Assert.True(clean > Inputs / 20, $"only {clean} of {Inputs} inputs decoded cleanly");
    }

    [Fact]
    public void Every_sample_frame_decodes_cleanly()
    {
        var seeds = LoadSeeds();
        Assert.True(seeds.Count >= 20);
        var fields = new FieldList();
        foreach (var frame in seeds)
        {
            fields.Clear();
            FrameDissector.Dissect(frame, LinkType.Ethernet, fields);
            Assert.False(fields.Malformed, fields.Error);
            Assert.True(fields.Count >= 3);
        }
    }

    private static List<byte[]> LoadSeeds()
    {
        using var reader = CaptureReader.Open(RepositoryFiles.Path("captures", "samples", "mobility.pcap"));
        var seeds = new List<byte[]>();
        foreach (var record in reader) seeds.Add(record.Data.ToArray());
        return seeds;
    }

    private static int RandomBytes(Random rng, byte[] buffer)
    {
        int length = rng.Next(0, 200);
        rng.NextBytes(buffer.AsSpan(0, length));
        return length;
    }

    /// <summary>A valid frame with one to four edits: bit flips, boundary values, cuts, growth, splices of itself.</summary>
    private static int Mutate(Random rng, byte[] seed, byte[] buffer)
    {
        seed.CopyTo(buffer, 0);
        int length = seed.Length;
        int edits = rng.Next(1, 5);
        for (int e = 0; e < edits && length > 0; e++)
        {
            int at = rng.Next(length);
            switch (rng.Next(6))
            {
                case 0: buffer[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: buffer[at] = Boundary[rng.Next(Boundary.Length)]; break;
                case 2: length = at; break;
                case 3:
                    int grow = Math.Min(rng.Next(1, 64), buffer.Length - length);
                    rng.NextBytes(buffer.AsSpan(length, grow));
                    length += grow;
                    break;
                case 4: buffer[at] = (byte)rng.Next(256); break;
                case 5:
                    int from = rng.Next(length), count = rng.Next(1, Math.Min(16, length - Math.Max(from, at)) + 1);
                    buffer.AsSpan(from, count).CopyTo(buffer.AsSpan(at, count));
                    break;
            }
        }
        return length;
    }

    private static readonly byte[] Boundary = [0x00, 0x01, 0x04, 0x05, 0x0F, 0x10, 0x7F, 0x80, 0xFE, 0xFF];
}
