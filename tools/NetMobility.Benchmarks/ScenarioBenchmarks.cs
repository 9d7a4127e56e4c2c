using BenchmarkDotNet.Attributes;
using NetMobility.Scenario;

namespace NetMobility.Benchmarks;

/// <summary>
/// One whole <c>netmob scenario run</c> (the default scenario: web server, adaptive policy, 100 Mbit/s 20 ms WAN,
/// GRE, 100 packets/s each way): the goal is a few seconds for the default 128 MiB. With 1 MiB of memory the run is
/// almost all network (under 4 s of virtual time of topology, flows and handover); at 128 MiB the page stream
/// (seeding, encoding, decoding, two digests) dominates.
/// </summary>
[MemoryDiagnoser]
public class ScenarioBenchmarks
{
    [Params(1, 128)]
    public int MemoryMiB { get; set; }

    [Benchmark]
    public string RunScenario() =>
        new LiveMigrationScenario(new ScenarioOptions { MemoryBytes = (long)MemoryMiB << 20 }).RunAsync().GetAwaiter().GetResult().Outcome;
}
