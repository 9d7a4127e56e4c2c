using Microsoft.Extensions.Logging;

namespace NetMobility.Host;

/// <summary>
/// What the agent daemon logs, each with a fixed event id so that a log pipeline can select it: the agent starting and
/// stopping, registrations accepted and denied (with the RFC 5944 code), bindings added, removed and expired, visitors,
/// tunnels created and removed, links up and down, drops by reason, configuration reloads, VMs attached and detached.
/// </summary>
public static partial class AgentLog
{
    public const string Category = "NetMobility.Agent";

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "node {Node} started: {Interfaces} interfaces, roles {Roles}, control socket {Socket}")]
    public static partial void Started(ILogger logger, string node, int interfaces, string roles, string socket);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "node {Node} stopped")]
    public static partial void Stopped(ILogger logger, string node);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "registration accepted: {HomeAddress} care-of {CareOf}, lifetime {Lifetime} s ({Change})")]
    public static partial void RegistrationAccepted(ILogger logger, string homeAddress, string careOf, int lifetime, string change);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "registration denied: {HomeAddress} care-of {CareOf}, code {Code} ({Reason})")]
    public static partial void RegistrationDenied(ILogger logger, string homeAddress, string careOf, int code, string reason);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "binding added: {HomeAddress} -> {CareOf}")]
    public static partial void BindingAdded(ILogger logger, string homeAddress, string careOf);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "binding removed: {HomeAddress} ({Change})")]
    public static partial void BindingRemoved(ILogger logger, string homeAddress, string change);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning, Message = "binding expired: {HomeAddress} -> {CareOf}")]
    public static partial void BindingExpired(ILogger logger, string homeAddress, string careOf);

    [LoggerMessage(EventId = 1120, Level = LogLevel.Information, Message = "visitor {HomeAddress}: {Action}, code {Code} ({Reason})")]
    public static partial void VisitorRegistration(ILogger logger, string homeAddress, string action, int code, string reason);

    [LoggerMessage(EventId = 1130, Level = LogLevel.Information, Message = "tunnel created: {Encapsulation} to {Peer}")]
    public static partial void TunnelCreated(ILogger logger, string encapsulation, string peer);

    [LoggerMessage(EventId = 1131, Level = LogLevel.Information, Message = "tunnel removed: {Encapsulation} to {Peer}")]
    public static partial void TunnelRemoved(ILogger logger, string encapsulation, string peer);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "link up: {Link} ({Device})")]
    public static partial void LinkUp(ILogger logger, string link, string device);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "link down: {Link} ({Device}): {Reason}")]
    public static partial void LinkDown(ILogger logger, string link, string device, string reason);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Warning, Message = "drops on {Where}: {Count} {Reason} in the last {Seconds} s")]
    public static partial void Drops(ILogger logger, string where, long count, string reason, int seconds);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "vm {Vm} attached ({Location}) on {Interface}")]
    public static partial void VmAttached(ILogger logger, string vm, string location, string @interface);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "vm {Vm} detached")]
    public static partial void VmDetached(ILogger logger, string vm);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "vm {Vm}: registration {State}")]
    public static partial void VmRegistration(ILogger logger, string vm, string state);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "vm {Vm}: home agent holds its packets for a move")]
    public static partial void VmHandover(ILogger logger, string vm);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Information, Message = "vm {Vm}: deregistering care-of {CareOf} through the foreign agent before the node stops")]
    public static partial void VmLeaving(ILogger logger, string vm, string careOf);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Warning, Message = "deregistrations before stopping not all answered within {Milliseconds} ms; stopping anyway")]
    public static partial void LeavingUnanswered(ILogger logger, int milliseconds);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "configuration reloaded: {Applied}")]
    public static partial void Reloaded(ILogger logger, string applied);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "configuration not reloaded, the running one stays: {Reason}")]
    public static partial void ReloadRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "configuration change needs a restart, not applied: {What}")]
    public static partial void ReloadNeedsRestart(ILogger logger, string what);

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "migration {Number} committed: {Bytes} bytes, digest {Digest}, {Connections} connection(s), image {Output}")]
    public static partial void MigrationCommitted(ILogger logger, int number, long bytes, string digest, int connections, string output);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "migration {Number} refused, the VM stays at the source: {Reason}")]
    public static partial void MigrationRefused(ILogger logger, int number, string reason);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Information, Message = "migration receiver listening on {Where}")]
    public static partial void MigrationListening(ILogger logger, string where);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Warning, Message = "migration connection refused: {Reason}")]
    public static partial void MigrationConnectionRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Error, Message = "migration {Number}: vm {Vm} could not be attached: {Problem}")]
    public static partial void MigrationHandoverFailed(ILogger logger, int number, string vm, string problem);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Information, Message = "migration receiver: waiting for a QEMU at {Qmp}: {Reason}")]
    public static partial void MigrationWaitingForQemu(ILogger logger, string qmp, string reason);

    [LoggerMessage(EventId = 1606, Level = LogLevel.Information, Message = "migration receiver: QEMU at {Qmp} waits for a guest (RAM file {Ram})")]
    public static partial void MigrationQemuReady(ILogger logger, string qmp, string ram);

    [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "control socket: {Problem}")]
    public static partial void ControlProblem(ILogger logger, string problem);
}
