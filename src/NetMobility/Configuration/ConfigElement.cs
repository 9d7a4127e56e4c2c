using System.Globalization;
using System.Text.Json;
using NetMobility.Files;
using NetMobility.Wire;

namespace NetMobility.Configuration;

/// <summary>
/// One value of a JSON configuration file together with where it sits (file name and JSON path), so that
/// every complaint names the file and the field. Accessors throw <see cref="ConfigException"/>; nothing
/// else escapes for bad content.
/// </summary>
public readonly struct ConfigElement
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private ConfigElement(string file, string path, JsonElement element) =>
        (File, Path, Element) = (file, path, element);

    public string File { get; }

    /// <summary>The JSON path of this value: empty for the root, else like <c>node.interfaces[0]</c>.</summary>
    public string Path { get; }

    public JsonElement Element { get; }

    /// <summary>The largest configuration file read: far above any real one, and a bound on what a wrong file costs.</summary>
    public const int MaxFileBytes = 1 << 20;

    private const int ReadChunk = 16 * 1024;

    /// <summary>
    /// Reads and parses <paramref name="path"/>, at most <see cref="MaxFileBytes"/> of it. A file that cannot be
    /// read, is larger, is not JSON, or is a capture or other binary data given by mistake is a
    /// <see cref="ConfigException"/> that says so; a wrong file is recognised from its first bytes, not read whole.
    /// </summary>
    public static ConfigElement Load(string path)
    {
        if (Directory.Exists(path)) throw new ConfigException(path, "", "is a directory, not a JSON file");
        byte[] buffer = new byte[ReadChunk];
        int length = 0;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > MaxFileBytes)
                        throw new ConfigException(path, "", $"larger than {MaxFileBytes >> 20} MiB: not a configuration (they are a few KiB of JSON)");
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxFileBytes + 1));
                }
                int read = stream.Read(buffer, length, buffer.Length - length);
                if (read == 0) break;
                int start = length;
                length += read;
                if (start < FileSignature.Length) CheckLooksLikeText(buffer.AsSpan(0, length), path);
                else if (buffer.AsSpan(start, read).Contains((byte)0)) throw NotText(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, "", $"cannot read: {ex.Message}");
        }
        var json = buffer.AsMemory(0, length);
        if (json.Span.StartsWith(Utf8Bom)) json = json[Utf8Bom.Length..];
        if (InvalidUtf8At(json.Span) is int at) throw new ConfigException(path, "", $"not UTF-8 text: byte {at + 1} does not decode");
        return Parse(json, path);
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Where <paramref name="text"/> stops being UTF-8 (a JSON string with such bytes could not be read as text later), or null.</summary>
    private static int? InvalidUtf8At(ReadOnlySpan<byte> text)
    {
        if (System.Text.Unicode.Utf8.IsValid(text)) return null;
        int at = 0;
        while (at < text.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(text[at..], out _, out int consumed) != System.Buffers.OperationStatus.Done) return at;
            at += consumed;
        }
        return null;
    }

    /// <summary>A capture, or any file with a NUL byte, is not a configuration: say what it looks like.</summary>
    private static void CheckLooksLikeText(ReadOnlySpan<byte> start, string path)
    {
        if (FileSignature.Describe(start) is string what) throw new ConfigException(path, "", $"this is {what}, not JSON");
        if (start.Contains((byte)0)) throw NotText(path);
    }

    private static ConfigException NotText(string path) => new(path, "", "binary data (it holds NUL bytes), not JSON");

    /// <summary>Parses <paramref name="json"/> (UTF-8); <paramref name="file"/> names it in messages.</summary>
    public static ConfigElement Parse(ReadOnlyMemory<byte> json, string file)
    {
        try
        {
            using var document = JsonDocument.Parse(json, Lenient);
            return new ConfigElement(file, "", document.RootElement.Clone());
        }
        catch (JsonException ex)
        {
            throw new ConfigException(file, "", $"not valid JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}");
        }
    }

    /// <summary>Parses <paramref name="json"/>; <paramref name="file"/> names it in messages. Comments and trailing commas are allowed.</summary>
    public static ConfigElement Parse(string json, string file)
    {
        try
        {
            using var document = JsonDocument.Parse(json, Lenient);
            return new ConfigElement(file, "", document.RootElement.Clone());
        }
        catch (JsonException ex)
        {
            throw new ConfigException(file, "", $"not valid JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}");
        }
    }

    public ConfigException Error(string problem) => new(File, Path, problem);

    private string PathOf(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    /// <summary>This value must be an object whose fields are all among <paramref name="names"/>, each at most once.</summary>
    public void AllowOnly(params string[] names)
    {
        RequireKind(JsonValueKind.Object, "an object");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in Element.EnumerateObject())
        {
            if (Array.IndexOf(names, property.Name) < 0)
                throw new ConfigException(File, PathOf(property.Name), $"unknown field (expected one of: {string.Join(", ", names)})");
            if (!seen.Add(property.Name)) throw new ConfigException(File, PathOf(property.Name), "appears twice");
        }
    }

    public bool Has(string name) => Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out _);

    public bool TryGet(string name, out ConfigElement child)
    {
        RequireKind(JsonValueKind.Object, "an object");
        if (Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            child = new ConfigElement(File, PathOf(name), value);
            return true;
        }
        child = default;
        return false;
    }

    public ConfigElement Get(string name) =>
        TryGet(name, out var child) ? child : throw new ConfigException(File, PathOf(name), "is required");

    /// <summary>The items of the array field <paramref name="name"/>; none when the field is absent.</summary>
    public IReadOnlyList<ConfigElement> Items(string name)
    {
        if (!TryGet(name, out var array)) return [];
        array.RequireKind(JsonValueKind.Array, "an array");
        var items = new List<ConfigElement>();
        int i = 0;
        foreach (var item in array.Element.EnumerateArray())
            items.Add(new ConfigElement(File, $"{array.Path}[{i++}]", item));
        return items;
    }

    public string AsString()
    {
        RequireKind(JsonValueKind.String, "a string");
        return Element.GetString()!;
    }

    public bool AsBool() => Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error("must be true or false"),
    };

    /// <summary>An integer in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public long AsInteger(long min, long max)
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetInt64(out long value) || value < min || value > max)
            throw Error($"must be an integer {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    /// <summary>A number (fractions allowed) in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public double AsNumber(double min, double max)
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetDouble(out double value) || !(value >= min && value <= max))
            throw Error($"must be a number {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    /// <summary>A non-negative number of milliseconds (fractions allowed), at most <paramref name="max"/>.</summary>
    public TimeSpan AsMilliseconds(TimeSpan max)
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetDouble(out double ms) || !(ms >= 0) || ms > max.TotalMilliseconds)
            throw Error($"must be a number of milliseconds 0..{max.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}");
        return TimeSpan.FromTicks((long)Math.Round(ms * TimeSpan.TicksPerMillisecond));
    }

    public Ipv4Address AsAddress()
    {
        if (!Ipv4Address.TryParse(AsString(), out var address)) throw Error($"'{Element.GetString()}' is not an IPv4 address");
        return address;
    }

    /// <summary>An address with a prefix length, like <c>192.0.2.1/24</c>.</summary>
    public (Ipv4Address Address, int PrefixLength) AsPrefix()
    {
        string text = AsString();
        int slash = text.IndexOf('/');
        if (slash < 0
            || !Ipv4Address.TryParse(text.AsSpan(0, slash), out var address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int length)
            || length > 32)
            throw Error($"'{text}' is not an IPv4 address with a prefix length (like 192.0.2.1/24)");
        return (address, length);
    }

    public MacAddress AsMac()
    {
        if (!MacAddress.TryParse(AsString(), out var mac)) throw Error($"'{Element.GetString()}' is not a MAC address");
        return mac;
    }

    private void RequireKind(JsonValueKind kind, string what)
    {
        if (Element.ValueKind != kind) throw Error($"must be {what}");
    }
}
