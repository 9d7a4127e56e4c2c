using System.Net;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Relay;
using NetMobility.Migration.Transports;

namespace NetMobility.Lab.Vm;

/// <summary>How <see cref="QemuMigration"/> moves a guest in <see cref="QemuMigrationMode.PageEngine"/> and <see cref="QemuMigrationMode.QemuRelay"/>, and the features of QEMU's own stream in <see cref="QemuMigrationMode.Qemu"/>.</summary>
public sealed record QemuMigrationOptions
{
    /// <summary>The engine's stop policy, one per migration; the adaptive policy when null.</summary>
    public Func<IStopPolicy>? Policy { get; init; }

    /// <summary>What carries the page stream between the two engines: TCP along QEMU's own path (between the two QEMUs' namespaces), or a pipe in this process.</summary>
    public EngineTransport Transport { get; init; } = EngineTransport.Tcp;

    /// <summary>
    /// The path between the two hosts, in bits per second; null for the bare loopback. The page engine's encoder is told
    /// the rate. Over TCP the engine's stream crosses the same shaped path as QEMU's own streams
    /// (<see cref="GuestBridge.ShapeLoopback"/>, which the caller sets up); with <see cref="EngineTransport.Memory"/> it goes
    /// over an in-memory link of that rate in real time.
    /// </summary>
    public double? WanBitsPerSecond { get; init; }

    /// <summary>
    /// <see cref="QemuMigrationMode.PageEngine"/> in two processes, as between two machines: the program that runs <c>netmob</c>
    /// (with what goes before its command, <c>dotnet netmob.dll</c>), started as <c>netmob migrate receive --qemu</c> in the
    /// destination QEMU's namespace and <c>netmob migrate send --qemu</c> in the source's, each on the QEMU's second monitor.
    /// Null: both ends run in this process. <see cref="AfterPageApplied"/> and <see cref="BeforeDeviceState"/> need this process.
    /// </summary>
    public IReadOnlyList<string>? Netmob { get; init; }

    /// <summary>
    /// <see cref="QemuMigrationMode.Qemu"/>: QEMU's own features its stream uses (multifd with compression, XBZRLE); set on
    /// both QEMUs before every move, and off again before a move in another mode.
    /// </summary>
    public QemuStreamFeatures QemuFeatures { get; init; } = QemuStreamFeatures.None;

    /// <summary>The engine's parallel channels (and encoding cores).</summary>
    public int Channels { get; init; } = 2;

    /// <summary>Runs at the destination on each page applied, before it counts in the digest (a test corrupts a page here).</summary>
    public PageApplied? AfterPageApplied { get; init; }

    /// <summary>Runs with the source paused just before the source QEMU writes its device state (a test kills the destination QEMU here).</summary>
    public Action? BeforeDeviceState { get; init; }

    /// <summary>
    /// <see cref="QemuMigrationMode.QemuRelay"/>: the relay's window and resume bound. The window holds octets QEMU counts
    /// as sent while they still wait for the link: QEMU's estimate of the link's rate, and so of its last round, does not
    /// see them, and on a slow link they lengthen the pause (8 MiB at 100 Mbit/s: about 0.7 s). 1 MiB here (the relay's
    /// own default is 8 MiB): enough for the lab's round trips, and what a resume sends again.
    /// </summary>
    public RelayOptions Relay { get; init; } = new() { WindowBytes = 1 << 20 };

    /// <summary><see cref="QemuMigrationMode.QemuRelay"/>: the relay's connection under mutual TLS; plain TCP when null.</summary>
    public TlsOptions? RelayTls { get; init; }

    /// <summary>
    /// <see cref="QemuMigrationMode.QemuRelay"/>: where the relay's sender connects (from the source QEMU's namespace), given
    /// where its receiver listens (in the destination QEMU's namespace); the receiver itself when null (a test puts a
    /// cuttable relay in between).
    /// </summary>
    public Func<IPEndPoint, IPEndPoint>? RelayRoute { get; init; }
}

/// <summary>The page engine's transport in the lab.</summary>
public enum EngineTransport
{
    /// <summary>TCP, a connection per channel (the engine's real transport), from the source QEMU's namespace to the destination's, as QEMU's own stream goes.</summary>
    Tcp,

    /// <summary>The engine's in-memory pipe in real time, with no bandwidth or latency to speak of.</summary>
    Memory,
}
