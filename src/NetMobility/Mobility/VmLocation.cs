namespace NetMobility.Mobility;

/// <summary>Where a VM's port is plugged in.</summary>
public enum VmLocation
{
    /// <summary>Not plugged anywhere: the VM is paused between two hosts, or not started.</summary>
    Unplugged,
    /// <summary>On its home link.</summary>
    Home,
    /// <summary>On a foreign link, reached through a foreign agent.</summary>
    Away,
}
