namespace NetMobility.Tests.Lab;

/// <summary>
/// What the QEMU lab tests need beyond <see cref="LabPrerequisites"/>: QEMU (Debian qemu-system-x86), and apt-get and
/// dpkg-deb to fetch and unpack the guest's packages. .ci/run installs them; a missing one fails the test by name.
/// </summary>
internal static class VmPrerequisites
{
    public static void Require()
    {
        LabPrerequisites.Require();
        foreach (var (program, package) in new[] { ("qemu-system-x86_64", "qemu-system-x86"), ("apt-get", "apt"), ("dpkg-deb", "dpkg") })
            Assert.True(LabPrerequisites.OnPath(program), $"'{program}' is not on the PATH: install the Debian package {package}");
    }
}
