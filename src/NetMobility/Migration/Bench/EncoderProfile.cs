namespace NetMobility.Migration.Bench;

/// <summary>What a migration's page encoder does, as each system ships it.</summary>
public enum EncoderProfile
{
    /// <summary>Every page raw (Xen's pre-copy sends pages as they are).</summary>
    Raw,
    /// <summary>Zero pages flagged, the rest raw (QEMU's default: zero-page detection, no compression).</summary>
    ZeroDetect,
    /// <summary>QEMU with XBZRLE: zero pages, then from the second pass on an XBZRLE delta against the page in a 64 MiB cache (nothing when unchanged), else raw.</summary>
    Xbzrle,
    /// <summary>QEMU multifd with zstd at level 1: zero pages, then every page of a multifd packet compressed as one stream.</summary>
    MultifdZstd,
    /// <summary>QEMU multifd with zlib at level 1, as <see cref="MultifdZstd"/>.</summary>
    MultifdZlib,
    /// <summary>This project's adaptive encoder: zero, unchanged, XBZRLE delta, then the compressible pages of a batch packed with LZ4, zstd or Deflate when it pays.</summary>
    Adaptive,
}
