using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace CallbackGen.IO;

/// <summary>
/// Writes whole files so that a crash, a kill or a full disk at any instant leaves either the
/// previous file or the new one under the name, never a mixture or a truncated file: the content
/// goes to a temporary file in the same folder, which is flushed to the disk (fsync), renamed over
/// the target, and then the folder itself is flushed so that the rename survives a power loss.
/// </summary>
/// <remarks>
/// Checkpoints, weights, exports, plots (PNG), the rows a resumed <see cref="CsvLogger"/> keeps, and
/// every other file the product writes whole go through here. Files that grow by appending (a CSV
/// log's rows, a TensorBoard event file) are appended to and flushed instead.
/// A failure of the file system (the path is a folder, its folder cannot be created, the rename is
/// refused) is an <see cref="IOException"/> naming the path; the file under the name is left as it was.
/// A temporary file left behind by a killed process (<c>.NAME.PID-XXXXXXXX.tmp</c>) is never read;
/// the next write of the same file removes those whose process is gone.
/// </remarks>
/// <example>
/// <code>
/// CallbackGen.IO.AtomicFile.WriteAllText("runs/run.json", "{}");
/// CallbackGen.IO.AtomicFile.Write("runs/weights.bin", stream => stream.Write(new byte[] { 1, 2, 3 }));
/// </code>
/// </example>
public static partial class AtomicFile
{
    private const int BufferSize = 1 << 16;

    /// <summary>Writes <paramref name="path"/> atomically with what <paramref name="write"/> puts into the stream it is given.</summary>
    /// <param name="path">The file to create or replace; its folder is created if missing.</param>
    /// <param name="write">Writes the whole content; when it throws, the target is left as it was and the exception propagates.</param>
    public static void Write(string path, Action<Stream> write) => Write(path, write, OpenTemporary);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="bytes">The whole content.</param>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, s => s.Write(bytes));
    }

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> atomically, as UTF-8 without a byte-order mark.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="contents">The whole content.</param>
    public static void WriteAllText(string path, string contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        WriteAllBytes(path, new UTF8Encoding(false).GetBytes(contents));
    }

    /// <summary>Writes <paramref name="lines"/> to <paramref name="path"/> atomically, each followed by a line break, as UTF-8 without a byte-order mark.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="lines">The whole content, line by line (as <see cref="File.WriteAllLines(string, IEnumerable{string})"/> writes them).</param>
    public static void WriteAllLines(string path, IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), BufferSize, leaveOpen: true);
            foreach (string line in lines)
            {
                writer.WriteLine(line);
            }
        });
    }

    /// <summary>
    /// The seam: <paramref name="openTemporary"/> opens the temporary file (a test passes one that
    /// fails part-way, as a full disk or a crash would). A <see cref="FileStream"/> it returns is
    /// flushed to the disk before the rename.
    /// </summary>
    internal static void Write(string path, Action<Stream> write, Func<string, Stream> openTemporary)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        string name = Path.GetFileName(full);
        if (Directory.Exists(full))
        {
            throw new IOException($"Cannot write '{full}': it is a folder. Nothing was written.");
        }

        FileSystemStep(full, "its folder cannot be created", () => Directory.CreateDirectory(dir));
        RemoveAbandoned(dir, name);
        string temp = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $".{name}.{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.tmp"));
        try
        {
            using (Stream stream = FileSystemStep(full, "a temporary file cannot be created beside it", () => openTemporary(temp)))
            {
                write(stream);
                if (stream is FileStream file)
                {
                    file.Flush(flushToDisk: true);
                }
                else
                {
                    stream.Flush();
                }
            }

            FileSystemStep(full, "the new content cannot be renamed over it", () => File.Move(temp, full, overwrite: true));
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        FlushDirectory(dir);
    }

    /// <summary>
    /// Flushes a folder's entries to the disk (fsync of the folder), so that a rename in it survives a
    /// power loss. A no-op where the platform has no such call for folders (Windows journals renames).
    /// </summary>
    internal static void FlushDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // .NET refuses to open a folder as a file, so this goes to libc: open(dir, O_RDONLY), fsync, close.
        int fd = Posix.open(dir, 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder '{dir}' to flush it to the disk (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Posix.fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // EINVAL: the file system cannot sync folders (some network and virtual ones); the rename is as durable as it gets there.
                if (errno != Posix.EINVAL)
                {
                    throw new IOException($"Cannot flush folder '{dir}' to the disk (errno {errno}).");
                }
            }
        }
        finally
        {
            _ = Posix.close(fd);
        }
    }

    /// <summary>
    /// Runs a step of the file system's own (not the caller's writing), turning its failure into an
    /// <see cref="IOException"/> that names the target and the step; the original is inside.
    /// </summary>
    private static T FileSystemStep<T>(string full, string step, Func<T> run)
    {
        try
        {
            return run();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write '{full}': {step} ({ex.Message}). The file was left as it was.", ex);
        }
    }

    private static void FileSystemStep(string full, string step, Action run) =>
        FileSystemStep(full, step, () =>
        {
            run();
            return true;
        });

    private static FileStream OpenTemporary(string temp) =>
        new(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize);

    /// <summary>Removes temporary files of <paramref name="name"/> left by processes that no longer run.</summary>
    private static void RemoveAbandoned(string dir, string name)
    {
        string[] leftovers;
        try
        {
            leftovers = Directory.GetFiles(dir, "." + name + ".*.tmp");
        }
        catch (IOException)
        {
            return;
        }

        foreach (string file in leftovers)
        {
            string middle = Path.GetFileName(file)[(name.Length + 2)..^4];
            int dash = middle.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(middle.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && pid != Environment.ProcessId && !IsRunning(pid))
            {
                TryDelete(file);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Garbage either way; the target was not touched.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static partial class Posix
    {
        public const int EINVAL = 22;

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int close(int fd);
    }
}
