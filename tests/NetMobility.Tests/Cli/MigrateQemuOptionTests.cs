using System.Net.Sockets;

namespace NetMobility.Tests.Cli;

/// <summary>
/// <c>netmob migrate send/receive --qemu</c> given options that do not fit together, or a QMP socket with no QEMU behind it:
/// one line on stderr naming the option, exit code 2, no trace, and nothing started. (A real QEMU that is in the wrong
/// state is refused in <c>Lab/QemuMigrateCommandTests</c>.)
/// </summary>
public sealed class MigrateQemuOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netmob-qemu-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Nowhere = "127.0.0.1:1";

    public static TheoryData<string[], string> OptionsThatDoNotFit => new()
    {
        { ["migrate", "send", "--to", Nowhere, "--qemu", "/tmp/g.qmp"], "--qemu needs --ram FILE" },
        { ["migrate", "send", "--to", Nowhere, "--ram", "/dev/shm/g"], "--ram goes with --qemu" },
        { ["migrate", "send", "--to", Nowhere, "--ram", "/dev/shm/g", "--image", "/tmp/i.img"], "--ram goes with --qemu" },
        { ["migrate", "send", "--to", Nowhere, "--qemu-socket", "/tmp/s.sock", "--memory", "4M"], "--qemu-socket goes with --qemu" },
        { ["migrate", "send", "--to", Nowhere, "--qemu", "/tmp/g.qmp", "--ram", "/dev/shm/g", "--image", "/tmp/i.img"], "give exactly one of --image FILE, --memory SIZE and --qemu QMP-SOCKET" },
        { ["migrate", "send", "--to", Nowhere, "--qemu", "/tmp/g.qmp", "--ram", "/dev/shm/g", "--memory", "64M"], "give exactly one of --image FILE, --memory SIZE and --qemu QMP-SOCKET" },
        { ["migrate", "send", "--to", Nowhere, "--qemu", "/tmp/g.qmp", "--ram", "/dev/shm/g", "--workload", "web"], "--workload does not go with --qemu" },
        { ["migrate", "receive", "--listen", "127.0.0.1:0", "--ram", "/dev/shm/g"], "--ram goes with --qemu" },
        { ["migrate", "receive", "--listen", "127.0.0.1:0", "--qemu-socket", "/tmp/s.sock"], "--qemu-socket goes with --qemu" },
        { ["migrate", "receive", "--listen", "127.0.0.1:0", "--qemu", "/tmp/g.qmp"], "--qemu needs --ram FILE" },
    };

    [Theory]
    [MemberData(nameof(OptionsThatDoNotFit))]
    public void Qemu_options_that_do_not_fit_together_are_one_line_and_exit_code_2(string[] arguments, string message)
    {
        Netmob.AssertRefused(Netmob.Run(arguments), message);
    }

    [Theory]
    [InlineData("send")]
    [InlineData("receive")]
    public void A_qemu_path_with_nothing_there_is_refused_naming_the_option_and_the_path(string command)
    {
        string missing = Path.Combine(_dir, "absent.qmp");
        var line = Netmob.AssertRefused(Netmob.Run(Arguments(command, missing)), "--qemu");
        Assert.Equal($"netmob: --qemu: QEMU at {missing}: no QMP server at {missing} (no such file)", line);
    }

    [Theory]
    [InlineData("send")]
    [InlineData("receive")]
    public void A_qemu_path_that_is_a_plain_file_is_refused_naming_the_option_and_the_path(string command)
    {
        string plain = Path.Combine(_dir, "plain.qmp");
        File.WriteAllText(plain, "");
        var line = Netmob.AssertRefused(Netmob.Run(Arguments(command, plain)), "--qemu");
        Assert.StartsWith($"netmob: --qemu: QEMU at {plain}: no QMP server at {plain} (", line);
    }

    /// <summary>A Unix socket that takes the connection (the kernel's backlog) but never greets: refused once the bound given passes.</summary>
    [Theory]
    [InlineData("send", "--connect-timeout")]
    [InlineData("receive", "--idle-timeout")]
    public void A_qemu_socket_that_does_not_speak_qmp_is_refused_within_its_bound(string command, string bound)
    {
        string path = Path.Combine(_dir, "silent.sock");
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(path));
        silent.Listen(4);
        var line = Netmob.AssertRefused(Netmob.Run([.. Arguments(command, path), bound, "1"]), "--qemu");
        Assert.Equal($"netmob: --qemu: QEMU at {path}: no QMP greeting on {path} in time", line);
    }

    private string[] Arguments(string command, string qmp) => command == "send"
        ? ["migrate", "send", "--to", Nowhere, "--qemu", qmp, "--ram", Path.Combine(_dir, "ram")]
        : ["migrate", "receive", "--listen", "127.0.0.1:0", "--qemu", qmp, "--ram", Path.Combine(_dir, "ram")];
}
