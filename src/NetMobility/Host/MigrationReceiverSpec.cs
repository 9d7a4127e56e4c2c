using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NetMobility.Configuration;
using NetMobility.Migration;
using NetMobility.Migration.Transports;

namespace NetMobility.Host;

/// <summary>
/// The agent configuration's <c>migration</c> section: the daemon as the destination host of migrations, the receiver of
/// <c>netmob migrate receive</c> run one migration after another. <c>listen</c> (ADDR:PORT; port 0 takes a free one, logged),
/// <c>outputDirectory</c> (where each committed image is written, <c>migration-N.img</c>; none: not written),
/// <c>vm</c> (a VM of <c>vms</c> a committed migration brings here: it is attached, so its handover follows),
/// <c>cert</c>, <c>key</c> (PEM: mutual TLS) with one of <c>peerCert</c> (PEM) or <c>peerPin</c> (SHA-256 hex),
/// <c>idleTimeoutSeconds</c> (default 60) and <c>maxMemoryMiB</c> (the largest image taken); <c>qemu</c> (an object:
/// <c>qmp</c>, <c>ram</c>, optional <c>socket</c>, absolute paths) makes each migration's destination a QEMU waiting with
/// <c>-incoming defer</c> (<c>netmob migrate receive --qemu</c>'s <c>--qemu</c>, <c>--ram</c> and <c>--qemu-socket</c>).
/// </summary>
public sealed record MigrationReceiverSpec(IPEndPoint Listen, string? OutputDirectory, string? Vm, TlsOptions? Tls, TimeSpan IdleTimeout, long MaxMemoryBytes)
{
    /// <summary>The QEMU each migration goes into; null: an image in memory.</summary>
    public QemuTargetSpec? Qemu { get; init; }

    public const string Field = "migration";
    private const int MaxPemBytes = 1 << 20;

    /// <summary>Reads the section; every mistake is a <see cref="ConfigException"/> naming the field.</summary>
    public static MigrationReceiverSpec Read(ConfigElement section)
    {
        section.AllowOnly("listen", "outputDirectory", "vm", "cert", "key", "peerCert", "peerPin", "idleTimeoutSeconds", "maxMemoryMiB", "qemu");
        var listenField = section.Get("listen");
        if (!IPEndPoint.TryParse(listenField.AsString(), out var listen) || !listenField.AsString().Contains(':'))
            throw listenField.Error($"'{listenField.AsString()}' is not ADDR:PORT");
        string? output = null;
        if (section.TryGet("outputDirectory", out var o))
        {
            output = o.AsString();
            if (!Path.IsPathFullyQualified(output)) throw o.Error($"'{output}' is not an absolute path");
            if (!Directory.Exists(output)) throw o.Error($"no such directory {output}");
        }
        string? vm = section.TryGet("vm", out var v) ? v.AsString() : null;
        var idle = TimeSpan.FromSeconds(section.TryGet("idleTimeoutSeconds", out var i) ? i.AsNumber(0.001, 86400) : 60);
        long max = section.TryGet("maxMemoryMiB", out var m) ? m.AsInteger(1, MemoryImage.MaxMemoryBytes >> 20) << 20 : MemoryImage.MaxMemoryBytes;
        return new MigrationReceiverSpec(listen, output, vm, ReadTls(section), idle, max) { Qemu = ReadQemu(section) };
    }

    private static QemuTargetSpec? ReadQemu(ConfigElement section)
    {
        if (!section.TryGet("qemu", out var qemu)) return null;
        qemu.AllowOnly("qmp", "ram", "socket");
        string Absolute(ConfigElement field)
        {
            string path = field.AsString();
            return Path.IsPathFullyQualified(path) ? path : throw field.Error($"'{path}' is not an absolute path");
        }
        string qmp = Absolute(qemu.Get("qmp")), ram = Absolute(qemu.Get("ram"));
        bool given = qemu.TryGet("socket", out var s);
        string socket = given ? Absolute(s) : Path.Combine(Path.GetTempPath(), $"netmob-agent-{Environment.ProcessId}-in.sock");
        if (System.Text.Encoding.UTF8.GetByteCount(socket) > 107) throw (given ? s : qemu).Error($"'{socket}' is too long for a Unix socket");
        return new QemuTargetSpec(qmp, ram, socket);
    }

    private static TlsOptions? ReadTls(ConfigElement section)
    {
        if (!section.TryGet("cert", out var cert))
        {
            foreach (string name in new[] { "key", "peerCert", "peerPin" })
                if (section.TryGet(name, out var stray)) throw stray.Error("needs \"cert\"");
            return null;
        }
        var key = section.TryGet("key", out var k) ? k : throw cert.Error("needs \"key\"");
        bool hasPeerCert = section.TryGet("peerCert", out var peerCert), hasPin = section.TryGet("peerPin", out var pin);
        if (hasPeerCert == hasPin) throw cert.Error("needs exactly one of \"peerCert\" and \"peerPin\"");
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(Text(cert), Text(key));
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw cert.Error($"not a PEM certificate with the private key in \"key\": {ex.Message}");
        }
        string pinned;
        if (hasPin)
        {
            pinned = pin.AsString().Replace(":", "", StringComparison.Ordinal).Trim();
            if (pinned.Length != 64 || !pinned.All(Uri.IsHexDigit)) throw pin.Error($"'{pin.AsString()}' is not a SHA-256 in hex (64 digits)");
            pinned = pinned.ToUpperInvariant();
        }
        else
        {
            try
            {
                pinned = TlsOptions.Sha256Of(X509Certificate2.CreateFromPem(Text(peerCert)));
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                throw peerCert.Error($"not a PEM certificate: {ex.Message}");
            }
        }
        return new TlsOptions { Certificate = certificate, PinnedPeerSha256 = pinned };
    }

    /// <summary>A PEM file's text, bounded; a file that cannot be read is an error naming the field.</summary>
    private static string Text(ConfigElement field)
    {
        string path = field.AsString();
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw field.Error($"no such file {path}");
            // Bounded as it is read too: a device such as /dev/zero says it has no length.
            return Files.BoundedText.Read(path, MaxPemBytes);
        }
        catch (InvalidDataException)
        {
            throw field.Error($"{path} is larger than {MaxPemBytes} bytes");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw field.Error($"{path}: {ex.Message}");
        }
    }
}

/// <summary>The QEMU a daemon's migration receiver puts each guest into: its QMP socket, its RAM file, the Unix socket it takes the device state on.</summary>
public sealed record QemuTargetSpec(string Qmp, string Ram, string Socket);
