namespace NetMobility.Mobility.Registration;

/// <summary>Where a registration client stands.</summary>
public enum RegistrationState
{
    /// <summary>At home with no binding, or not started.</summary>
    AtHome,
    /// <summary>Away and looking for a foreign agent: soliciting, waiting for an advertisement.</summary>
    Discovering,
    /// <summary>A request is out (first registration or renewal), retransmitted until answered.</summary>
    Registering,
    /// <summary>The home agent accepted; renewed before the lifetime ends.</summary>
    Registered,
    /// <summary>Back home; the deregistration is out and retransmitted until answered.</summary>
    Deregistering,
    /// <summary>Deregistered from away (its host stopped hosting it there): no binding, nothing renewed.</summary>
    Deregistered,
    /// <summary>An agent denied the registration for a reason retrying will not fix; see <see cref="RegistrationClient.LastCode"/>.</summary>
    Denied,
}
