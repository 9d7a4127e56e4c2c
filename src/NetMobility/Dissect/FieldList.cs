using System.Text.Json;

namespace NetMobility.Dissect;

/// <summary>
/// The decoded fields of one frame, in the order the dissector met them, named as Wireshark's
/// display-filter fields. A name may occur more than once (an IPv4 header inside GRE); writers
/// turn repeated names into arrays, outer occurrence first.
/// </summary>
public sealed class FieldList
{
    private readonly List<(string Name, FieldValue Value)> _fields = [];

    public int Count => _fields.Count;
    public bool Malformed { get; private set; }
    public string? Error { get; private set; }

    public void Clear()
    {
        _fields.Clear();
        Malformed = false;
        Error = null;
    }

    public void Add(string name, ulong value) => _fields.Add((name, FieldValue.Number(value)));
    public void Add(string name, bool value) => _fields.Add((name, FieldValue.Boolean(value)));
    public void Add(string name, string value) => _fields.Add((name, FieldValue.Text(value)));
    public void AddHex(string name, ReadOnlySpan<byte> value) => _fields.Add((name, FieldValue.Text(Convert.ToHexString(value).ToLowerInvariant())));

    /// <summary>Marks the frame malformed; the first error is kept ("gre: truncated").</summary>
    public void SetMalformed(string layer, string reason)
    {
        if (Malformed) return;
        Malformed = true;
        Error = $"{layer}: {reason}";
    }

    /// <summary>All values of one field, outer first.</summary>
    public IEnumerable<FieldValue> ValuesOf(string name)
    {
        foreach (var (n, v) in _fields)
            if (n == name) yield return v;
    }

    /// <summary>
    /// Writes the fields as one JSON object: <c>"frame"</c> first, then each field name once in order of
    /// first appearance, as a scalar or, when it occurred several times, an array.
    /// </summary>
    public void WriteJson(Utf8JsonWriter writer, long frameNumber)
    {
        writer.WriteStartObject();
        writer.WriteNumber("frame", frameNumber);
        var written = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < _fields.Count; i++)
        {
            var name = _fields[i].Name;
            if (!written.Add(name)) continue;
            int occurrences = 0;
            for (int j = i; j < _fields.Count; j++)
                if (_fields[j].Name == name) occurrences++;
            writer.WritePropertyName(name);
            if (occurrences == 1)
            {
                _fields[i].Value.WriteTo(writer);
                continue;
            }
            writer.WriteStartArray();
            for (int j = i; j < _fields.Count; j++)
                if (_fields[j].Name == name) _fields[j].Value.WriteTo(writer);
            writer.WriteEndArray();
        }
        if (Malformed)
        {
            writer.WriteBoolean("malformed", true);
            writer.WriteString("error", Error);
        }
        writer.WriteEndObject();
    }
}

/// <summary>One decoded value: a number, a boolean or text (addresses, hex bytes).</summary>
public readonly record struct FieldValue(FieldKind Kind, ulong Integer, string? String)
{
    public static FieldValue Number(ulong value) => new(FieldKind.Number, value, null);
    public static FieldValue Boolean(bool value) => new(FieldKind.Boolean, value ? 1UL : 0UL, null);
    public static FieldValue Text(string value) => new(FieldKind.Text, 0, value);

    public void WriteTo(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case FieldKind.Number: writer.WriteNumberValue(Integer); break;
            case FieldKind.Boolean: writer.WriteBooleanValue(Integer != 0); break;
            default: writer.WriteStringValue(String); break;
        }
    }

    public override string ToString() => Kind switch
    {
        FieldKind.Number => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        FieldKind.Boolean => Integer != 0 ? "true" : "false",
        _ => String ?? "",
    };
}

public enum FieldKind { Number, Boolean, Text }
