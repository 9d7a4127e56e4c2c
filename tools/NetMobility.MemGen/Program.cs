using System.CommandLine;
using NetMobility.MemGen;
using NetMobility.Migration;
using NetMobility.Migration.Content;

// Writes a synthetic guest memory image (raw dump) with a realistic mix of page kinds, for
// MemoryImage.FromFile, the codec benchmarks and migration runs.
var output = new Option<FileInfo>("--output", "-o") { Description = "image file to write", Required = true };
var size = new Option<string>("--size", "-s") { Description = "image size: bytes or with K/M/G (a multiple of 4096)", DefaultValueFactory = _ => "256M" };
var seed = new Option<int>("--seed") { Description = "seed: the same seed gives the same image", DefaultValueFactory = _ => 1 };
var profile = new Option<string>("--profile", "-p") { Description = "content mix: typical, fresh-boot or dense", DefaultValueFactory = _ => ContentProfile.Typical.Name };

var root = new RootCommand("netmob-memgen: write a synthetic VM memory image with realistic page contents");
root.Options.Add(output);
root.Options.Add(size);
root.Options.Add(seed);
root.Options.Add(profile);
root.SetAction(pr =>
{
    string sizeText = pr.GetValue(size)!;
    if (!ByteSize.TryParse(sizeText, out long bytes) || bytes % MemoryImage.PageSize != 0 || bytes > MemoryImage.MaxMemoryBytes)
        return Fail($"--size {sizeText}: not a positive multiple of {MemoryImage.PageSize} bytes (e.g. 64M, 1G)");
    string profileName = pr.GetValue(profile)!;
    if (!ContentProfile.TryFind(profileName, out var chosen))
        return Fail($"--profile {profileName}: unknown; use one of {string.Join(", ", ContentProfile.All.Select(p => p.Name))}");
    var file = pr.GetValue(output)!;
    try
    {
        using var image = new MemoryImage(bytes);
        RealisticContent.Fill(image, pr.GetValue(seed), chosen);
        image.SaveToFile(file.FullName);
        Console.WriteLine($"{file.FullName}: {image.PageCount} pages, profile {chosen.Name}, seed {pr.GetValue(seed)}");
        return 0;
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
    {
        return Fail($"{file.FullName}: {ex.Message}");
    }
});

var parse = root.Parse(args);
if (parse.Errors.Count > 0) return Fail(parse.Errors[0].Message);
return parse.Invoke();

static int Fail(string message)
{
    Console.Error.WriteLine($"netmob-memgen: {message}");
    return 2;
}
