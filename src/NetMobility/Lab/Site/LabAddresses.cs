namespace NetMobility.Lab.Site;

/// <summary>
/// The lab's addresses (documentation and private ranges, the same in every lab: labs side by side live in separate
/// namespaces, so they do not collide).
/// <code>
/// corr 10.3.0.2/24 -veth- core 10.3.0.1 (kernel router, strict rp_filter)
/// core 192.0.2.2/30    -TAP- home agent daemon 192.0.2.1/30;  home link 10.1.0.1/24 (home agent)
/// core 203.0.113.2/30  -TAP- WAN agent daemon 203.0.113.1/30 | 198.51.100.2/30 -TAP- bridge in NAME-wan -TAP- foreign agent daemon 198.51.100.1/30;  foreign link 10.2.0.1/24 (foreign agent, care-of 198.51.100.1)
/// VM 10.1.0.50/24 (gateway 10.1.0.1), attached to one daemon at a time
/// </code>
/// </summary>
public static class LabAddresses
{
    public const string VmAddress = "10.1.0.50";
    public const string VmMac = "02:4e:4d:00:00:50";
    public const string HomeAgent = "10.1.0.1";
    public const string CareOf = "198.51.100.1";
    public const string CorrespondentAddress = "10.3.0.2";
    public const string CoreToCorrespondent = "10.3.0.1";
    public const string HomeWan = "192.0.2.1";
    public const string CoreToHome = "192.0.2.2";
    public const string WanCoreSide = "203.0.113.1";
    public const string CoreToWan = "203.0.113.2";
    public const string WanForeignSide = "198.51.100.2";

    /// <summary>The link between the two sites' hosts that QEMU's migration stream takes (VM attachment <c>bridge</c>).</summary>
    public const string HomeHostMigration = "172.31.0.1";
    public const string ForeignHostMigration = "172.31.0.2";

    public const int VmSpi = 300;
    public const string VmKey = "lab secret";
}
