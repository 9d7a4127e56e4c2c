using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Engine;

/// <summary>
/// What the destination's one verification of a session decided: ready (with the digest and verify time it carries) or
/// the refusal. Kept by the session, so that a resumed main connection is answered with the same record.
/// </summary>
internal readonly record struct VerifyAnswer(Ready Ready, ErrorRecord? Refusal)
{
    public static VerifyAnswer Refused(PageStreamError error, string message) => new(default, new ErrorRecord(error, message));
}
