namespace NetMobility.Migration.Engine;

/// <summary>A guest with nothing running: an image that stays as it is.</summary>
public sealed class NoWorkload : IWorkloadControl
{
    public void CatchUp() { }
    public ValueTask PauseAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    public ValueTask ResumeAsync() => ValueTask.CompletedTask;
    public double Throttle { get; set; }
    public string Name => "none";
}
