using System.Diagnostics;
using System.Globalization;
using CallbackGen;
using CallbackGen.Benchmarks;
using CallbackGen.Benchmarks.Checkpoint;
using CallbackGen.Data;
using static TorchSharp.torch;

// Checkpoint cost (issue 32): write and load time and peak RSS growth, each case in a child process
// of its own, beside a plain fsynced write of the same bytes, a plain read into tensors and
// TorchSharp's model.save, for three MLPs with AdamW. Writes bench/results/checkpoint.md.
//   dotnet run -c Release --project bench/Checkpoint [-- --quick]
// With --fuzz it runs the crafted-file fuzz instead (Fuzz/FuzzRun.cs; bench/results/fuzz.md).
if (args.Length > 0 && args[0] == "case")
{
    return CheckpointCase.Run(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
}

if (args.Contains("--fuzz"))
{
    return CallbackGen.Benchmarks.Checkpoint.Fuzz.FuzzRun.Run(BenchArgs.Parse(args.Where(a => a != "--fuzz").ToArray()));
}

BenchArgs options = BenchArgs.Parse(args);
int[] hidden = options.Quick ? new[] { 1024 } : new[] { 1024, 5500, 10000 };
string[] cases = { "plain-write", "old-write", "sync-write", "background", "torch-save", "plain-read", "old-load", "load" };
string scratch = Directory.CreateTempSubdirectory("cbg-ckpt-bench-").FullName;
var results = new Dictionary<(int, string), CaseResult>();
string load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
try
{
    foreach (int h in hidden)
    {
        foreach (string c in cases)
        {
            CaseResult r = Child(c, h, scratch);
            results[(h, c)] = r;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{h,6} {c,-12} {r.Seconds,8:F3} s  +{r.RssGrowth / 1e6,8:F0} MB  {r.Bytes / 1e6,8:F1} MB  extra {r.Extra:F3}"));
        }
    }
}
finally
{
    Directory.Delete(scratch, recursive: true);
}

string loadAfter = File.ReadAllText("/proc/loadavg").Split(' ')[0];
var page = new ResultsFile("Checkpoint write and load", "dotnet run -c Release --project bench/Checkpoint" + (options.Quick ? " -- --quick" : ""), ("TorchSharp", "0.107.0"));
page.Paragraph($"Mode: {options.Mode}. Load average (1 min) at the start {load}, at the end {loadAfter}: other engineers' builds share the 2 cores and the disk, so times vary run to run; ratios are taken within one size, each case measured once in a child process of its own (fresh memory; the file of a load case is written first in the same child, so the page cache is warm for every read).");
page.Paragraph("Model: an MLP of three Linear layers (784 → h → h → 10) with CallbackGen's AdamW after one step, so the checkpoint holds the weights and two moments per parameter (~12 bytes per parameter). "
    + "`plain write` writes the same tensors' bytes to a FileStream and fsyncs it; `plain read` reads them from the checkpoint file straight into tensors of the right shapes; `format 2` re-enacts main's code before this change (bench/Checkpoint/PreviousFormat.cs); `format 3` is this build's `SaveModel` path (`Checkpoint.Write`) and `Learner.LoadCheckpoint`; `background` is `SaveModel(…, background: true)`: time on the training thread (the copy) and the peak memory it adds until the file is written.");
var rows = new List<IReadOnlyList<string>>();
foreach (int h in hidden)
{
    CaseResult Get(string c) => results[(h, c)];
    double Mb(long b) => b / 1e6;
    string Cell(string c) => string.Create(CultureInfo.InvariantCulture, $"{Get(c).Seconds:F2} s, +{Mb(Get(c).RssGrowth):F0} MB");
    rows.Add(new[]
    {
        string.Create(CultureInfo.InvariantCulture, $"{Get("sync-write").Parameters / 1e6:F1}M"),
        string.Create(CultureInfo.InvariantCulture, $"{Mb(Get("sync-write").Bytes):F0} MB"),
        Cell("plain-write"), Cell("old-write"), Cell("sync-write"),
        string.Create(CultureInfo.InvariantCulture, $"{Get("sync-write").Seconds / Get("plain-write").Seconds:F2}×"),
        string.Create(CultureInfo.InvariantCulture, $"{Get("background").Seconds:F2} s (file {Get("background").Extra:F2} s), +{Mb(Get("background").RssGrowth):F0} MB"),
        Cell("plain-read"), Cell("old-load"), Cell("load"),
        string.Create(CultureInfo.InvariantCulture, $"{Get("load").Seconds / Get("plain-read").Seconds:F2}×"),
        string.Create(CultureInfo.InvariantCulture, $"{Get("torch-save").Seconds:F2} s ({Mb(Get("torch-save").Bytes):F0} MB)"),
    });
}

page.Table(new[] { "parameters", "checkpoint", "plain write (fsync)", "format 2 write", "format 3 write", "write ÷ plain", "background (copy; until written)", "plain read", "format 2 load", "format 3 load", "load ÷ plain", "TorchSharp model.save" }, rows);
page.Paragraph("Largest single tensor: " + string.Join(", ", hidden.Select(h => string.Create(CultureInfo.InvariantCulture, $"{(long)h * h * 4 / 1e6:F0} MB (h = {h})"))) + ". Goals (issue 32): format 3 write ≤ 1.5× plain write; load ≤ 1.5× plain read; write growth ≤ 64 MB; load growth ≤ largest tensor + 64 MB; background growth ≤ 1× model + optimiser.");
Console.WriteLine(page.Save(options.ResultsDir, "checkpoint.md"));
return 0;

static CaseResult Child(string name, int hidden, string scratch)
{
    string dll = typeof(CheckpointCase).Assembly.Location;
    var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
    // Under `dotnet x.dll` the process is the dotnet host, which needs the assembly; the app host does not.
    if (Path.GetFileName(Environment.ProcessPath!) is "dotnet" or "dotnet.exe")
    {
        psi.ArgumentList.Add(dll);
    }

    foreach (string a in new[] { "case", name, hidden.ToString(CultureInfo.InvariantCulture), scratch })
    {
        psi.ArgumentList.Add(a);
    }

    using Process p = Process.Start(psi)!;
    string output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    string line = output.Split('\n').Last(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
    string[] f = line.Split(' ');
    return new CaseResult(double.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture),
        long.Parse(f[3], CultureInfo.InvariantCulture), long.Parse(f[4], CultureInfo.InvariantCulture), double.Parse(f[5], CultureInfo.InvariantCulture));
}

internal sealed record CaseResult(double Seconds, long RssGrowth, long Bytes, long Parameters, double Extra);
