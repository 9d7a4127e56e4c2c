using System.CommandLine;
using System.Text.Json;
using NetMobility.Configuration;
using NetMobility.Lab;
using NetMobility.Lab.Site;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob lab up|down|status|move [--config lab.json]</c>: the lab of docs/lab.md in network namespaces, with its
/// home, WAN and foreign agents as detached <c>netmob agent</c> processes and its state on disk.
/// </summary>
public static class LabSiteCommand
{
    public static IEnumerable<Command> Create() => [Up(), Down(), Status(), Move()];

    private static Option<FileInfo> ConfigOption() => new("--config") { Description = "the lab's JSON description (docs/lab.md); without it, the default lab 'nmlab'" };

    private static LabSpec Spec(FileInfo? file)
    {
        if (file is null) return LabSpec.Default;
        try
        {
            return LabSpec.Load(file.FullName);
        }
        catch (ConfigException e)
        {
            throw new UserInputException(e.Message);
        }
    }

    private static void RequireRoot(string verb)
    {
        if (!OperatingSystem.IsLinux()) throw new UserInputException($"lab {verb}: needs Linux (network namespaces, TAP devices)");
        if (!Environment.IsPrivilegedProcess) throw new UserInputException($"lab {verb}: needs root (network namespaces, TAP devices)");
    }

    private static Command Up()
    {
        var config = ConfigOption();
        var command = new Command("up", "Build the lab (correspondent behind an rp_filter router, home site, WAN, foreign site, VM) in network namespaces and start its agents");
        command.Options.Add(config);
        command.SetAction(parse =>
        {
            var spec = Spec(parse.GetValue(config));
            RequireRoot("up");
            try
            {
                var lab = LabSite.Up(spec, NetmobCommand.Current(), line => Console.Out.WriteLine(line)).GetAwaiter().GetResult();
                Console.Out.WriteLine($"lab {spec.Name} is up: state in {spec.StateDirectory}; the correspondent: ip netns exec {lab.Correspondent} ping {LabAddresses.VmAddress}");
            }
            catch (LabException e)
            {
                throw new UserInputException($"lab up: {e.Message}");
            }
            return 0;
        });
        return command;
    }

    private static Command Down()
    {
        var config = ConfigOption();
        var command = new Command("down", "Stop the lab's agents and remove its namespaces, devices and files (also after an 'up' that died halfway)");
        command.Options.Add(config);
        command.SetAction(parse =>
        {
            var spec = Spec(parse.GetValue(config));
            RequireRoot("down");
            try
            {
                foreach (var line in LabSite.Down(spec.StateDirectory).GetAwaiter().GetResult()) Console.Out.WriteLine($"removed {line}");
            }
            catch (LabException e)
            {
                throw new UserInputException($"lab down: {e.Message}");
            }
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var config = ConfigOption();
        var json = new Option<bool>("--json") { Description = "one JSON object: namespaces, agents and each agent's own status answer" };
        var command = new Command("status", "Show what of the lab runs: its namespaces, its agents, and what each agent says (links, bindings, VMs); exit 1 when something is missing");
        command.Options.Add(config);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var spec = Spec(parse.GetValue(config));
            LabStatus status;
            try
            {
                status = LabSite.Status(spec.StateDirectory).GetAwaiter().GetResult();
            }
            catch (LabException e)
            {
                throw new UserInputException($"lab status: {e.Message}");
            }
            if (parse.GetValue(json)) WriteJson(status);
            else WriteTable(status);
            return status.AllRunning ? 0 : 1;
        });
        return command;
    }

    private static Command Move()
    {
        var config = ConfigOption();
        var to = new Option<string>("--to") { Description = "home or foreign", Required = true };
        to.AcceptOnlyFromAmong("home", "foreign");
        var command = new Command("move", "Move the VM's attachment to the home or the foreign site and wait until its registration is in force");
        command.Options.Add(config);
        command.Options.Add(to);
        command.SetAction(parse =>
        {
            var spec = Spec(parse.GetValue(config));
            var site = parse.GetValue(to) == "home" ? LabSiteName.Home : LabSiteName.Foreign;
            try
            {
                var home = LabSite.Agent(spec.StateDirectory, "home").Socket;
                var foreign = LabSite.Agent(spec.StateDirectory, "foreign").Socket;
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                LabMove.ToAsync(home, foreign, site).GetAwaiter().GetResult();
                Console.Out.WriteLine($"vm1 is at the {parse.GetValue(to)} site ({System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms)");
            }
            catch (Exception e) when (e is LabException or IOException)
            {
                throw new UserInputException($"lab move: {e.Message}");
            }
            return 0;
        });
        return command;
    }

    private static void WriteTable(LabStatus status)
    {
        var output = Console.Out;
        output.WriteLine($"lab {status.Name}  state {status.StateDirectory}  {(status.Complete ? "up" : "INCOMPLETE (up did not finish: run 'netmob lab down')")}");
        output.WriteLine("namespaces");
        foreach (var (name, exists) in status.Namespaces) output.WriteLine($"  {name,-16} {(exists ? "present" : "MISSING")}");
        output.WriteLine("agents");
        foreach (var agent in status.Agents)
        {
            string summary = agent.Status is { } s ? Summary(s) : agent.Problem ?? "";
            output.WriteLine($"  {agent.Agent.Name,-8} pid {agent.Agent.Pid,-8} {(agent.Running ? "running" : "STOPPED"),-8} {summary}");
        }
    }

    /// <summary>One line of what an agent says: links up, bindings, visitors, and where its VM is.</summary>
    private static string Summary(JsonElement status)
    {
        var links = status.GetProperty("links");
        int up = links.EnumerateArray().Count(l => l.GetProperty("state").GetString() == "up");
        string line = $"links {up}/{links.GetArrayLength()} up, bindings {status.GetProperty("bindings").GetArrayLength()}, visitors {status.GetProperty("visitors").GetArrayLength()}";
        foreach (var vm in status.GetProperty("vms").EnumerateArray())
            line += $", {vm.GetProperty("name").GetString()} {(vm.GetProperty("attached").GetBoolean() ? "attached" : "detached")} ({vm.GetProperty("registration").GetString()})";
        return line;
    }

    private static void WriteJson(LabStatus status)
    {
        using var stream = Console.OpenStandardOutput();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("name", status.Name);
            json.WriteString("state", status.StateDirectory);
            json.WriteBoolean("complete", status.Complete);
            json.WriteBoolean("running", status.AllRunning);
            json.WriteStartArray("namespaces");
            foreach (var (name, exists) in status.Namespaces)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteBoolean("exists", exists);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("agents");
            foreach (var agent in status.Agents)
            {
                json.WriteStartObject();
                json.WriteString("name", agent.Agent.Name);
                json.WriteNumber("pid", agent.Agent.Pid);
                json.WriteBoolean("running", agent.Running);
                json.WriteString("socket", agent.Agent.Socket);
                json.WriteString("log", agent.Agent.Log);
                if (agent.Problem is not null) json.WriteString("problem", agent.Problem);
                if (agent.Status is { } s)
                {
                    json.WritePropertyName("status");
                    s.WriteTo(json);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }
}
