namespace NetMobility.Tests.Lab;

/// <summary>
/// What the lab tests need from the machine: Linux, root, /dev/net/tun, and iproute2, socat, ping, sysctl and kill on the
/// PATH (.ci/run installs them). A missing one fails the test with a message that says what to provide:
/// these tests are the project's check against a real kernel, so they do not quietly skip.
/// </summary>
internal static class LabPrerequisites
{
    public static void Require()
    {
        Assert.True(OperatingSystem.IsLinux(), "the lab tests need Linux (TAP devices, network namespaces)");
        Assert.True(Environment.IsPrivilegedProcess, "the lab tests need root: TAP devices and network namespaces need CAP_NET_ADMIN and CAP_SYS_ADMIN");
        Assert.True(File.Exists("/dev/net/tun"), "/dev/net/tun is missing: load the tun module, or run the container with the device");
        foreach (var (program, package) in new[] { ("ip", "iproute2"), ("socat", "socat"), ("ping", "iputils-ping"), ("sysctl", "procps"), ("kill", "procps") })
            Assert.True(OnPath(program), $"'{program}' is not on the PATH: install the Debian package {package}");
    }

    /// <summary>For the libpcap link: Debian's libpcap0.8 (libpcap.so.0.8), which .ci/run installs.</summary>
    public static void RequirePcap()
    {
        bool loaded = System.Runtime.InteropServices.NativeLibrary.TryLoad("libpcap.so.0.8", out var handle);
        if (loaded) System.Runtime.InteropServices.NativeLibrary.Free(handle);
        Assert.True(loaded, "libpcap.so.0.8 cannot be loaded: install the Debian package libpcap0.8");
    }

    /// <summary>For the lab's veth router links: ethtool (checksum offload off on the kernel's ends), which .ci/run installs.</summary>
    public static void RequireEthtool() => Assert.True(OnPath("ethtool"), "'ethtool' is not on the PATH: install the Debian package ethtool");

    public static bool OnPath(string program)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(directory, program))) return true;
        return false;
    }
}
