using System.CommandLine;
using NetMobility.Configuration;
using NetMobility.Host;
using NetMobility.Lab;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob agent --config FILE [--key:path=value ...]</c> runs one router node as a daemon (docs/agent.md);
/// <c>netmob agent status --socket PATH [--json]</c> asks a running one what it holds; <c>netmob agent attach|detach VM
/// --socket PATH</c> plugs a hosted VM in or pulls it; <c>netmob agent reload --socket PATH</c> does what SIGHUP does.
/// </summary>
public static class AgentCommand
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "the daemon's JSON configuration (docs/agent.md)" };
        var check = new Option<bool>("--check") { Description = "check the configuration, print one line and exit (0 when good, 2 when not)" };
        var command = new Command("agent", "Run a router node (home agent, foreign agent, tunnels, hosted VMs) as a daemon on real links; "
            + "extra --key:path=value arguments override the file, as NETMOB_key__path=value environment variables do")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.Options.Add(config);
        command.Options.Add(check);
        command.SetAction(parse =>
        {
            if (parse.GetValue(config) is not { } file) throw new UserInputException("agent: --config FILE is required (or a subcommand: status, attach, detach, reload)");
            return Run(file.FullName, [.. parse.UnmatchedTokens], parse.GetValue(check));
        });
        command.Subcommands.Add(Status());
        command.Subcommands.Add(VmCommand("attach", "Attach a hosted VM here: open its TAP, announce it, register it through this link's foreign agent (or deregister at home)"));
        command.Subcommands.Add(VmCommand("detach", "Detach a hosted VM: pull its port and let its TAP go"));
        var reload = new Command("reload", "Reload the daemon's configuration without dropping bindings (what SIGHUP does)");
        var reloadSocket = SocketOption();
        reload.Options.Add(reloadSocket);
        reload.SetAction(parse => Ask(parse.GetValue(reloadSocket)!, "reload"));
        command.Subcommands.Add(reload);
        return command;
    }

    private static Option<string> SocketOption() => new("--socket") { Description = "the daemon's control socket (its configuration's \"control\")", Required = true };

    private static Command Status()
    {
        var socket = SocketOption();
        var json = new Option<bool>("--json") { Description = "print the daemon's answer as JSON" };
        var command = new Command("status", "Show a running daemon's links, bindings, visitors, tunnels, VMs and counters");
        command.Options.Add(socket);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            string answer = AskRaw(parse.GetValue(socket)!, "status");
            if (parse.GetValue(json)) Console.Out.WriteLine(answer);
            else AgentStatusTable.Write(answer, Console.Out);
            return 0;
        });
        return command;
    }

    private static Command VmCommand(string verb, string description)
    {
        var vm = new Argument<string>("vm") { Description = "the VM's name in the daemon's \"vms\"" };
        var socket = SocketOption();
        var command = new Command(verb, description);
        command.Arguments.Add(vm);
        command.Options.Add(socket);
        command.SetAction(parse => Ask(parse.GetValue(socket)!, $"{verb} {parse.GetValue(vm)}"));
        return command;
    }

    private static int Run(string path, string[] overrides, bool checkOnly)
    {
        AgentConfig config;
        try
        {
            config = AgentHost.Check(path, overrides);
        }
        catch (ConfigException ex)
        {
            throw new UserInputException(ex.Message);
        }
        if (checkOnly)
        {
            Console.Out.WriteLine($"netmob agent: {path}: node {config.Name} checks out");
            return 0;
        }
        try
        {
            return AgentHost.RunAsync(config, overrides).GetAwaiter().GetResult();
        }
        catch (LinkOpenException ex)
        {
            throw new UserInputException($"{path}: {ex.Message}");
        }
    }

    private static string AskRaw(string socket, string request)
    {
        string answer = ControlClient.Ask(socket, request, AskTimeout).GetAwaiter().GetResult();
        using var document = ParseAnswer(socket, answer);
        if (document.RootElement.TryGetProperty("ok", out var ok) && ok.ValueKind == System.Text.Json.JsonValueKind.False)
            throw new UserInputException($"{socket}: {document.RootElement.GetProperty("error").GetString()}");
        return answer;
    }

    private static int Ask(string socket, string request)
    {
        Console.Out.WriteLine(AskRaw(socket, request));
        return 0;
    }

    private static System.Text.Json.JsonDocument ParseAnswer(string socket, string answer)
    {
        try
        {
            return System.Text.Json.JsonDocument.Parse(answer);
        }
        catch (System.Text.Json.JsonException)
        {
            throw new UserInputException($"{socket}: the daemon's answer is not JSON");
        }
    }
}
