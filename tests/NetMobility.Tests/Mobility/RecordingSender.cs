using NetMobility.Mobility;
using NetMobility.Wire;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;

namespace NetMobility.Tests.Mobility;

/// <summary>Registration messages and advertisements a component sent, copied.</summary>
internal sealed class RecordingSender : IRegistrationSender, IAdvertisementSender
{
    public List<(RegistrationAddressing To, byte[] Message)> Registrations { get; } = [];
    public List<(Ipv4Address To, byte[] Message)> Advertisements { get; } = [];

    public void SendRegistration(in RegistrationAddressing addressing, ReadOnlySpan<byte> message) =>
        Registrations.Add((addressing, message.ToArray()));

    public void SendAdvertisement(Ipv4Address destination, ReadOnlySpan<byte> icmpMessage) =>
        Advertisements.Add((destination, icmpMessage.ToArray()));

    public (RegistrationAddressing To, byte[] Message) TakeSingle()
    {
        var single = Assert.Single(Registrations);
        Registrations.Clear();
        return single;
    }
}
