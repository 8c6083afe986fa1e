using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using CallbackGen.Checkpoints;

namespace CallbackGen.Runtime.Tests.Checkpoints.Fuzz;

/// <summary>
/// Mutates a real file (bit flips, extreme int32/int64 values, huge 7-bit string lengths, cuts,
/// insertions), seals each mutant as an attacker would (a valid SHA-256 trailer, valid zip CRCs; see
/// <see cref="FuzzSealing"/>), loads it through one
/// reader and records what happened: loaded, refused (by exception type), or refused with a type
/// outside the documented one; the managed bytes each load allocated beyond the file's size; the
/// slowest load; and whether a refusal changed the target's state. Shared by the tests
/// (tests/CallbackGen.Runtime.Tests/Checkpoints/CheckpointFuzzTests.cs) and bench/Checkpoint (--fuzz).
/// </summary>
public static class CheckpointFuzzer
{
    private static readonly int[] Int32s = { 0, -1, 1, int.MinValue, int.MaxValue, 1 << 30, 5056, 624, 625, 64, 65 };
    private static readonly long[] Int64s = { 0, -1, long.MinValue, long.MaxValue, 1L << 40, 1L << 62, int.MaxValue + 1L };
    private static readonly byte[][] Lengths =
    {
        new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x07 }, // 2^31 - 1
        new byte[] { 0x80, 0x80, 0x80, 0x80, 0x08 }, // 2^31
        new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, // malformed
        new byte[] { 0xFF, 0xFF, 0x7F }, // 2 MB
    };

    /// <summary>Runs <paramref name="mutants"/> mutants of <paramref name="original"/> through <paramref name="load"/>.</summary>
    /// <param name="original">The file's bytes.</param>
    /// <param name="scratch">A file path the mutants are written to.</param>
    /// <param name="seed">The seed of the mutations.</param>
    /// <param name="mutants">How many.</param>
    /// <param name="load">The reader under test (throws to refuse).</param>
    /// <param name="state">The target's state as bytes, compared before and after each refusal (empty where a reader has no target).</param>
    /// <param name="restore">Puts the target back after a mutant that loaded.</param>
    /// <param name="sealing">How the file's integrity checks are made to pass again.</param>
    public static FuzzReport Run(byte[] original, string scratch, int seed, int mutants, Action<string> load, Func<byte[]> state, Action restore, FuzzSealing sealing = FuzzSealing.Sha256Trailer)
    {
        var random = new Random(seed);
        var report = new FuzzReport { Mutants = mutants, FileBytes = original.Length };
        byte[] expected = state();
        var watch = new Stopwatch();
        for (int i = 0; i < mutants; i++)
        {
            byte[] mutant = Mutate(original, random, sealing);
            File.WriteAllBytes(scratch, mutant);
            long before = GC.GetAllocatedBytesForCurrentThread();
            watch.Restart();
            Exception? error = null;
            try
            {
                load(scratch);
            }
            catch (Exception ex)
            {
                error = ex;
            }

            watch.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            report.WorstMilliseconds = Math.Max(report.WorstMilliseconds, watch.Elapsed.TotalMilliseconds);
            report.WorstAllocationBeyondFile = Math.Max(report.WorstAllocationBeyondFile, allocated - mutant.Length);
            if (allocated > mutant.Length + (1 << 20))
            {
                report.OverAllocated++;
            }

            if (error is null)
            {
                report.Loaded++;
                restore();
                continue;
            }

            string type = error.GetType().Name;
            report.Refused[type] = report.Refused.GetValueOrDefault(type) + 1;
            if (error is not CheckpointException)
            {
                report.Undocumented++;
                if (report.Samples.Count < 5)
                {
                    report.Samples.Add($"{type}: {error.Message}");
                }
            }
            else if (error is CheckpointException { Section: string section })
            {
                report.BySection[section] = report.BySection.GetValueOrDefault(section) + 1;
            }

            if (!state().AsSpan().SequenceEqual(expected))
            {
                report.Changed++;
                if (report.Samples.Count < 5)
                {
                    report.Samples.Add($"state changed after {type}: {error.Message}");
                }

                restore();
            }
        }

        return report;
    }

    /// <summary>One mutant: the file changed one way, then sealed as <paramref name="sealing"/> says.</summary>
    public static byte[] Mutate(byte[] file, Random random, FuzzSealing sealing = FuzzSealing.Sha256Trailer)
    {
        switch (sealing)
        {
            case FuzzSealing.Sha256Trailer:
                // The body (all but the digest) changed, then a fresh SHA-256 appended.
                var body = new List<byte>(file.AsSpan(0, file.Length - 32).ToArray());
                MutateBytes(body, random);
                byte[] sealedFile = new byte[body.Count + 32];
                body.CopyTo(sealedFile);
                SHA256.HashData(sealedFile.AsSpan(0, body.Count), sealedFile.AsSpan(body.Count));
                return sealedFile;
            case FuzzSealing.TorchZip:
                return MutateZip(file, random);
            default:
                var whole = new List<byte>(file);
                MutateBytes(whole, random);
                return whole.ToArray();
        }
    }

    // A torch.save zip: most mutants change the pickle record, some a tensor data record, and the
    // archive is rebuilt so every CRC-32 is valid again; a few change the zip's own bytes instead.
    private static byte[] MutateZip(byte[] file, Random random)
    {
        int roll = random.Next(20);
        if (roll == 0)
        {
            var raw = new List<byte>(file);
            MutateBytes(raw, random);
            return raw.ToArray();
        }

        var records = new List<(string Name, List<byte> Bytes)>();
        using (var zip = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read))
        {
            foreach (ZipArchiveEntry e in zip.Entries)
            {
                using var ms = new MemoryStream();
                using (Stream s = e.Open())
                {
                    s.CopyTo(ms);
                }

                records.Add((e.FullName, new List<byte>(ms.ToArray())));
            }
        }

        List<int> data = Enumerable.Range(0, records.Count).Where(i => records[i].Name.Contains("/data/", StringComparison.Ordinal)).ToList();
        int target = roll < 15 || data.Count == 0
            ? records.FindIndex(r => r.Name.EndsWith("/data.pkl", StringComparison.Ordinal))
            : data[random.Next(data.Count)];
        MutateBytes(records[target].Bytes, random);

        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in records)
            {
                using Stream s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(bytes.ToArray());
            }
        }

        return output.ToArray();
    }

    /// <summary>Changes <paramref name="body"/> one way: a bit flip, an extreme integer, a huge length, a cut or an insertion.</summary>
    public static void MutateBytes(List<byte> body, Random random)
    {
        if (body.Count == 0)
        {
            body.Add((byte)random.Next(256));
            return;
        }

        int Position()
        {
            // Half anywhere, a quarter in the first bytes (header, first section's headers), a quarter near the index.
            int roll = random.Next(4);
            return roll switch
            {
                0 => random.Next(Math.Min(body.Count, 256)),
                1 => Math.Max(0, body.Count - 1 - random.Next(Math.Min(body.Count, 512))),
                _ => random.Next(body.Count),
            };
        }

        void Put(int at, ReadOnlySpan<byte> bytes)
        {
            for (int k = 0; k < bytes.Length && at + k < body.Count; k++)
            {
                body[at + k] = bytes[k];
            }
        }

        switch (random.Next(6))
        {
            case 0:
                int bit = Position();
                body[bit] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                Put(Position(), BitConverter.GetBytes(Int32s[random.Next(Int32s.Length)]));
                break;
            case 2:
                Put(Position(), BitConverter.GetBytes(Int64s[random.Next(Int64s.Length)]));
                break;
            case 3:
                Put(Position(), Lengths[random.Next(Lengths.Length)]);
                break;
            case 4:
                int from = Position();
                body.RemoveRange(from, Math.Min(body.Count - from, 1 + random.Next(64)));
                break;
            default:
                byte[] extra = new byte[1 + random.Next(64)];
                random.NextBytes(extra);
                body.InsertRange(Position(), extra);
                break;
        }
    }
}
