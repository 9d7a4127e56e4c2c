namespace NetMobility.Testbed.Tcp;

/// <summary>Comparisons of 32-bit sequence numbers modulo 2^32 (RFC 9293 sec 3.4, RFC 1982 serial arithmetic).</summary>
internal static class SequenceNumber
{
    public static bool Lt(uint a, uint b) => (int)(a - b) < 0;
    public static bool Le(uint a, uint b) => (int)(a - b) <= 0;
    public static bool Gt(uint a, uint b) => (int)(a - b) > 0;
    public static bool Ge(uint a, uint b) => (int)(a - b) >= 0;
    public static uint Max(uint a, uint b) => Gt(a, b) ? a : b;
    public static uint Min(uint a, uint b) => Lt(a, b) ? a : b;
}
