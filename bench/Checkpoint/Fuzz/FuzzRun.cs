using System.Globalization;
using CallbackGen;
using CallbackGen.Benchmarks;
using CallbackGen.Checkpoints;
using CallbackGen.Data;
using CallbackGen.Inference;
using CallbackGen.Interop;
using CallbackGen.Runtime.Tests.Checkpoints.Fuzz;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Checkpoint.Fuzz;

/// <summary>
/// The crafted-file fuzz (issue 31), longer than the test's: real files the product wrote (a mid-epoch
/// checkpoint with AdamW, a CsvLogger and the loop section; a weights file; an export), mutated with the
/// checksum recomputed, through Learner.LoadCheckpoint, Learner.Load and InferenceModel.Load in this
/// process (a death ends the run). Writes bench/results/fuzz.md.
///   dotnet run -c Release --project bench/Checkpoint -- --fuzz [--quick]
/// </summary>
internal static class FuzzRun
{
    public static int Run(BenchArgs options)
    {
        int mutants = options.Quick ? 1_000 : 10_000;
        int[] seeds = { 1, 2, 3 };
        string dir = Directory.CreateTempSubdirectory("cbg-fuzz-bench-").FullName;
        var rows = new List<string>();
        var messages = new List<string>();
        try
        {
            string checkpoint = Path.Combine(dir, "mid.ckpt");
            MakeLearner(1, out _).Fit(2, cbs: new Callback[] { new SaveModel(checkpoint, everyBatches: 1), new CsvLogger(Path.Combine(dir, "log.csv")), new StopAt(1, 2) });
            if (!CheckpointFile.Read(checkpoint).ContainsKey("loop"))
            {
                throw new InvalidOperationException("the fixture is not a mid-epoch checkpoint");
            }

            Learner target = MakeLearner(4, out _);
            target.Fit(1);
            target.LoadCheckpoint(checkpoint);
            string weights = Path.Combine(dir, "model.weights");
            target.Save(weights);
            var normalize = ExportedTransform.ForNormalize(tensor(new float[] { 0.5f, 0.5f, 0.5f, 0.5f }), tensor(new float[] { 2f, 2f, 2f, 2f }));
            string export = Path.Combine(dir, "model.export");
            MakeLearner(4, out _, BatchTransform.Of(normalize)).Export(export, modelName: "mlp", classNames: new[] { "y" });

            string scratch = Path.Combine(dir, "mutant.bin");
            foreach (int seed in seeds)
            {
                // The state every refusal must leave, and every accepted mutant is replaced by (the export's
                // model factory reseeds torch's generator, which is part of that state).
                target.LoadCheckpoint(checkpoint);
                FuzzReport c = CheckpointFuzzer.Run(File.ReadAllBytes(checkpoint), scratch, seed, mutants, target.LoadCheckpoint, () => State(target), () => target.LoadCheckpoint(checkpoint));
                rows.Add(c.Row($"`Learner.LoadCheckpoint`, seed {seed}"));
                Console.WriteLine(rows[^1]);
                target.Load(weights);
                FuzzReport w = CheckpointFuzzer.Run(File.ReadAllBytes(weights), scratch, seed, mutants, target.Load, () => State(target), () => target.Load(weights));
                rows.Add(w.Row($"`Learner.Load`, seed {seed}"));
                Console.WriteLine(rows[^1]);
                FuzzReport e = CheckpointFuzzer.Run(File.ReadAllBytes(export), scratch, seed, mutants,
                    path => InferenceModel.Load(path, () => (nn.Module<Tensor, Tensor>)MakeLearner(9, out _).Model).Dispose(), Array.Empty<byte>, () => { });
                rows.Add(e.Row($"`InferenceModel.Load`, seed {seed}"));
                Console.WriteLine(rows[^1]);
                foreach (string fixture in new[] { "tiny.pt", "tiny.safetensors" })
                {
                    FuzzReport p = PyTorch(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture), Path.Combine(dir, "mutant" + Path.GetExtension(fixture)), seed, mutants);
                    rows.Add(p.Row($"`PyTorchWeights.Load` ({Path.GetExtension(fixture)}), seed {seed}"));
                    Console.WriteLine(rows[^1]);
                }
            }

            // Two hostile files by hand, as a user sees their messages.
            var sections = CheckpointFile.Read(checkpoint).ToDictionary(p => p.Key, p => p.Value);
            foreach (var (name, payload) in new[]
            {
                ("rng", Bytes(w => { w.Write(100); w.Write(new byte[100]); w.Write(false); w.Write(false); })),
                ("model", Bytes(w => { w.Write(1); w.Write("lin1.weight"); w.Write(6); w.Write(1_000_000); })),
            })
            {
                var bad = new Dictionary<string, byte[]>(sections) { [name] = payload };
                string path = Path.Combine(dir, "last.ckpt");
                CheckpointFile.Write(path, bad.ToList());
                try
                {
                    target.LoadCheckpoint(path);
                }
                catch (CheckpointException ex)
                {
                    messages.Add(ex.Message.Replace(dir + "/", "runs/", StringComparison.Ordinal));
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        var page = new ResultsFile("Crafted-file fuzz", "dotnet run -c Release --project bench/Checkpoint -- --fuzz" + (options.Quick ? " --quick" : ""), ("TorchSharp", "0.107.0"));
        page.Paragraph($"Mode: {options.Mode}. Each mutant is a real file with one change in its body (a bit flip, an extreme int32 or int64, a huge or malformed 7-bit string length, a cut of 1–64 bytes, an insertion of 1–64 random bytes; half the positions anywhere, a quarter in the first 256 bytes, a quarter in the last 512 before the digest, where the index lies), sealed with a recomputed SHA-256, loaded in this process (a death would end the run and write no page). "
            + "After every refusal the target's weights, optimiser state and torch's generator state are compared with those before; a mutant that loads is undone by loading the original. Allocation: managed bytes the load allocated on its thread (`GC.GetAllocatedBytesForCurrentThread`) beyond the file's size.");
        page.Paragraph("Files: a mid-epoch checkpoint (CallbackGen's AdamW, a CsvLogger, the `loop` section) of an MLP 4 → 16 → 1 with dropout; a weights file of the same model; an export with a normalisation transform; "
            + "and, for `PyTorchWeights.Load` (strict), the state dict of a `Linear(4, 3)` + `BatchNorm1d(3)` as torch 1.13 wrote it (tests/CallbackGen.Runtime.Tests/Interop/Fixtures/). "
            + "The `.pt` zip's mutants change its `data.pkl` record (three in four), a tensor data record (one in five) or the zip's own bytes (one in twenty), and the archive is rebuilt with valid CRC-32s; "
            + "`.safetensors` has no checksum, so its mutants change any byte of the file. After every refusal the model's state dict is compared byte for byte with the one before.");
        page.Table(new[] { "reader", "file bytes", "mutants", "loaded", "refused, by type", "other types", "state changed by a refusal", "loads over file + 1 MB", "worst allocation beyond the file", "slowest load" },
            rows.Select(r => (IReadOnlyList<string>)r.Trim('|', ' ').Split(" | ")));
        page.Paragraph("Two hand-made hostile files, as a user sees them:");
        page.Paragraph(string.Join("\n", messages.Select(m => "    " + m)));
        Console.WriteLine(page.Save(options.ResultsDir, "fuzz.md"));
        return 0;
    }

    private static Learner MakeLearner(int modelSeed, out DataBunch data, params Callback[] cbs)
    {
        var g = new Generator(123);
        Tensor x = randn(new long[] { 80, 4 }, generator: g);
        Tensor y = x.sum(1, keepdim: true).detach();
        manual_seed(modelSeed);
        var model = nn.Sequential(("lin1", nn.Linear(4, 16)), ("relu", nn.ReLU()), ("drop", nn.Dropout(0.2)), ("lin2", nn.Linear(16, 1)));
        data = new DataBunch(new DataLoader(x, y, 16, shuffle: true, generator: new Generator(5)), new DataLoader(x, y, 32));
        return new Learner(model, data, (p, t) => nn.functional.mse_loss(p, t), Optimizer.AdamW(), lr: 1e-2, cbs: cbs);
    }

    private static byte[] State(Learner learn)
    {
        using var ms = new MemoryStream();
        foreach (var (_, t) in learn.Model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ms.Write(t.bytes);
        }

        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            learn.Opt.SaveState(w);
        }

        ms.Write(random.get_rng_state().bytes);
        return ms.ToArray();
    }

    // A strict load of a mutated PyTorch file into the model the fixture came from (Sequential(Linear(4, 3), BatchNorm1d(3))).
    private static FuzzReport PyTorch(string original, string scratch, int seed, int mutants)
    {
        using nn.Module model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3));
        PyTorchWeights.Load(model, original);
        FuzzSealing sealing = original.EndsWith(".pt", StringComparison.Ordinal) ? FuzzSealing.TorchZip : FuzzSealing.None;
        return CheckpointFuzzer.Run(File.ReadAllBytes(original), scratch, seed, mutants, path => PyTorchWeights.Load(model, path),
            () => ModelState(model), () => PyTorchWeights.Load(model, original), sealing);
    }

    private static byte[] ModelState(nn.Module model)
    {
        using var ms = new MemoryStream();
        foreach (var (_, t) in model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ms.Write(t.bytes);
        }

        return ms.ToArray();
    }

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            write(w);
        }

        return ms.ToArray();
    }
}
