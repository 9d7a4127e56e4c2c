using System.Text.RegularExpressions;
using NetMobility.Lab;
using static NetMobility.Tests.Lab.AgentLab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The migration receiver as a role of a <c>netmob agent</c> daemon (the <c>migration</c> section): two
/// <c>netmob migrate send</c> runs, one after the other, each committed, logged, counted in the status and written to
/// the output folder; the first brings the hosted VM the section names, which is then attached here.
/// </summary>
[Collection(LabCollection.Name)]
public sealed partial class AgentMigrationReceiverTests
{
    [Fact]
    public async Task A_daemon_receives_migrations_one_after_another_and_attaches_the_vm_they_bring()
    {
        LabPrerequisites.Require();
        var files = Directory.CreateTempSubdirectory("nmmigr-");
        string tap = NetNamespace.UniqueName("nmr");
        try
        {
            string socket = Path.Combine(files.FullName, "d.sock");
            string config = Path.Combine(files.FullName, "d.json");
            File.WriteAllText(config, $$$"""
                {"node": {"name": "d", "interfaces": [{"name": "lan", "mac": "02:4e:4d:09:00:01", "address": "10.9.0.1/24", "link": {"segment": "lan"}}]},
                 "vms": [{"name": "vm1", "interface": "lan", "link": {"tap": "{{{tap}}}", "mode": "create"}, "mac": "02:4e:4d:09:00:50",
                          "homeAddress": "10.9.0.50", "homeAgent": "10.9.0.1", "spi": 300, "key": "secret", "attached": false}],
                 "migration": {"listen": "127.0.0.1:0", "outputDirectory": "{{{files.FullName}}}", "vm": "vm1", "idleTimeoutSeconds": 10},
                 "control": "{{{socket}}}"}
                """);
            using var daemon = StartAgent(config);
            await daemon.WaitForOutputAsync("node d started", Bound);
            string port = ListeningPort().Match(daemon.Output).Groups[1].Value;
            Assert.NotEqual("", port);
            Assert.False(Status(socket).GetProperty("vms")[0].GetProperty("attached").GetBoolean());

            for (int migration = 1; migration <= 2; migration++)
            {
                var send = RunNetmob("migrate", "send", "--to", $"127.0.0.1:{port}", "--memory", "16M", "--workload", "idle");
                Assert.True(send.Succeeded, $"migration {migration}: {send.StandardError}");
                await daemon.WaitForOutputAsync($"migration {migration} committed: 16777216 bytes", Bound);
                Assert.Equal(16L << 20, new FileInfo(Path.Combine(files.FullName, $"migration-{migration}.img")).Length);
            }
            var status = Status(socket);
            var receiver = status.GetProperty("migration");
            Assert.Equal(2, receiver.GetProperty("committed").GetInt32());
            Assert.Equal(0, receiver.GetProperty("refused").GetInt32());
            Assert.Equal($"tcp 127.0.0.1:{port}", receiver.GetProperty("listen").GetString());
            // The first migration brought the VM: attached here (at home: announced, its bindings deregistered); the
            // second finds it attached already and says so.
            Assert.True(status.GetProperty("vms")[0].GetProperty("attached").GetBoolean());
            Assert.Contains("vm vm1 attached (home) on lan", daemon.Output);
            Assert.Contains("vm vm1 not attached: vm vm1 is attached already", receiver.GetProperty("last").GetString());

            CommandRunner.Run("kill", ["-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Bound);
            Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            files.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"migration receiver listening on tcp 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningPort();
}
