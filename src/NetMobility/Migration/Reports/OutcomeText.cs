namespace NetMobility.Migration.Reports;

public static class OutcomeText
{
    /// <summary>The outcome as the reports' JSON and text name it.</summary>
    public static string Describe(this MigrationOutcome outcome) => outcome switch
    {
        MigrationOutcome.Completed => "completed",
        MigrationOutcome.RolledBack => "rolled-back",
        _ => "not-converged",
    };

    public static string Describe(this ReceiveOutcome outcome) => outcome == ReceiveOutcome.Committed ? "committed" : "refused";
}
