namespace NetMobility.Lab.Site;

/// <summary>The answer of <see cref="LabSite.Status"/>.</summary>
public sealed record LabStatus(string Name, string StateDirectory, bool Complete, IReadOnlyList<(string Name, bool Exists)> Namespaces, IReadOnlyList<LabAgentStatus> Agents)
{
    /// <summary>True when <c>up</c> finished, every namespace is there and every agent runs and answers.</summary>
    public bool AllRunning => Complete && Namespaces.All(n => n.Exists) && Agents.All(a => a.Running && a.Status is not null);
}
