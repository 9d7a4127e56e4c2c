using FsCheck;
using FsCheck.Fluent;
using NetMobility.Capture;

namespace NetMobility.Tests.Capture;

public class TimestampResolutionTests
{
    [Theory]
    [InlineData(0x06, false, 6)]
    [InlineData(0x13, false, 19)]
    [InlineData(0x80, true, 0)]
    [InlineData(0xbf, true, 63)]
    public void Accepts_if_tsresol_codes_whose_second_fits_64_bits(byte code, bool binary, int exponent)
    {
        Assert.True(TimestampResolution.TryFromCode(code, out var r));
        Assert.Equal((code, binary, exponent), (r.Code, r.IsPowerOfTwo, r.Exponent));
    }

    [Theory]
    [InlineData(0x14)]
    [InlineData(0x7f)]
    [InlineData(0xc0)]
    [InlineData(0xff)]
    public void Refuses_finer_codes(byte code)
    {
        Assert.False(TimestampResolution.TryFromCode(code, out var r));
        Assert.Equal(default, r);
    }

    [Fact]
    public void Factories_check_their_exponent()
    {
        Assert.Equal(TimestampResolution.Nanoseconds, TimestampResolution.PowerOfTen(9));
        Assert.Equal("2^-10 s", TimestampResolution.PowerOfTwo(10).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => TimestampResolution.PowerOfTen(20));
        Assert.Throws<ArgumentOutOfRangeException>(() => TimestampResolution.PowerOfTwo(64));
    }

    [Fact]
    public void Units_finer_than_a_nanosecond_map_every_nanosecond_back_to_itself()
    {
        var fine = new[] { TimestampResolution.PowerOfTwo(30), TimestampResolution.PowerOfTwo(31), TimestampResolution.PowerOfTen(10), TimestampResolution.Nanoseconds };
        var gen = from unit in Gen.Elements(fine)
                  from seconds in Gen.Choose(0, 1 << 30)
                  from fraction in Gen.Choose(0, 999_999_999)
                  select (Unit: unit, Nanoseconds: seconds * 1_000_000_000L + fraction);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var (unit, nanoseconds) = c;
            Assert.True(unit.TryFromUnixNanoseconds(nanoseconds, out ulong units));
            Assert.True(unit.TryToUnixNanoseconds(units, 0, out long back));
            Assert.Equal(nanoseconds, back);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Coarser_units_cut_down_to_the_unit_holding_the_instant()
    {
        var coarse = new[] { TimestampResolution.Microseconds, TimestampResolution.PowerOfTen(3), TimestampResolution.PowerOfTwo(10), TimestampResolution.PowerOfTwo(29) };
        var gen = from unit in Gen.Elements(coarse)
                  from seconds in Gen.Choose(0, int.MaxValue)
                  from fraction in Gen.Choose(0, 999_999_999)
                  select (Unit: unit, Nanoseconds: seconds * 1_000_000_000L + fraction);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var (unit, nanoseconds) = c;
            Assert.True(unit.TryFromUnixNanoseconds(nanoseconds, out ulong units));
            Assert.True(unit.TryToUnixNanoseconds(units, 0, out long back));
            Assert.True(unit.TryToUnixNanoseconds(units + 1, 0, out long next));
            // The instant lies in the unit written: its start reads back at or before it, and the
            // next unit's start (rounded down to the nanosecond) at or after it.
            Assert.InRange(nanoseconds, back, next);
            Assert.True(next > back);
        }).QuickCheckThrowOnFailure();
    }
}
