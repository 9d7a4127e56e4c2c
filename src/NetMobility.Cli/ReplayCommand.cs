using System.CommandLine;
using NetMobility.Capture;
using NetMobility.Configuration;
using NetMobility.Replay;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob replay IN --config FILE --out OUT</c>: feeds the frames of a capture into a node or tunnel endpoint
/// configured from FILE (JSON, see docs/replay.md) on a virtual clock taken from the capture's timestamps, and
/// writes the frames it emits, stamped with the virtual time, to OUT (.pcap or .pcapng).
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("in") { Description = "the capture to replay (pcap or pcapng; pcapng interface i feeds target interface i)" };
        var config = new Option<FileInfo>("--config") { Description = "JSON description of the node or tunnel endpoint (docs/replay.md)", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "where to write the emitted frames: .pcap or .pcapng (one interface per target interface)", Required = true };
        var command = new Command("replay", "Replay a capture into a node or tunnel endpoint on a virtual clock and capture what it emits");
        command.Arguments.Add(input);
        command.Options.Add(config);
        command.Options.Add(output);
        command.SetAction(parse => Run(parse.GetValue(input)!.FullName, parse.GetValue(config)!.FullName, parse.GetValue(output)!.FullName, Console.Out));
        return command;
    }

    /// <summary>Runs one replay; every fault of the user's files ends as a <see cref="UserInputException"/> (exit code 2).</summary>
    public static int Run(string input, string config, string output, TextWriter log)
    {
        try
        {
            var summary = Replayer.Run(input, config, output, MobilityRoles.AddTo(new ReplayRoles()));
            log.WriteLine($"netmob replay: {summary.FramesIn} frames in, {summary.FramesOut} frames out, virtual time {summary.Start:O} to {summary.End:O}");
            return 0;
        }
        catch (ConfigException ex)
        {
            throw new UserInputException(ex.Message);
        }
        catch (CaptureFormatException ex)
        {
            throw new UserInputException(ex.Message);
        }
        catch (ReplayException ex)
        {
            throw new UserInputException(ex.Message);
        }
    }
}
