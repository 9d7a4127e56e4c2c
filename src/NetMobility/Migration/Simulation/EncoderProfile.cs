using NetMobility.Runtime;

namespace NetMobility.Migration.Simulation;

/// <summary>What a migration's page encoder does, as each system ships by default.</summary>
public enum EncoderProfile
{
    /// <summary>Every page raw (Xen's pre-copy sends pages as they are).</summary>
    Raw,
    /// <summary>Zero pages flagged, the rest raw (QEMU's default: zero-page detection, no compression).</summary>
    ZeroDetect,
    /// <summary>This project's adaptive encoder: zero, unchanged, XBZRLE delta, then the compressible pages of a batch packed with LZ4, zstd or Deflate when it pays.</summary>
    Adaptive,
}
