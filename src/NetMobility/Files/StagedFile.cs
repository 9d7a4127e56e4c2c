namespace NetMobility.Files;

/// <summary>
/// A file written in full before it takes the place of its target: the bytes go to a temporary file in the
/// target's directory, and <see cref="Commit"/> renames it over the target in one step (rename(2) is atomic
/// within a file system). Until then the target keeps whatever it held; a run that fails, or is disposed
/// without a commit, removes the temporary file and leaves the target as it was.
/// </summary>
/// <remarks>A target that is a symbolic link is written through: the file it finally points to is replaced, the link stays.</remarks>
public sealed class StagedFile : IDisposable
{
    private const int BufferLength = 64 * 1024;
    private readonly FileStream _stream;
    private bool _committed;
    private bool _disposed;

    private StagedFile(string target, string temporary, FileStream stream)
    {
        Target = target;
        TemporaryPath = temporary;
        _stream = stream;
    }

    /// <summary>The path that <see cref="Commit"/> replaces (a symbolic link resolved to its final target).</summary>
    public string Target { get; }

    /// <summary>Where the bytes go until the commit: a hidden file beside <see cref="Target"/>.</summary>
    public string TemporaryPath { get; }

    /// <summary>The stream to write; the staged file owns it.</summary>
    public Stream Stream => _stream;

    /// <summary>
    /// Starts a file that will replace <paramref name="path"/>. A directory at <paramref name="path"/>, a
    /// directory that does not exist or cannot be written: <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/>, with the target's name in the message.
    /// </summary>
    public static StagedFile Create(string path)
    {
        string target = Path.GetFullPath(path);
        var info = new FileInfo(target);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileSystemInfo linked) target = linked.FullName;
        if (Directory.Exists(target)) throw new IOException($"{path} is a directory");
        string directory = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(directory)) throw new IOException($"{path}: directory {directory} does not exist");
        string temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.Read, BufferLength);
            return new StagedFile(target, temporary, stream);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnauthorizedAccessException($"{path}: cannot create a file in {directory}: permission denied");
        }
        catch (IOException ex)
        {
            throw new IOException($"{path}: cannot create a file in {directory}: {ex.Message}", ex);
        }
    }

    /// <summary>Flushes everything written to the disk and renames the file over <see cref="Target"/>.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(TemporaryPath, Target, overwrite: true);
        _committed = true;
    }

    /// <summary>Without a commit, the temporary file is removed and the target stays as it was.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stream.Dispose();
        if (!_committed)
        {
            try
            {
                File.Delete(TemporaryPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Nothing more can be done; the target itself was never touched.
            }
        }
    }
}
