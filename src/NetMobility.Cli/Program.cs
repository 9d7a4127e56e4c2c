using System.CommandLine;
using NetMobility.Cli;

var root = new RootCommand("netmob: network-layer tunnelling and mobility toolkit (GRE, Mobile IPv4, VM live migration)");
root.Subcommands.Add(DecodeCommand.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(ScenarioCommand.Create());
root.Subcommands.Add(AgentCommand.Create());
root.Subcommands.Add(LabCommand.Create());
return CliApp.Run(root, args);
