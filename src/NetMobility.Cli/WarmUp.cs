using NetMobility.Migration.Encoding;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;

namespace NetMobility.Cli;

/// <summary>
/// <c>migrate send/receive</c>: the engine's warm-up (<see cref="EngineWarmUp"/>). Silent when it completes (a command that
/// then fails says one line, its error); a warm-up that does not complete is said on stderr and the command goes on.
/// </summary>
internal static class WarmUp
{
    public static async Task RunAsync(IStopPolicy policy, PageEncoderOptions encoder, int channels)
    {
        var (_, error) = await EngineWarmUp.RunAsync(policy, encoder, channels).ConfigureAwait(false);
        if (error is not null) Console.Error.WriteLine($"netmob: the engine's warm-up did not complete ({error}); going on");
    }
}
