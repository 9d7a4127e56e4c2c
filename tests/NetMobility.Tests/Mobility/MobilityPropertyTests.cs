using FsCheck;
using FsCheck.Fluent;
using NetMobility.Mobility;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

public class MobilityPropertyTests
{
    [Fact]
    public void A_timestamp_read_back_against_the_clock_gives_the_offset_it_was_taken_at() =>
        Prop.ForAll(Gen.Choose(-864_000_000, 864_000_000).ToArbitrary(), Gen.Choose(0, 9_999).ToArbitrary(), (ms, ticks) =>
        {
            var now = Clock().GetUtcNow();
            var offset = TimeSpan.FromMilliseconds(ms) + TimeSpan.FromTicks(ticks);
            var read = MobileIpTimestamp.Offset(MobileIpTimestamp.From(now + offset), now);
            // The 32-bit fraction is finer than a tick; reading it back rounds down to at most one tick less.
            Assert.InRange((offset - read).Ticks, 0, 1);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void No_single_byte_change_to_a_signed_request_gets_a_binding() =>
        Prop.ForAll(Gen.Choose(0, 24 + 22 - 1).ToArbitrary(), Gen.Choose(1, 255).ToArbitrary(), (position, flip) =>
        {
            var clock = Clock();
            var nodes = new SecurityAssociationTable();
            var association = Association();
            nodes.Add(Home, association);
            var bindings = new BindingTable();
            var registrar = new HomeAgentRegistrar(HomeAgentOptions(), nodes, new SecurityAssociationTable(), bindings, clock);
            var wire = Request(Registration(clock.GetUtcNow()), association);
            wire[position] ^= (byte)flip;
            var reply = new byte[HomeAgentRegistrar.MaxReplyLength];
            if (registrar.TryProcess(wire, FromForeignAgent(), reply, out var decision))
            {
                Assert.False(decision.Code.IsAccepted(), $"byte {position} ^ {flip:x2} was accepted");
                Assert.True(RegistrationReply.TryParse(reply.AsSpan(0, decision.ReplyLength), out _, out _, out _));
            }
            Assert.Equal(0, bindings.Count);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Agents_take_arbitrary_bytes_without_throwing() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), Gen.Elements(1, 3).ToArbitrary(), (bytes, type) =>
        {
            var clock = Clock();
            var bindings = new BindingTable();
            var registrar = new HomeAgentRegistrar(HomeAgentOptions(), new SecurityAssociationTable(), new SecurityAssociationTable(), bindings, clock);
            var relay = new ForeignAgentRelay(new ForeignAgentOptions { Address = ForeignAgentAddress, CareOfAddress = CareOf },
                new SecurityAssociationTable(), new SecurityAssociationTable(), new RecordingSender(), clock);
            var message = bytes.Length > 0 ? [(byte)type, .. bytes[1..]] : bytes;
            var reply = new byte[HomeAgentRegistrar.MaxReplyLength];
            if (registrar.TryProcess(message, FromForeignAgent(), reply, out var decision))
            {
                // The agent knows no mobile node, so nothing can authenticate: an answer is a denial that parses.
                Assert.False(decision.Code.IsAccepted());
                Assert.True(RegistrationReply.TryParse(reply.AsSpan(0, decision.ReplyLength), out _, out _, out _));
            }
            Assert.Equal(0, bindings.Count);
            relay.OnRequest(message, new RegistrationAddressing(Home, 434, ForeignAgentAddress, 434, 255, VmMac));
            relay.OnReply(message, FromForeignAgent());
        }).QuickCheckThrowOnFailure();

    public enum Op { Register, RegisterSimultaneous, Deregister, DeregisterAll }

    // Four home addresses, four care-of addresses: small enough that operations keep meeting each other.
    private static readonly Gen<(Op Op, int Home, int CareOf)> Operations =
        from op in Gen.Elements(Enum.GetValues<Op>())
        from home in Gen.Choose(0, 3)
        from careOf in Gen.Choose(0, 3)
        select (op, home, careOf);

    [Fact]
    public void The_binding_table_agrees_with_a_plain_model() =>
        Prop.ForAll(Gen.ListOf(Operations).ToArbitrary(), operations =>
        {
            var table = new BindingTable(capacity: 6, maxPerHomeAddress: 2);
            var model = new Dictionary<int, List<int>>();
            foreach (var (op, home, careOf) in operations)
            {
                var homeAddress = new Ipv4Address(10, 1, 0, (byte)(10 + home));
                var careOfAddress = new Ipv4Address(192, 0, 2, (byte)(1 + careOf));
                var binding = new MobilityBinding(homeAddress, careOfAddress, TunnelKind.IpInIp, false, 60, 1000, 1);
                int total = model.Values.Sum(l => l.Count);
                model.TryGetValue(home, out var list);
                switch (op)
                {
                    case Op.Register:
                        bool grows = list is null;
                        var result = table.Register(binding, simultaneous: false);
                        if (grows && total >= 6) Assert.Equal(BindingChange.TableFull, result);
                        else model[home] = [careOf];
                        break;
                    case Op.RegisterSimultaneous:
                        var added = table.Register(binding, simultaneous: true);
                        if (list is not null && list.Contains(careOf)) Assert.Equal(BindingChange.Renewed, added);
                        else if (list is not null && list.Count >= 2) Assert.Equal(BindingChange.TooManySimultaneous, added);
                        else if (total >= 6) Assert.Equal(BindingChange.TableFull, added);
                        else (model.TryGetValue(home, out var l) ? l : model[home] = []).Add(careOf);
                        break;
                    case Op.Deregister:
                        table.Deregister(homeAddress, careOfAddress);
                        if (list is not null && list.Remove(careOf) && list.Count == 0) model.Remove(home);
                        break;
                    case Op.DeregisterAll:
                        table.Deregister(homeAddress, homeAddress);
                        model.Remove(home);
                        break;
                }
                Assert.Equal(model.Values.Sum(l => l.Count), table.Count);
                Assert.Equal(model.Count, table.HomeAddressCount);
                foreach (var (h, careOfs) in model)
                {
                    var set = table.Get(new Ipv4Address(10, 1, 0, (byte)(10 + h)));
                    var held = new List<int>();
                    foreach (var b in set) held.Add((int)(b.CareOfAddress.Value & 0xFF) - 1);
                    Assert.Equal(careOfs.Order(), held.Order());
                }
            }
        }).QuickCheckThrowOnFailure();
}
