namespace NetMobility.Lab.Site;

/// <summary>The VM's attachment at each site.</summary>
public enum VmAttachment
{
    /// <summary>A network namespace behind a TAP that the hosting agent holds (the kernel plays the VM).</summary>
    Namespace,

    /// <summary>A bridge in each site's host namespace, with the hosting agent's TAP on it and room for a QEMU guest's TAP.</summary>
    Bridge,
}
