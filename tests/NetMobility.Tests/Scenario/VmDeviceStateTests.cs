using FsCheck;
using FsCheck.Fluent;
using NetMobility.Scenario;
using NetMobility.Wire;

namespace NetMobility.Tests.Scenario;

public class VmDeviceStateTests
{
    // Version 1, prefix /24, NIC 52:54:00:00:00:42, home address 10.1.0.42, gateway 10.1.0.1 (the layout in VmDeviceState.cs).
    private static readonly byte[] Vector = Hex.Bytes("01 18 525400000042 0a01002a 0a010001");
    private static readonly VmDeviceState State = new(MacAddress.Parse("52:54:00:00:00:42"), Ipv4Address.Parse("10.1.0.42"), 24, Ipv4Address.Parse("10.1.0.1"));

    [Fact]
    public void Parses_the_vector()
    {
        Assert.True(VmDeviceState.TryParse(Vector, out var state, out int used, out var error));
        Assert.Equal(WireError.None, error);
        Assert.Equal(VmDeviceState.Length, used);
        Assert.Equal(State, state);
    }

    [Fact]
    public void Emits_exactly_the_vector_and_nothing_beyond_it()
    {
        var buffer = Hex.Poisoned(VmDeviceState.Length + 2);
        Assert.Equal(VmDeviceState.Length, State.Emit(buffer));
        Assert.Equal(Hex.Of(Vector) + "a5a5", Hex.Of(buffer));
        Assert.Equal(Hex.Of(Vector), Hex.Of(State.ToArray()));
    }

    [Fact]
    public void Trailing_bytes_are_left_to_the_caller()
    {
        byte[] longer = [.. Vector, 0xEE];
        Assert.True(VmDeviceState.TryParse(longer, out var state, out int used, out _));
        Assert.Equal(VmDeviceState.Length, used);
        Assert.Equal(State, state);
    }

    [Theory]
    [InlineData("", WireError.Truncated)]
    [InlineData("01 18 525400000042 0a01002a 0a0100", WireError.Truncated)]
    [InlineData("02 18 525400000042 0a01002a 0a010001", WireError.BadVersion)]
    [InlineData("00 18 525400000042 0a01002a 0a010001", WireError.BadVersion)]
    [InlineData("01 21 525400000042 0a01002a 0a010001", WireError.BadLength)]
    public void Refuses_bad_records_and_consumes_nothing(string hex, WireError expected)
    {
        Assert.False(VmDeviceState.TryParse(Hex.Bytes(hex), out var state, out int used, out var error));
        Assert.Equal(expected, error);
        Assert.Equal(0, used);
        Assert.Equal(default, state);
    }

    private static readonly Gen<VmDeviceState> States =
        from macHigh in Gen.Choose(0, 0xFFFF)
        from macLow in ArbMap.Default.GeneratorFor<uint>()
        from home in ArbMap.Default.GeneratorFor<uint>()
        from prefix in Gen.Choose(0, 32)
        from gateway in ArbMap.Default.GeneratorFor<uint>()
        select new VmDeviceState(new MacAddress(((ulong)macHigh << 32) | macLow), new Ipv4Address(home), prefix, new Ipv4Address(gateway));

    [Fact]
    public void Any_state_round_trips() =>
        Prop.ForAll(States.ToArbitrary(), state =>
        {
            var buffer = Hex.Poisoned(VmDeviceState.Length);
            state.Emit(buffer);
            Assert.True(VmDeviceState.TryParse(buffer, out var back, out _, out _));
            Assert.Equal(state, back);
        }).QuickCheckThrowOnFailure();
}
