using NetMobility.Tunnels;

// Two types placed in the Wire folder's namespace on purpose, so the layer test can show that it catches an upward reference.
namespace NetMobility.Wire.LayerProbe;

internal static class HeaderThatKnowsATunnel
{
    public static int Overhead() => new GreTunnelOptions { Local = Ipv4Address.Any, Remote = Ipv4Address.Any }.OutputHeaderLength;
}

internal static class HeaderThatKnowsOnlyWire
{
    public static int Length(ReadOnlySpan<byte> bytes) =>
        Ipv4Packet.TryCreate(bytes, ChecksumPolicy.Verify, out var packet, out _) ? packet.TotalLength : 0;
}
