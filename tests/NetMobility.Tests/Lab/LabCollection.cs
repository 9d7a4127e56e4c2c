namespace NetMobility.Tests.Lab;

/// <summary>
/// The lab tests run one at a time and apart from the rest: they run on the real clock against the kernel,
/// and a machine busy with other tests would only stretch their waits.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabCollection
{
    public const string Name = "Lab";
}
