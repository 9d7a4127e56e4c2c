using NetMobility.Migration.Encoding;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>
/// The warm-up <c>migrate send/receive</c> run before a real migration: a whole migration of a small image in this process,
/// through the switchover with a device state of several chunks; it completes, and it can be run again (a process runs it
/// once, but nothing in it may depend on being first).
/// </summary>
public class EngineWarmUpTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_warm_up_migration_completes_through_the_switchover(int channels)
    {
        for (int run = 0; run < 2; run++)
        {
            var (took, error) = await EngineWarmUp.RunAsync(new AdaptivePolicy(), new PageEncoderOptions(), channels);
            Assert.Null(error);
            Assert.True(took > TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task A_cancelled_warm_up_ends_without_hanging()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        // Cancelled before it began: the migration does not complete (it says why) or the wait is called off; either way it ends.
        try
        {
            var (_, error) = await EngineWarmUp.RunAsync(new AdaptivePolicy(), new PageEncoderOptions(), 2, cancel.Token).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotNull(error);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
