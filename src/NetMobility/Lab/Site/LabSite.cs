using System.Text.Json;

namespace NetMobility.Lab.Site;

/// <summary>
/// <c>netmob lab up|down|status|move</c>: a lab built by <see cref="LabTopology"/> with its three agent daemons started as
/// detached <c>netmob agent</c> processes, its state on disk (<see cref="LabState"/>). <see cref="Up"/> refuses a lab that
/// is up already and, when it fails, removes what it made; <see cref="Down"/> removes what the state lists, after a
/// finished <c>up</c> or one that died halfway.
/// </summary>
public static class LabSite
{
    /// <summary>How long an agent may take to answer on its control socket after it is started.</summary>
    public static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);

    /// <summary>How long a daemon has to stop on SIGTERM before it is killed (it promises 5 s).</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(6);

    /// <summary>Builds the lab and starts its agents; on failure removes what it made and throws a <see cref="LabException"/>.</summary>
    public static async Task<LabTopology> Up(LabSpec spec, NetmobCommand netmob, Action<string>? progress = null)
    {
        if (LabState.Load(spec.StateDirectory) is not null)
            throw new LabException($"lab {spec.Name} is up already (state in {spec.StateDirectory}): run 'netmob lab down' first");
        foreach (var name in LabTopology.Of(spec, new LabState()).Namespaces)
            if (NetNamespace.Exists(name)) throw new LabException($"network namespace {name} exists already: another lab named {spec.Name}? ('ip netns delete {name}' removes it)");
        var state = LabState.Begin(spec.StateDirectory, spec.Name);
        try
        {
            var lab = LabTopology.Build(spec, state);
            progress?.Invoke($"namespaces {string.Join(", ", state.Namespaces)}");
            foreach (var agent in LabTopology.Agents)
            {
                using var ready = ReadyNotice.Listen(Path.ChangeExtension(lab.Socket(agent), ".ready"));
                int pid = netmob.StartDetached(lab.Log(agent), new Dictionary<string, string> { ["NOTIFY_SOCKET"] = ready.Path }, "agent", "--config", lab.Config(agent));
                state.AddAgent(new AgentRecord(agent, pid, lab.Config(agent), lab.Socket(agent), lab.Log(agent)));
                await WaitUntilServing(state.Agents[^1], ready).ConfigureAwait(false);
                progress?.Invoke($"agent {agent} pid {pid}");
            }
            state.MarkComplete();
            return lab;
        }
        catch (Exception e) when (e is LabException or IOException or UnauthorizedAccessException)
        {
            try
            {
                await Down(spec.StateDirectory).ConfigureAwait(false);
            }
            catch (Exception cleanup) when (cleanup is LabException or IOException or UnauthorizedAccessException)
            {
                throw new LabException($"{e.Message}; and removing what was made failed: {cleanup.Message}");
            }
            throw new LabException(e.Message);
        }
    }

    /// <summary>
    /// Waits until the agent says it serves (<c>READY=1</c> on <paramref name="ready"/>, sent once its control socket
    /// listens); its exit first is a <see cref="LabException"/> quoting its log, and so is silence for <see cref="StartBound"/>.
    /// </summary>
    public static async Task WaitUntilServing(AgentRecord agent, ReadyNotice ready)
    {
        using var bound = new CancellationTokenSource(StartBound);
        var serving = ready.WaitAsync(bound.Token);
        var exited = ProcessExit.WaitAsync(agent.Pid, bound.Token);
        var first = await Task.WhenAny(serving, exited).ConfigureAwait(false);
        await bound.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(serving, exited).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (serving.IsCompletedSuccessfully) return;
        if (first == exited && exited.IsCompletedSuccessfully)
            throw new LabException($"agent {agent.Name} (pid {agent.Pid}) exited: {LastLine(agent.Log)}");
        throw new LabException($"agent {agent.Name} did not say it serves on {agent.Socket} within {StartBound.TotalSeconds:0} s: {LastLine(agent.Log)}");
    }

    /// <summary>
    /// Stops the lab's agents (those recorded and any other process running one of its configuration files), deletes its
    /// namespaces and the files it recorded, then its state folder. Answers what it removed, one item a line.
    /// </summary>
    public static async Task<IReadOnlyList<string>> Down(string stateDirectory)
    {
        var state = LabState.Load(stateDirectory) ?? throw new LabException($"no lab state in {stateDirectory}: nothing to take down");
        var removed = new List<string>();
        var configs = LabTopology.Agents.Select(a => Path.Combine(stateDirectory, a + ".json")).ToList();
        var agents = state.Agents.Select(a => (a.Pid, a.Config)).ToList();
        // An agent started just before a crash may be missing from the state: it is found by its configuration file.
        foreach (int pid in AgentProcesses.Running(configs))
            if (!agents.Any(a => a.Pid == pid)) agents.Add((pid, AgentProcesses.CommandLine(pid) is { } args ? configs.First(c => args.Contains(c)) : configs[0]));
        int stopped = await AgentProcesses.StopAsync(agents, StopGrace).ConfigureAwait(false);
        if (stopped > 0) removed.Add($"{stopped} agent process(es)");
        var problems = new List<string>();
        foreach (var name in Enumerable.Reverse(state.Namespaces).Distinct())
        {
            try
            {
                if (NetNamespace.DeleteIfExists(name)) removed.Add($"namespace {name}");
            }
            catch (LabException e)
            {
                problems.Add(e.Message);
            }
        }
        foreach (var file in state.Files)
        {
            if (!File.Exists(file)) continue;
            File.Delete(file);
            removed.Add(file);
        }
        if (problems.Count > 0) throw new LabException(string.Join("; ", problems));
        Directory.Delete(stateDirectory, recursive: true);
        removed.Add(stateDirectory);
        return removed;
    }

    /// <summary>What runs: each namespace (there or not) and each agent (running or not, and its status when it answers).</summary>
    public static async Task<LabStatus> Status(string stateDirectory)
    {
        var state = LabState.Load(stateDirectory) ?? throw new LabException($"no lab state in {stateDirectory}: the lab is not up");
        var spaces = state.Namespaces.Distinct().Select(n => (n, NetNamespace.Exists(n))).ToList();
        var agents = new List<LabAgentStatus>();
        foreach (var agent in state.Agents)
        {
            bool running = AgentProcesses.Runs(agent.Pid, agent.Config);
            JsonElement? answer = null;
            string? problem = null;
            if (running)
            {
                try
                {
                    using var document = JsonDocument.Parse(await ControlClient.Ask(agent.Socket, "status", TimeSpan.FromSeconds(5)).ConfigureAwait(false));
                    answer = document.RootElement.Clone();
                }
                catch (Exception e) when (e is IOException or JsonException)
                {
                    problem = e.Message;
                }
            }
            else problem = $"not running: {LastLine(agent.Log)}";
            agents.Add(new LabAgentStatus(agent, running, answer, problem));
        }
        return new LabStatus(state.Name, stateDirectory, state.Complete, spaces, agents);
    }

    /// <summary>The agent named <paramref name="name"/> of the lab in <paramref name="stateDirectory"/>.</summary>
    public static AgentRecord Agent(string stateDirectory, string name)
    {
        var state = LabState.Load(stateDirectory) ?? throw new LabException($"no lab state in {stateDirectory}: the lab is not up");
        return state.Agents.Find(a => a.Name == name) ?? throw new LabException($"lab {state.Name} has no agent '{name}' running (up did not finish?)");
    }

    internal static string LastLine(string log)
    {
        try
        {
            var lines = File.ReadLines(log).Where(l => l.Trim().Length > 0).TakeLast(1).ToList();
            return lines.Count == 0 ? "(its log is empty)" : lines[0].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"(no log: {e.Message})";
        }
    }
}
