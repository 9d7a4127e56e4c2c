using System.Text.Json;

namespace NetMobility.Lab.Site;

/// <summary>
/// Moves the lab's VM between the home and the foreign daemon through their control sockets, as a hypervisor hands a
/// VM over: detach where it is, attach where it goes; then waits until the move is in force (registered through the
/// foreign agent, or deregistered at home).
/// </summary>
public static class LabMove
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A daemon's status answer.</summary>
    public static async Task<JsonElement> Status(string socket)
    {
        string answer = await ControlClient.Ask(socket, "status", AskTimeout).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new LabException($"{socket}: the daemon's answer is not JSON");
        }
    }

    /// <summary>Sends <c>attach VM</c> or <c>detach VM</c>; a refusal is a <see cref="LabException"/> with the daemon's reason.</summary>
    public static async Task Control(string socket, string verb, string vm)
    {
        string answer = await ControlClient.Ask(socket, $"{verb} {vm}", AskTimeout).ConfigureAwait(false);
        using var document = JsonDocument.Parse(answer);
        if (document.RootElement.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False)
            throw new LabException($"{verb} {vm} at {socket}: {document.RootElement.GetProperty("error").GetString()}");
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for a daemon's status, within <paramref name="bound"/>: the status is
    /// read once, then the daemon is asked to answer at its next change (<c>watch</c>), so nothing is asked twice for an
    /// unchanged state. Conditions on counters alone are not woken by a change; they are seen at the next one.
    /// </summary>
    public static async Task<JsonElement> WaitForStatus(string socket, Func<JsonElement, bool> condition, string what, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        var status = await Status(socket).ConfigureAwait(false);
        while (!condition(status))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new LabException($"{what} not reached within {bound.TotalSeconds} s: {status}");
            int waitMs = (int)Math.Ceiling(Math.Min(left.TotalMilliseconds, ControlClient.MaxWatchMs));
            status = await Watch(socket, status.GetProperty("generation").GetInt64(), waitMs).ConfigureAwait(false);
        }
        return status;
    }

    /// <summary>The daemon's status at its first change after <paramref name="generation"/>, or after <paramref name="waitMs"/>.</summary>
    public static async Task<JsonElement> Watch(string socket, long generation, int waitMs)
    {
        string answer = await ControlClient.Ask(socket, $"watch {generation} {waitMs}", AskTimeout + TimeSpan.FromMilliseconds(waitMs)).ConfigureAwait(false);
        using var document = JsonDocument.Parse(answer);
        if (document.RootElement.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False)
            throw new LabException($"watch at {socket}: {document.RootElement.GetProperty("error").GetString()}");
        return document.RootElement.Clone();
    }

    /// <summary>The registration state of the daemon's first VM (Registered, AtHome, Registering ...).</summary>
    public static string VmRegistration(JsonElement status) => status.GetProperty("vms")[0].GetProperty("registration").GetString()!;

    /// <summary>Detaches the VM where it is and attaches it at <paramref name="to"/>; with <paramref name="wait"/>, until that is in force.</summary>
    public static async Task ToAsync(string homeSocket, string foreignSocket, LabSiteName to, bool wait = true, string vm = LabTopology.VmName)
    {
        await Detach(to == LabSiteName.Home ? foreignSocket : homeSocket, vm).ConfigureAwait(false);
        await Attach(to == LabSiteName.Home ? homeSocket : foreignSocket, vm).ConfigureAwait(false);
        if (wait) await WaitInForce(homeSocket, foreignSocket, to).ConfigureAwait(false);
    }

    public static Task Detach(string socket, string vm = LabTopology.VmName) => Control(socket, "detach", vm);

    public static Task Attach(string socket, string vm = LabTopology.VmName) => Control(socket, "attach", vm);

    /// <summary>Waits until the VM is registered through the foreign agent, or home with no binding left.</summary>
    public static Task WaitInForce(string homeSocket, string foreignSocket, LabSiteName at) => at == LabSiteName.Foreign
        ? WaitForStatus(foreignSocket, s => VmRegistration(s) == "Registered", "the VM registered through the foreign agent", Bound)
        : WaitForStatus(homeSocket, s => s.GetProperty("bindings").GetArrayLength() == 0 && VmRegistration(s) == "AtHome", "the VM deregistered at home", Bound);

    /// <summary>Where the VM is attached now, from both daemons' status; null when neither holds it.</summary>
    public static async Task<LabSiteName?> Where(string homeSocket, string foreignSocket)
    {
        if (Attached(await Status(homeSocket).ConfigureAwait(false))) return LabSiteName.Home;
        if (Attached(await Status(foreignSocket).ConfigureAwait(false))) return LabSiteName.Foreign;
        return null;
    }

    private static bool Attached(JsonElement status) => status.GetProperty("vms")[0].GetProperty("attached").GetBoolean();
}
