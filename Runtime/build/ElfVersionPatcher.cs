// The libstdc++ compatibility fix (docs/design.md, "TorchSharp on Debian 12"). TorchSharp-cpu 0.107.0's libLibTorchSharp.so was
// built with GCC 15 and lists GLIBCXX_3.4.32 in its version needs for one symbol that nothing binds
// to. Older distributions (Debian 12: up to 3.4.30) refuse to load it. Marking that one
// version-need entry weak (VER_FLG_WEAK) lets the loader accept a library that lacks the version.
//
// A build concern only: MSBuild's RoslynCodeTaskFactory compiles this file as the task that patches
// build and publish outputs (this repository's projects, package consumers and ProjectReference
// consumers; see CallbackGen.targets), and the tests that check it compile it with
// CALLBACKGEN_ELF_LIBRARY (no task class). The runtime does not contain it. It is written in C# 7.3
// without nullable annotations, as the task factory compiles it.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CallbackGen.Native
{
    /// <summary>What <see cref="ElfVersionPatcher"/> did to a file.</summary>
    public enum ElfPatchResult
    {
        /// <summary>The version-need entry was found and marked weak.</summary>
        Patched,

        /// <summary>The entry was already weak: nothing written (the patch is idempotent).</summary>
        AlreadyWeak,

        /// <summary>The file does not need that version: nothing written.</summary>
        NotFound,
    }

    /// <summary>One entry of an ELF file's version needs (<c>.gnu.version_r</c>).</summary>
    public sealed class ElfVersionNeed
    {
        /// <summary>Creates an entry.</summary>
        public ElfVersionNeed(string file, string version, ushort flags, long flagsOffset)
        {
            File = file;
            Version = version;
            Flags = flags;
            FlagsOffset = flagsOffset;
        }

        /// <summary>The library that must provide the version, e.g. <c>libstdc++.so.6</c>.</summary>
        public string File { get; }

        /// <summary>The version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
        public string Version { get; }

        /// <summary>The entry's <c>vna_flags</c>.</summary>
        public ushort Flags { get; }

        /// <summary>The file offset of <c>vna_flags</c>.</summary>
        public long FlagsOffset { get; }

        /// <summary>True when VER_FLG_WEAK is set.</summary>
        public bool IsWeak => (Flags & ElfVersionPatcher.VerFlagWeak) != 0;
    }

    /// <summary>
    /// Reads the version needs of a 64-bit little-endian ELF shared object and marks one of them weak.
    /// </summary>
    public static class ElfVersionPatcher
    {
        /// <summary>VER_FLG_WEAK: the loader does not fail when the version is missing.</summary>
        public const ushort VerFlagWeak = 0x2;

        /// <summary>The version TorchSharp-cpu 0.107.0 asks for without needing it.</summary>
        public const string TorchSharpExtraVersion = "GLIBCXX_3.4.32";

        /// <summary>The native library of TorchSharp that carries the extra version need.</summary>
        public const string TorchSharpNativeLibrary = "libLibTorchSharp.so";

        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Lists the version needs of an ELF image.</summary>
        /// <exception cref="InvalidDataException">The image is not a well-formed 64-bit little-endian ELF file.</exception>
        public static IList<ElfVersionNeed> ReadVersionNeeds(byte[] elf)
        {
            if (elf == null)
            {
                throw new ArgumentNullException("elf");
            }

            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            {
                throw new InvalidDataException("Not an ELF file (bad magic or shorter than an ELF header).");
            }

            if (elf[4] != 2 || elf[5] != 1)
            {
                throw new InvalidDataException("Only 64-bit little-endian ELF files are supported (EI_CLASS=" + elf[4] + ", EI_DATA=" + elf[5] + ").");
            }

            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A);
            int shnum = U16(elf, 0x3C);
            var needs = new List<ElfVersionNeed>();
            if (shoff == 0 || shnum == 0)
            {
                return needs;
            }

            if (shentsize < 64 || shoff < 0 || shoff + ((long)shnum * shentsize) > elf.Length)
            {
                throw new InvalidDataException("Section header table lies outside the file.");
            }

            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + ((long)i * shentsize);
                if (U32(elf, sh + 4) != ShtGnuVerneed)
                {
                    continue;
                }

                long offset = (long)U64(elf, sh + 0x18);
                long size = (long)U64(elf, sh + 0x20);
                int link = (int)U32(elf, sh + 0x28);
                uint count = U32(elf, sh + 0x2C);
                if (offset < 0 || size < 0 || offset + size > elf.Length || link >= shnum)
                {
                    throw new InvalidDataException("Version-need section lies outside the file.");
                }

                long strSh = shoff + ((long)link * shentsize);
                long strOffset = (long)U64(elf, strSh + 0x18);
                long strSize = (long)U64(elf, strSh + 0x20);
                if (strOffset < 0 || strSize < 0 || strOffset + strSize > elf.Length)
                {
                    throw new InvalidDataException("String table of the version needs lies outside the file.");
                }

                long vn = offset;
                for (uint n = 0; n < count; n++)
                {
                    Check(elf, vn, 16, offset, size);
                    int cnt = U16(elf, vn + 2);
                    string file = Str(elf, strOffset, strSize, U32(elf, vn + 4));
                    long aux = vn + U32(elf, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        Check(elf, aux, 16, offset, size);
                        ushort flags = (ushort)U16(elf, aux + 4);
                        string name = Str(elf, strOffset, strSize, U32(elf, aux + 8));
                        needs.Add(new ElfVersionNeed(file, name, flags, aux + 4));
                        uint nextAux = U32(elf, aux + 12);
                        if (nextAux == 0)
                        {
                            break;
                        }

                        aux += nextAux;
                    }

                    uint next = U32(elf, vn + 12);
                    if (next == 0)
                    {
                        break;
                    }

                    vn += next;
                }
            }

            return needs;
        }

        /// <summary>Marks every need of <paramref name="version"/> weak in an in-memory image.</summary>
        public static ElfPatchResult MakeVersionNeedWeak(byte[] elf, string version)
        {
            bool found = false;
            bool changed = false;
            foreach (ElfVersionNeed need in ReadVersionNeeds(elf))
            {
                if (need.Version != version)
                {
                    continue;
                }

                found = true;
                if (!need.IsWeak)
                {
                    ushort flags = (ushort)(need.Flags | VerFlagWeak);
                    elf[need.FlagsOffset] = (byte)(flags & 0xff);
                    elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
                    changed = true;
                }
            }

            return !found ? ElfPatchResult.NotFound : changed ? ElfPatchResult.Patched : ElfPatchResult.AlreadyWeak;
        }

        /// <summary>
        /// Marks the need weak in a file, writing a new file and renaming it over the old one (so a
        /// hard link into a package cache is never modified). The modification time is kept, so
        /// MSBuild's incremental copy sees the file as up to date and does not copy the original back.
        /// </summary>
        public static ElfPatchResult MakeVersionNeedWeak(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            ElfPatchResult result = MakeVersionNeedWeak(elf, version);
            if (result != ElfPatchResult.Patched)
            {
                return result;
            }

            DateTime mtime = File.GetLastWriteTimeUtc(path);
            string temp = path + ".callbackgen-" + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                File.WriteAllBytes(temp, elf);
                File.SetLastWriteTimeUtc(temp, mtime);
                CopyMode(path, temp);
                // A rename replaces the directory entry: when the output is a hard or symbolic link
                // into the package cache (CreateHardLinksForCopyLocalIfPossible), the cache's file is
                // left as it was. Copying over the path would write through the link.
                File.Replace(temp, path, null);
                File.SetLastWriteTimeUtc(path, mtime);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }

            return result;
        }

        /// <summary>True when the shared library at <paramref name="libraryPath"/> defines <paramref name="version"/>.</summary>
        public static bool LibraryDefinesVersion(string libraryPath, string version)
        {
            byte[] lib = File.ReadAllBytes(libraryPath);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 1; i + needle.Length <= lib.Length; i++)
            {
                // A whole string of the string table: preceded by NUL, followed by NUL.
                if (lib[i - 1] != 0 || lib[i] != needle[0])
                {
                    continue;
                }

                int j = 1;
                while (j < needle.Length && lib[i + j] == needle[j])
                {
                    j++;
                }

                if (j == needle.Length)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The libstdc++ this process uses (from /proc/self/maps), else the first of the usual places;
        /// an empty string when none is found.
        /// </summary>
        public static string FindSystemLibStdCxx()
        {
            try
            {
                if (File.Exists("/proc/self/maps"))
                {
                    foreach (string line in File.ReadAllLines("/proc/self/maps"))
                    {
                        int slash = line.IndexOf('/');
                        if (slash >= 0 && line.IndexOf("libstdc++.so.6", StringComparison.Ordinal) >= 0)
                        {
                            return line.Substring(slash).Trim();
                        }
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            string[] candidates =
            {
                "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            };
            foreach (string candidate in candidates)
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return string.Empty;
        }

        /// <summary>
        /// True when this machine's libstdc++ lacks <see cref="TorchSharpExtraVersion"/>, so TorchSharp's
        /// native library must be patched to load. False on other systems and where it is present.
        /// </summary>
        public static bool SystemNeedsFix()
        {
            if (Path.DirectorySeparatorChar != '/' || !File.Exists("/proc/self/maps"))
            {
                return false;
            }

            string lib = FindSystemLibStdCxx();
            return lib.Length > 0 && !LibraryDefinesVersion(lib, TorchSharpExtraVersion);
        }

        /// <summary>
        /// Patches every copy of TorchSharp's native library under <paramref name="directory"/> (an
        /// application's output, never a package cache) when this system needs it. Returns the files patched.
        /// </summary>
        public static IList<string> FixTorchSharpIn(string directory)
        {
            var patched = new List<string>();
            if (!Directory.Exists(directory) || !SystemNeedsFix())
            {
                return patched;
            }

            foreach (string file in Directory.GetFiles(directory, TorchSharpNativeLibrary, SearchOption.AllDirectories))
            {
                if (MakeVersionNeedWeak(file, TorchSharpExtraVersion) == ElfPatchResult.Patched)
                {
                    patched.Add(file);
                }
            }

            return patched;
        }

        private static void CopyMode(string from, string to)
        {
#if CALLBACKGEN_ELF_LIBRARY
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(to, File.GetUnixFileMode(from));
            }
#endif
        }

        private static void Check(byte[] elf, long at, int length, long sectionOffset, long sectionSize)
        {
            if (at < sectionOffset || at + length > sectionOffset + sectionSize || at + length > elf.Length)
            {
                throw new InvalidDataException("Version-need entry at offset " + at + " lies outside its section.");
            }
        }

        private static string Str(byte[] elf, long tableOffset, long tableSize, uint index)
        {
            if (index >= tableSize)
            {
                throw new InvalidDataException("String index " + index + " lies outside the string table.");
            }

            long start = tableOffset + index;
            long end = start;
            while (end < tableOffset + tableSize && elf[end] != 0)
            {
                end++;
            }

            return Encoding.ASCII.GetString(elf, (int)start, (int)(end - start));
        }

        private static int U16(byte[] b, long at) => b[at] | (b[at + 1] << 8);

        private static uint U32(byte[] b, long at) => (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));

        private static ulong U64(byte[] b, long at) => U32(b, at) | ((ulong)U32(b, at + 4) << 32);
    }

#if !CALLBACKGEN_ELF_LIBRARY
    /// <summary>MSBuild task: patches TorchSharp's native library in an output folder when needed.</summary>
    public sealed class CallbackGenFixTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>The output or publish folder to patch.</summary>
        [Microsoft.Build.Framework.Required]
        public string Directory { get; set; }

        /// <inheritdoc/>
        public override bool Execute()
        {
            try
            {
                foreach (string file in ElfVersionPatcher.FixTorchSharpIn(Directory))
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        "CallbackGen: marked " + ElfVersionPatcher.TorchSharpExtraVersion + " weak in " + file + " (this system's libstdc++ lacks it).");
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
            {
                Log.LogWarning("CallbackGen: could not apply the libstdc++ fix to TorchSharp in '" + Directory + "': " + ex.Message);
            }

            return !Log.HasLoggedErrors;
        }
    }
#endif
}
