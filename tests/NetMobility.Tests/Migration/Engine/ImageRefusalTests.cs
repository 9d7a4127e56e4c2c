using NetMobility.Migration;
using NetMobility.Migration.Engine;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>
/// A destination that cannot hold the image a stream header announces (its memory of another size, one it cannot make, one
/// over its bound) refuses it with <see cref="PageStreamError.ImageRefused"/> and says why; the source rolls back with that
/// reason and the VM never leaves it. In memory, in virtual time.
/// </summary>
public class ImageRefusalTests
{
    private const long Memory = 8L << 20;

    [Fact]
    public async Task An_image_made_of_another_size_is_refused_as_such_and_the_source_rolls_back_with_the_reason()
    {
        var destination = new DestinationOptions { CreateImage = _ => new MemoryImage(Memory / 2) };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), destination: destination);
        var report = await m.RunAsync();

        string reason = $"the stream's image is {Memory} octets but the one made here holds {Memory / 2}";
        var result = Assert.IsType<DestinationResult>(m.Result);
        Assert.False(result.Committed);
        Assert.Equal(PageStreamError.ImageRefused, result.Error);
        Assert.Equal(reason, result.Message);
        Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
        Assert.Equal(RollbackCause.Failed, report.Cause);
        Assert.Equal($"the destination refused the image: {reason}", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
        Assert.Equal(0, m.Source.Progress.PagesSent);
    }

    [Fact]
    public async Task A_refusal_of_the_image_from_the_hypervisor_side_reaches_the_source_word_for_word()
    {
        const string reason = "the stream's image is 8388608 octets but the RAM file /dev/shm/guest holds 4194304";
        var destination = new DestinationOptions { CreateImage = _ => throw new ImageRefusedException(reason) };
        await using var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), destination: destination);
        var report = await m.RunAsync();

        var result = Assert.IsType<DestinationResult>(m.Result);
        Assert.Equal(PageStreamError.ImageRefused, result.Error);
        Assert.Equal(reason, result.Message);
        Assert.Equal(MigrationOutcome.RolledBack, report.Outcome);
        Assert.Equal($"the destination refused the image: {reason}", report.Error);
        Assert.Equal(VmState.Running, m.Source.Ownership.State);
    }

    [Fact]
    public async Task An_image_that_cannot_be_made_or_is_over_the_bound_is_refused_as_an_image_not_as_a_record_out_of_order()
    {
        var cannot = new DestinationOptions { CreateImage = _ => throw new UnauthorizedAccessException("Access to the path '/ram' is denied.") };
        await using (var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), destination: cannot))
        {
            var report = await m.RunAsync();
            Assert.Equal(PageStreamError.ImageRefused, Assert.IsType<DestinationResult>(m.Result).Error);
            Assert.Equal($"the destination refused the image: cannot make the image of {Memory} octets here: Access to the path '/ram' is denied.", report.Error);
            Assert.Equal(VmState.Running, m.Source.Ownership.State);
        }
        var bounded = new DestinationOptions { MaxMemoryBytes = Memory / 2 };
        await using (var m = new InMemoryMigration(Memory, new XenStreamV2Policy(), new IdleWorkload(1), destination: bounded))
        {
            var report = await m.RunAsync();
            Assert.Equal(PageStreamError.ImageRefused, Assert.IsType<DestinationResult>(m.Result).Error);
            Assert.Equal($"the destination refused the image: the stream's image is {Memory} octets, more than this destination takes ({Memory / 2})", report.Error);
            Assert.Equal(VmState.Running, m.Source.Ownership.State);
        }
    }
}
