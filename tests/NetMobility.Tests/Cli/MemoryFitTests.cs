using NetMobility.Migration;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Cli;

/// <summary>A memory size that cannot fit is refused with the numbers before any image is made, not left to grow until the process dies.</summary>
public class MemoryFitTests
{
    /// <summary>Twice the memory this machine has available, in GiB.</summary>
    private static string TooLarge()
    {
        var available = MemoryFit.Available();
        Assert.NotNull(available);
        return $"{(available.Value >> 30) * 2 + 2}G";
    }

    [Fact]
    public void Migrate_refuses_a_memory_larger_than_the_machine_has_available()
    {
        Netmob.AssertRefused(Netmob.Run("migrate", "run", "--memory", TooLarge(), "--link", "100G", "--virtual-time"), "--memory: ");
        Netmob.AssertRefused(Netmob.Run("migrate", "run", "--memory", TooLarge(), "--link", "100G", "--virtual-time"), "does not fit this machine");
    }

    [Fact]
    public void Scenario_refuses_a_memory_larger_than_the_machine_has_available()
    {
        Netmob.AssertRefused(Netmob.Run("scenario", "run", "--memory", TooLarge(), "--wan", "100G"), "does not fit this machine");
    }

    [Fact]
    public void Under_an_address_space_limit_a_memory_that_does_not_fit_is_refused_not_crashed_on()
    {
        var result = ExternalProcess.Run("bash", ["-c", $"ulimit -v 3000000 && exec dotnet '{Netmob.Dll}' migrate run --memory 2G --virtual-time"]);
        Netmob.AssertRefused(result, "--memory: 2 GiB does not fit the process's address-space limit (ulimit -v)");
    }
}
