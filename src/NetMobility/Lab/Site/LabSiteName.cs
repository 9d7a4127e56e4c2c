namespace NetMobility.Lab.Site;

/// <summary>The two sites a VM can be at.</summary>
public enum LabSiteName
{
    Home,
    Foreign,
}
