using NetMobility.Wire;

namespace NetMobility.Scenario;

/*  The VM's network device state, the payload of the page stream's device-state record (sent with the
    stop-and-copy round; DESIGN.md, "Switchover", step 1):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |  Version (1)  | Prefix length |                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
    |               Hardware address of the VM's NIC                |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                         Home address                          |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                        Default gateway                        |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
*/
file static class DeviceStateField
{
    public const int Version = 0;
    public const int PrefixLength = 1;
    public const int Mac = 2;
    public const int HomeAddress = 8;
    public const int Gateway = 12;
    public const int Length = 16;
}

/// <summary>
/// What the destination host needs, besides memory, to bring the VM's network interface up as it was: the NIC's
/// hardware address (the destination creates the NIC with it, so the VM's own idea of its address holds), and
/// the home address, prefix and gateway the guest keeps using after the move (it does not know it moved).
/// </summary>
public readonly record struct VmDeviceState(MacAddress Mac, Ipv4Address HomeAddress, int PrefixLength, Ipv4Address Gateway)
{
    public const byte CurrentVersion = 1;
    public const int Length = DeviceStateField.Length;

    /// <summary>
    /// Reads a device state record from the page stream (bytes from the other host, so checked): nothing is
    /// consumed unless the whole record is there, of version 1, with a prefix length of at most 32.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out VmDeviceState state, out int bytesConsumed, out WireError error)
    {
        state = default;
        bytesConsumed = 0;
        if (buffer.Length < DeviceStateField.Length) { error = WireError.Truncated; return false; }
        if (buffer[DeviceStateField.Version] != CurrentVersion) { error = WireError.BadVersion; return false; }
        int prefixLength = buffer[DeviceStateField.PrefixLength];
        if (prefixLength > 32) { error = WireError.BadLength; return false; }
        state = new VmDeviceState(
            MacAddress.Read(buffer[DeviceStateField.Mac..]),
            Ipv4Address.Read(buffer[DeviceStateField.HomeAddress..]),
            prefixLength,
            Ipv4Address.Read(buffer[DeviceStateField.Gateway..]));
        bytesConsumed = DeviceStateField.Length;
        error = WireError.None;
        return true;
    }

    /// <summary>Writes the record into the first <see cref="Length"/> bytes of <paramref name="buffer"/>; returns the bytes written.</summary>
    public int Emit(Span<byte> buffer)
    {
        if (PrefixLength is < 0 or > 32) throw new InvalidOperationException($"prefix length {PrefixLength} is not 0..32");
        buffer[DeviceStateField.Version] = CurrentVersion;
        buffer[DeviceStateField.PrefixLength] = (byte)PrefixLength;
        Mac.Write(buffer[DeviceStateField.Mac..]);
        HomeAddress.Write(buffer[DeviceStateField.HomeAddress..]);
        Gateway.Write(buffer[DeviceStateField.Gateway..]);
        return DeviceStateField.Length;
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        Emit(bytes);
        return bytes;
    }
}
