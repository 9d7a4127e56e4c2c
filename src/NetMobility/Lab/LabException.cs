namespace NetMobility.Lab;

/// <summary>
/// A lab command (iproute2's <c>ip</c>, a program run inside a namespace) could not be run, did not finish in
/// time, or failed. The message is one line: the command and the cause, as the tool put it.
/// </summary>
public class LabException(string message) : Exception(message);
