namespace NetMobility.Mobility.Registration;

/// <summary>
/// The receiving side of replay protection (RFC 5944 sec 5.7): is a request's Identification fresh under its
/// security association, and what Identification goes back in the reply.
/// </summary>
public static class ReplayCheck
{
    private const ulong LowOrder = 0xFFFF_FFFF;

    /// <summary>
    /// Checks <paramref name="identification"/> at <paramref name="now"/> and records it when fresh. Whatever the
    /// answer, <paramref name="replyIdentification"/> is what the reply must carry: the low-order 32 bits are
    /// always the request's (RFC 5944 sec 3.8.3.2), the high-order 32 bits the home agent's clock (timestamps,
    /// so that a sender out of step resynchronises) or the next nonce (nonces), when the check fails or nonces are used.
    /// </summary>
    /// <param name="nextNonce">The home agent's next nonce, used only with nonce protection.</param>
    public static bool TryAccept(MobilitySecurityAssociation association, ulong identification, DateTimeOffset now, uint nextNonce, out ulong replyIdentification)
    {
        ArgumentNullException.ThrowIfNull(association);
        return association.Replay == ReplayProtection.Timestamps
            ? TryAcceptTimestamp(association, identification, now, out replyIdentification)
            : TryAcceptNonce(association, identification, nextNonce, out replyIdentification);
    }

    private static bool TryAcceptTimestamp(MobilitySecurityAssociation association, ulong identification, DateTimeOffset now, out ulong replyIdentification)
    {
        // RFC 5944 sec 5.7.1: the timestamp must lie within the tolerance of the receiver's clock and be greater
        // than every one accepted before; a stale or replayed one is denied with code 133.
        var offset = MobileIpTimestamp.Offset(identification, now);
        bool withinTolerance = offset.Duration() <= association.Tolerance;
        bool newer = association.LastAccepted is not ulong last || unchecked((long)(identification - last)) > 0;
        if (!withinTolerance || !newer)
        {
            // RFC 5944 sec 5.7.1: the reply's high-order 32 bits carry the home agent's time of day.
            replyIdentification = ((ulong)MobileIpTimestamp.Seconds(now) << 32) | (identification & LowOrder);
            return false;
        }
        association.LastAccepted = identification;
        replyIdentification = identification;
        return true;
    }

    private static bool TryAcceptNonce(MobilitySecurityAssociation association, ulong identification, uint nextNonce, out ulong replyIdentification)
    {
        // RFC 5944 sec 5.7.2: the high-order 32 bits must be the nonce this side handed out last; every reply
        // hands out a new one there and echoes the mobile node's nonce in the low-order 32 bits.
        bool fresh = association.IssuedNonce is uint issued && (uint)(identification >> 32) == issued;
        association.IssuedNonce = nextNonce;
        replyIdentification = ((ulong)nextNonce << 32) | (identification & LowOrder);
        if (fresh) association.LastAccepted = identification;
        return fresh;
    }
}
