using System.Buffers.Binary;
using System.Diagnostics;
using CallbackGen.Data;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data.Idx;

/// <summary>
/// Feeds the IDX reader mutated files: it may accept one (then it is a well-formed IDX file) or
/// reject it with an <see cref="InvalidDataException"/> naming the file, but must never throw
/// anything else nor allocate more than the file's content justifies.
/// </summary>
/// <remarks>
/// The default run is 100,000 files with a fixed seed. Set <c>CALLBACKGEN_FUZZ_ITERATIONS</c> for
/// a longer run and <c>CALLBACKGEN_FUZZ_SEED</c> to explore other files; a failure prints the seed,
/// the iteration and the mutations that made the file.
/// </remarks>
[Trait("Category", "Slow")]
public class IdxFuzzTests(ITestOutputHelper output)
{
    private const int DefaultIterations = 100_000;
    private const int DefaultSeed = 20_251_129;
    private const int WarmUpIterations = 2_000;

    // Fixed overhead a read may allocate whatever the file (stream objects, the exception and its
    // message, pooled buffers); everything else must scale with what the file really holds.
    private const long FixedAllocationAllowance = 128 * 1024;
    private const long AllocationPerContentByte = 8;

    private static readonly uint[] ExtremeSizes = [0, 1, 2, 3, 27, 28, 0x7FFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x0100_0000, 0x0001_0000];
    private static readonly byte[] ExtremeTypes = [0x00, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x80, 0xFF];
    private static readonly byte[] ExtremeRanks = [0, 1, 2, 3, 4, 25, 26, 64, 65, 254, 255];

    private enum ReaderKind
    {
        Any,
        Images,
        Labels,
    }

