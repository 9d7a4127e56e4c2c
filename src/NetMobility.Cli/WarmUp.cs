using System.Globalization;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;

namespace NetMobility.Cli;

/// <summary><c>migrate send/receive</c>: the engine's warm-up (<see cref="EngineWarmUp"/>), reported in one line on stderr.</summary>
internal static class WarmUp
{
    public static async Task RunAsync(IStopPolicy policy, PageEncoderOptions encoder, int channels)
    {
        var (took, error) = await EngineWarmUp.RunAsync(policy, encoder, channels).ConfigureAwait(false);
        Console.Error.WriteLine(error is null
            ? string.Create(CultureInfo.InvariantCulture, $"engine warmed up in {took.TotalMilliseconds:0} ms")
            : $"netmob: the engine's warm-up did not complete ({error}); going on");
    }
}
