namespace NetMobility.Tunnels;

/// <summary>
/// Serial-number arithmetic on 32-bit sequence numbers (RFC 1982 sec 3.2, SERIAL_BITS = 32), as RFC 2890
/// sec 2.2 asks: the GRE sequence number wraps after 2^32 - 1, so "older" means "within the 2^31 - 1 values
/// before", not "numerically smaller".
/// </summary>
public static class SequenceNumber
{
    /// <summary>
    /// Signed distance from <paramref name="reference"/> to <paramref name="value"/>: positive when
    /// <paramref name="value"/> comes after it, negative when before, zero when equal. A distance of exactly
    /// 2^31 is undefined in RFC 1982; it comes out negative here, so such a packet counts as old.
    /// </summary>
    public static int Distance(uint reference, uint value) => unchecked((int)(value - reference));

    /// <summary>True when <paramref name="value"/> comes before <paramref name="reference"/> in serial order.</summary>
    public static bool IsBefore(uint value, uint reference) => Distance(reference, value) < 0;
}
