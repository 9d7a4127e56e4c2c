namespace NetMobility.Wire;

/// <summary>
/// How a router reports a datagram it cannot deliver: whether it may (RFC 1812 sec 4.3.2.7) and the whole
/// IPv4 datagram carrying the ICMP error, quoting as much of the offender as fits in 576 bytes
/// (RFC 1812 sec 4.3.2.3). Writes into the caller's span and allocates nothing.
/// </summary>
public static class Icmpv4Error
{
    /// <summary>The largest error datagram, IPv4 header included (RFC 1812 sec 4.3.2.3).</summary>
    public const int MaxDatagramLength = 576;

    private const int OuterLength = Ipv4Header.MinLength + Icmpv4Message.HeaderLength;
    private const int MaxQuoteLength = MaxDatagramLength - OuterLength;
    // RFC 1812 sec 4.3.2.5: errors other than source quench carry precedence 6 (internetwork control), DSCP CS6.
    private const byte InternetworkControl = 48;
    private const byte DefaultTimeToLive = 64;
    // RFC 792: the quote holds the offender's header and at least the first 8 bytes of its data.
    private const int MinQuotedData = 8;

    /// <summary>
    /// False when RFC 1812 sec 4.3.2.7 forbids an error about <paramref name="offending"/>: it is itself an ICMP error,
    /// a fragment other than the first, addressed to the limited broadcast or a multicast group, or sent from an address
    /// that names no single host (0/8, 127/8, multicast, class E). Link-layer broadcast and directed broadcast depend on
    /// the receiving interface and are the caller's to check.
    /// </summary>
    public static bool MaySendFor(Ipv4Packet offending)
    {
        if (offending.FragmentOffset != 0) return false;
        if (offending.Destination.IsBroadcast || offending.Destination.IsMulticast) return false;
        uint source = offending.Source.Value;
        if (source >> 24 is 0 or 127 || source >> 28 >= 0xE) return false;
        return !(offending.Protocol == IpProtocol.Icmp && !offending.Payload.IsEmpty && Icmpv4Message.IsErrorType((Icmpv4Type)offending.Payload[0]));
    }

    /// <summary>Writes a Destination Unreachable datagram from <paramref name="source"/> to the offender's source; returns its length.</summary>
    public static int EmitDestinationUnreachable(Span<byte> destination, Ipv4Address source, Ipv4Packet offending,
        Icmpv4UnreachableCode code, ushort nextHopMtu = 0, ushort identification = 0)
    {
        int quoteLength = QuoteLength(destination, offending);
        return Emit(destination, source, offending, Icmpv4Message.DestinationUnreachable(code, quoteLength, nextHopMtu), identification);
    }

    /// <summary>Writes a Time Exceeded datagram from <paramref name="source"/> to the offender's source; returns its length.</summary>
    public static int EmitTimeExceeded(Span<byte> destination, Ipv4Address source, Ipv4Packet offending,
        Icmpv4TimeExceededCode code, ushort identification = 0)
    {
        int quoteLength = QuoteLength(destination, offending);
        return Emit(destination, source, offending, Icmpv4Message.TimeExceeded(code, quoteLength), identification);
    }

    /// <summary>As much of the offender as fits both 576 bytes and <paramref name="destination"/>, never less than RFC 792 asks.</summary>
    private static int QuoteLength(Span<byte> destination, Ipv4Packet offending)
    {
        int wanted = Math.Min(offending.Buffer.Length, MaxQuoteLength);
        int length = Math.Min(wanted, destination.Length - OuterLength);
        int required = Math.Min(offending.Buffer.Length, offending.HeaderLength + MinQuotedData);
        if (length < required)
            throw new ArgumentException($"{destination.Length} bytes cannot hold the error with a quote of {required} bytes", nameof(destination));
        return length;
    }

    private static int Emit(Span<byte> destination, Ipv4Address source, Ipv4Packet offending, Icmpv4Message message, ushort identification)
    {
        var ip = new Ipv4Header(source, offending.Source, IpProtocol.Icmp, message.BufferLength,
            DefaultTimeToLive, identification, Dscp: InternetworkControl);
        int ipLength = ip.Emit(destination);
        var icmp = destination.Slice(ipLength, message.BufferLength);
        offending.Buffer[..message.DataLength].CopyTo(icmp[Icmpv4Message.HeaderLength..]);
        message.Emit(icmp);
        return ip.BufferLength;
    }
}
