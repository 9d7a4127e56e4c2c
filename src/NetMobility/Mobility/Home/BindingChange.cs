namespace NetMobility.Mobility.Home;

/// <summary>What a registration or deregistration did to a home address's bindings.</summary>
public enum BindingChange
{
    /// <summary>Nothing: a deregistration for a binding that did not exist.</summary>
    None,
    /// <summary>The home address had no binding and now has one: the node has just left home.</summary>
    Created,
    /// <summary>The binding for this care-of address got a new lifetime; nothing else changed.</summary>
    Renewed,
    /// <summary>Every earlier binding was replaced by one to a new care-of address (S bit clear, RFC 5944 sec 3.8.2.2).</summary>
    Moved,
    /// <summary>A further simultaneous binding was added (S bit set, RFC 5944 sec 3.8.4).</summary>
    Added,
    /// <summary>One of several bindings was removed; others remain.</summary>
    Removed,
    /// <summary>The last binding is gone: the node is at home, or its registration ended.</summary>
    Deregistered,
    /// <summary>Refused: the table holds as many bindings as it may.</summary>
    TableFull,
    /// <summary>Refused: the home address already has as many simultaneous bindings as it may.</summary>
    TooManySimultaneous,
}
