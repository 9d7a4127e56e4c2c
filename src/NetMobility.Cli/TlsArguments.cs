using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NetMobility.Files;
using NetMobility.Migration.Transports;

namespace NetMobility.Cli;

/// <summary>
/// The TLS options of <c>migrate send</c> and <c>migrate receive</c>: this host's certificate and key as PEM files, and
/// the one peer certificate it trusts, as a PEM file or its SHA-256. Without <c>--cert</c> the channels are plain TCP.
/// </summary>
internal sealed class TlsArguments
{
    private readonly Option<string?> _cert = new("--cert") { Description = "this host's certificate (PEM): channels under TLS with mutual authentication" };
    private readonly Option<string?> _key = new("--key") { Description = "the private key of --cert (PEM)" };
    private readonly Option<string?> _peerCert = new("--peer-cert") { Description = "the peer's certificate (PEM): the only one accepted" };
    private readonly Option<string?> _peerPin = new("--peer-pin") { Description = "SHA-256 of the peer's certificate (hex): the only one accepted" };

    public void AddTo(Command command)
    {
        foreach (var o in new[] { _cert, _key, _peerCert, _peerPin }) command.Options.Add(o);
    }

    /// <summary>The TLS options the command line asks for, or null for plain TCP; bad files and values end as <see cref="UserInputException"/>.</summary>
    public TlsOptions? Load(ParseResult parse)
    {
        string? cert = parse.GetValue(_cert), key = parse.GetValue(_key), peerCert = parse.GetValue(_peerCert), peerPin = parse.GetValue(_peerPin);
        if (cert is null)
        {
            if (key is not null || peerCert is not null || peerPin is not null)
                throw new UserInputException($"{(key is not null ? "--key" : peerCert is not null ? "--peer-cert" : "--peer-pin")} needs --cert");
            return null;
        }
        if (key is null) throw new UserInputException("--cert needs --key");
        if (peerCert is null == (peerPin is null)) throw new UserInputException("--cert needs exactly one of --peer-cert and --peer-pin");
        var certificate = LoadPair(cert, key);
        string pin = peerPin is not null ? CheckPin(peerPin) : TlsOptions.Sha256Of(LoadCertificate(peerCert!, "--peer-cert"));
        return new TlsOptions { Certificate = certificate, PinnedPeerSha256 = pin };
    }

    private static X509Certificate2 LoadPair(string cert, string key)
    {
        CheckFile(cert, "--cert");
        CheckFile(key, "--key");
        try
        {
            return X509Certificate2.CreateFromPem(BoundedText.Read(cert, MaxPemBytes), BoundedText.Read(key, MaxPemBytes));
        }
        catch (CryptographicException ex)
        {
            throw new UserInputException($"--cert {cert} / --key {key}: not a PEM certificate and its private key: {ex.Message}");
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--cert {cert} / --key {key}: not a PEM certificate and its private key: {ex.Message}");
        }
    }

    private static X509Certificate2 LoadCertificate(string path, string option)
    {
        CheckFile(path, option);
        try
        {
            return X509Certificate2.CreateFromPem(BoundedText.Read(path, MaxPemBytes));
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{option} {path}: not a PEM certificate: {ex.Message}");
        }
    }

    private const int MaxPemBytes = 1 << 20;

    private static void CheckFile(string path, string option)
    {
        if (!File.Exists(path)) throw new UserInputException($"{option} {path}: no such file");
    }

    private static string CheckPin(string pin)
    {
        string hex = pin.Replace(":", "", StringComparison.Ordinal).Trim();
        if (hex.Length != 64 || !hex.All(Uri.IsHexDigit)) throw new UserInputException($"--peer-pin: '{pin}' is not a SHA-256 in hex (64 digits)");
        return hex.ToUpperInvariant();
    }
}
