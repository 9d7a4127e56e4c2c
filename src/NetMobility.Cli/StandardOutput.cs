using Microsoft.Win32.SafeHandles;

namespace NetMobility.Cli;

/// <summary>
/// Standard output as a buffered stream that reports a closed pipe. The console stream .NET offers drops writes
/// to a pipe whose reader has gone (EPIPE) without a word, so <c>netmob decode big.pcapng | head</c> would read
/// on to the end of the capture; through this stream the write fails and the command stops.
/// </summary>
internal static class StandardOutput
{
    private const int BufferLength = 64 * 1024;
    private const int Epipe = 32; // errno on Linux

    public static Stream Open()
    {
        try
        {
            return new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, BufferLength);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            // Descriptor 1 closed or of a kind FileStream does not take: the console's own stream still writes.
            return Console.OpenStandardOutput();
        }
    }

    /// <summary>The reader of standard output has gone: nobody reads what would come next.</summary>
    public static bool IsClosedPipe(IOException ex) => ex.HResult == Epipe;

    /// <summary>Runs <paramref name="write"/> against standard output; a closed pipe ends it quietly with exit code 0.</summary>
    public static int Run(Func<Stream, int> write)
    {
        var stdout = Open();
        try
        {
            return write(stdout);
        }
        catch (IOException ex) when (IsClosedPipe(ex))
        {
            return 0;
        }
        finally
        {
            try
            {
                stdout.Dispose();
            }
            catch (IOException ex) when (IsClosedPipe(ex))
            {
                // What was still buffered has no reader either.
            }
        }
    }
}