    [Fact]
    public void Mutated_idx_files_raise_only_InvalidDataException_and_allocate_within_what_the_file_holds()
    {
        int iterations = EnvironmentInt("CALLBACKGEN_FUZZ_ITERATIONS") ?? DefaultIterations;
        int seed = EnvironmentInt("CALLBACKGEN_FUZZ_SEED") ?? DefaultSeed;
        var rng = new Random(seed);
        byte[][] corpus = Corpus();
        byte[][] gzCorpus = corpus.Select(IdxFiles.Gzip).ToArray();
        var failures = new List<string>();
        int accepted = 0, rejected = 0, gzipInputs = 0;
        var mutations = new List<string>();
        var clock = Stopwatch.StartNew();

        // Warm up with other files first: the first use of a code path (type loading, the runtime's
        // resource strings for its own gzip errors) allocates once, whatever the file. Those files
        // are checked too, except for their allocations.
        var warmUp = new Random(~seed);
        for (int i = 0; i < WarmUpIterations && failures.Count < 10; i++)
        {
            mutations.Clear();
            byte[] input = Mutate(warmUp, corpus, gzCorpus, mutations);
            Check(input, (ReaderKind)warmUp.Next(3), $"warm-up-{i}.idx", $"warm-up seed {~seed}, iteration {i}", budget: long.MaxValue);
        }

        for (int i = 0; i < iterations && failures.Count < 10; i++)
        {
            mutations.Clear();
            byte[] input = Mutate(rng, corpus, gzCorpus, mutations);
            bool isGzip = input.Length >= 2 && input[0] == 0x1F && input[1] == 0x8B;
            gzipInputs += isGzip ? 1 : 0;
            long content = isGzip ? IdxFiles.DecompressedLength(input, cap: 1 << 26) : input.Length;
            Check(input, (ReaderKind)rng.Next(3), $"fuzz-{i}.idx", $"seed {seed}, iteration {i}", FixedAllocationAllowance + (AllocationPerContentByte * content));
        }

        void Check(byte[] input, ReaderKind kind, string name, string where, long budget)
        {
            string what = $"{where}, {kind}, {input.Length} bytes ({string.Join(" + ", mutations)})";
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using Tensor result = Read(kind, input, name);
                accepted++;
            }
            catch (InvalidDataException ex)
            {
                rejected++;
                if (string.IsNullOrWhiteSpace(ex.Message) || !ex.Message.Contains(name, StringComparison.Ordinal))
                {
                    failures.Add($"{what}: message does not name the file: \"{ex.Message}\"");
                }
            }
#pragma warning disable CA1031 // Any other exception is exactly what the fuzzer looks for.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Add($"{what}: {ex.GetType().FullName}: {ex.Message.Split('\n')[0]}");
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > budget)
            {
                failures.Add($"{what}: allocated {allocated} bytes, over the budget of {budget} for what the file holds");
            }
        }

        output.WriteLine($"IDX fuzz: {WarmUpIterations} warm-up + {iterations} measured files (seed {seed}; {gzipInputs} measured gzip), {accepted} accepted, {rejected} rejected, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, "IDX reader misbehaved:\n" + string.Join("\n", failures));

        // The mutations must reach both outcomes, or the fuzzer tests nothing.
        Assert.True(accepted > iterations / 100, $"only {accepted} of {iterations} mutated files were well formed");
        Assert.True(rejected > iterations / 2, $"only {rejected} of {iterations} mutated files were rejected");
    }

    private static Tensor Read(ReaderKind kind, byte[] input, string name) => kind switch
    {
        ReaderKind.Images => IdxReader.ReadImages(new MemoryStream(input, writable: false), name),
        ReaderKind.Labels => IdxReader.ReadLabels(new MemoryStream(input, writable: false), name),
        _ => IdxReader.Read(input, name),
    };

    private static byte[][] Corpus() =>
    [
        IdxFiles.Images(5, 4, 3, seed: 1),
        IdxFiles.Images(2, 28, 28, seed: 2),
        IdxFiles.Images(0, 28, 28),
        IdxFiles.Images(1, 1, 1, seed: 3),
        IdxFiles.Labels(7, 1, 2, 9, 0, 3, 3),
        IdxFiles.Labels(),
        IdxFiles.Raw(0x09, [4], [1, 0x80, 0xFF, 0x7F]),
        IdxFiles.Raw(0x0B, [3, 1], [0, 1, 0x80, 0, 0xFF, 0xFF]),
        IdxFiles.Raw(0x0C, [2, 3], Enumerable.Range(0, 24).Select(i => (byte)(i * 37)).ToArray()),
        IdxFiles.Raw(0x0D, [3], [0x3F, 0x80, 0, 0, 0x7F, 0xC0, 0, 0, 0xFF, 0x80, 0, 0]),
        IdxFiles.Raw(0x0E, [2, 1], new byte[16]),
        IdxFiles.Raw(IdxFiles.UInt8, [2, 2, 2, 2], new byte[16]),
        IdxFiles.Raw(IdxFiles.UInt8, Enumerable.Repeat(1u, 30).ToArray(), [42]),
    ];

    private static byte[] Mutate(Random rng, byte[][] corpus, byte[][] gzCorpus, List<string> log)
    {
        int pick = rng.Next(corpus.Length);
        bool gzip = rng.Next(3) == 0;
        byte[] bytes = (gzip ? gzCorpus[pick] : corpus[pick]).ToArray();
        log.Add($"corpus[{pick}]{(gzip ? ".gz" : string.Empty)}");

        int steps = 1 + rng.Next(3);
        for (int s = 0; s < steps; s++)
        {
            bytes = rng.Next(9) switch
            {
                0 => FlipBits(rng, bytes, log),
                1 => Truncate(rng, bytes, log),
                2 => Extend(rng, bytes, log),
                3 or 4 => HeaderExtreme(rng, bytes, log),
                5 or 6 => GzipCorruption(rng, bytes, log),
                7 => OverwriteRun(rng, bytes, log),
                _ => RandomFile(rng, log),
            };
        }

        return bytes;
    }

    private static byte[] FlipBits(Random rng, byte[] bytes, List<string> log)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        int flips = 1 + rng.Next(8);
        for (int f = 0; f < flips; f++)
        {
            bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
        }

        log.Add($"flip {flips} bits");
        return bytes;
    }

    private static byte[] Truncate(Random rng, byte[] bytes, List<string> log)
    {
        int length = rng.Next(bytes.Length + 1);
        log.Add($"truncate to {length}");
        return bytes[..length];
    }

    private static byte[] Extend(Random rng, byte[] bytes, List<string> log)
    {
        var tail = new byte[1 + rng.Next(64)];
        rng.NextBytes(tail);
        log.Add($"append {tail.Length} bytes");
        return [.. bytes, .. tail];
    }

    private static byte[] OverwriteRun(Random rng, byte[] bytes, List<string> log)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        int start = rng.Next(bytes.Length);
        int length = 1 + rng.Next(Math.Min(16, bytes.Length - start));
        rng.NextBytes(bytes.AsSpan(start, length));
        log.Add($"overwrite {length} at {start}");
        return bytes;
    }

    private static byte[] RandomFile(Random rng, List<string> log)
    {
        var bytes = new byte[rng.Next(64)];
        rng.NextBytes(bytes);
        if (bytes.Length >= 2 && rng.Next(2) == 0)
        {
            // Start like a real file so the noise gets past the first check.
            (bytes[0], bytes[1]) = rng.Next(2) == 0 ? ((byte)0, (byte)0) : ((byte)0x1F, (byte)0x8B);
        }

        log.Add($"random {bytes.Length} bytes");
        return bytes;
    }

    // Sets one header field to an extreme value, on the decompressed form of gzip input.
    private static byte[] HeaderExtreme(Random rng, byte[] bytes, List<string> log)
    {
        bool wasGzip = bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
        byte[] raw = wasGzip ? TryDecompress(bytes) : bytes;
        if (raw.Length < 4)
        {
            return bytes;
        }

        raw = raw.ToArray();
        switch (rng.Next(4))
        {
            case 0:
                raw[2] = ExtremeTypes[rng.Next(ExtremeTypes.Length)];
                log.Add($"type 0x{raw[2]:X2}");
                break;
            case 1:
                raw[3] = ExtremeRanks[rng.Next(ExtremeRanks.Length)];
                log.Add($"rank {raw[3]}");
                break;
            case 2:
                raw[rng.Next(2)] = (byte)rng.Next(256);
                log.Add("magic byte");
                break;
            default:
                int dims = Math.Max(1, Math.Min(raw[3], (raw.Length - 4) / 4));
                int dim = rng.Next(dims);
                if (4 + (4 * dim) + 4 > raw.Length)
                {
                    return bytes;
                }

                uint size = rng.Next(4) == 0 ? (uint)rng.NextInt64(0, 1L << 32) : ExtremeSizes[rng.Next(ExtremeSizes.Length)];
                BinaryPrimitives.WriteUInt32BigEndian(raw.AsSpan(4 + (4 * dim), 4), size);
                log.Add($"dim {dim} = {size}");
                break;
        }

        return wasGzip ? IdxFiles.Gzip(raw) : raw;
    }

    private static byte[] GzipCorruption(Random rng, byte[] bytes, List<string> log)
    {
        bool isGzip = bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
        byte[] gz = isGzip ? bytes : IdxFiles.Gzip(bytes);
        if (!isGzip)
        {
            log.Add("gzip");
        }

        if (gz.Length < 18)
        {
            return gz;
        }

        switch (rng.Next(7))
        {
            case 0:
                gz[rng.Next(10)] ^= (byte)(1 << rng.Next(8));
                log.Add("gzip header bit");
                break;
            case 1:
                gz[3] = (byte)rng.Next(256);
                log.Add($"gzip flags 0x{gz[3]:X2}");
                break;
            case 2:
                gz[10 + rng.Next(gz.Length - 18)] ^= (byte)(1 << rng.Next(8));
                log.Add("deflate bit");
                break;
            case 3:
                gz[gz.Length - 1 - rng.Next(8)] ^= (byte)(1 << rng.Next(8));
                log.Add("trailer bit");
                break;
            case 4:
                int cut = rng.Next(1, 9);
                log.Add($"drop {cut} trailer bytes");
                return gz[..^cut];
            case 5:
                log.Add("second gzip member");
                return [.. gz, .. gz];
            default:
                var garbage = new byte[1 + rng.Next(16)];
                rng.NextBytes(garbage);
                log.Add($"garbage after gzip ({garbage.Length})");
                return [.. gz, .. garbage];
        }

        return gz;
    }

    private static byte[] TryDecompress(byte[] gz)
    {
        long length = IdxFiles.DecompressedLength(gz, cap: 1 << 20);
        try
        {
            using var input = new System.IO.Compression.GZipStream(new MemoryStream(gz), System.IO.Compression.CompressionMode.Decompress);
            var raw = new byte[length];
            input.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
            return raw;
        }
        catch (InvalidDataException)
        {
            return gz;
        }
    }

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : null;
}
