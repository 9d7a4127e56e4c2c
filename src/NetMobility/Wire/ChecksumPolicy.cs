namespace NetMobility.Wire;

/// <summary>
/// What a codec does with a checksum field: verify it on parse, compute it on emit, both or neither.
/// Passed in by the caller (a capture replay may want to accept offloaded, unfilled checksums).
/// </summary>
[Flags]
public enum ChecksumPolicy
{
    None = 0,
    Verify = 1,
    Compute = 2,
    Both = Verify | Compute,
}
