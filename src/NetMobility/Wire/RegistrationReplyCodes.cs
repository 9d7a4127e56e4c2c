namespace NetMobility.Wire;

public static class RegistrationReplyCodes
{
    /// <summary>RFC 5944 sec 3.4: codes 0 and 1 accept the registration; every other code denies it.</summary>
    public static bool IsAccepted(this RegistrationReplyCode code) => (byte)code <= 1;
}
