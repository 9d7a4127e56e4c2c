namespace NetMobility.Tests.Interop;

/// <summary>
/// Python scapy (Debian python3-scapy) as an independent packet builder. Debian's scapy imports only
/// under /usr/bin/python3, which is why the interpreter is named by path.
/// </summary>
public static class Scapy
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Runs a scapy script given on standard input; "import from scapy.all" is prepended.</summary>
    public static string Run(string script, params string[] arguments)
    {
        var prelude = "import logging\nlogging.getLogger('scapy.runtime').setLevel(logging.ERROR)\nfrom scapy.all import *\n";
        return ExternalProcess.RunChecked(Python, ["-", .. arguments], prelude + script);
    }

    /// <summary>Builds packets with a scapy expression list (e.g. "[Ether()/ARP()]") and writes them to a new pcap file.</summary>
    public static string WritePcap(string packetsExpression, string? imports = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"netmob-scapy-{Guid.NewGuid():N}.pcap");
        Run($"{imports}\nimport sys\nwrpcap(sys.argv[1], {packetsExpression})\n", path);
        return path;
    }
}
