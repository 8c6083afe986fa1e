using CallbackGen.Benchmarks;
using CallbackGen.Benchmarks.Generator;
using CallbackGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using static CallbackGen.Benchmarks.ResultsFile;

// Times CallbackGen's incremental generator on a 1,000-callback / 200-annealer project, driven in memory
// by CSharpGeneratorDriver as the compiler drives it (no step tracking while timing): cold (first run in
// this process), a fresh compilation in a warm process, and incremental runs after an unrelated edit.
// A floor generator that only finds the same attributes separates Roslyn's share from CallbackGen's.
if (args.Length == 2 && args[0] == "--child")
{
    // A fresh process measuring one cold run and printing "wall cpu" (see ColdRun).
    Timing t = ColdRun(warmRoslynFirst: args[1] == "warm-roslyn");
    Console.WriteLine(FormattableString.Invariant($"{t.Wall} {t.Cpu}"));
    return 0;
}

BenchArgs options = BenchArgs.Parse(args);
int repeats = options.Quick ? 2 : 7;

// Cold runs, each in its own new process: truly cold, and cold for CallbackGen in a compiler whose own
// code is already warm (a compiler server that has built something before: the usual case in an IDE or a build).
Timing cold = Child("cold");
Timing coldWarmRoslyn = Child("warm-roslyn");

var sw = new CpuStopwatch();
sw.Start();
var project = new SyntheticProject(callbackClasses: 1000, annealers: 200);
CSharpCompilation compilation = project.Compile();
sw.Stop();
double parseMs = sw.Elapsed.TotalMilliseconds;
GeneratorDriver checkDriver = NewDriver(new CallbackGenerator(), track: false).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
Validate(checkDriver.GetRunResult(), output, project);

Timing freshGen = Fresh(new CallbackGenerator());
Timing freshFloor = Fresh(new AttributeFloorGenerator());
Timing editGen = AfterEdits(new CallbackGenerator());
Timing editFloor = AfterEdits(new AttributeFloorGenerator());
int notCached = CountNotCachedAfterEdit();

var page = new ResultsFile(
    "Generator benchmark",
    "dotnet run -c Release --project bench/Generator" + (options.Quick ? " -- --quick" : string.Empty),
    ("Microsoft.CodeAnalysis.CSharp", typeof(CSharpCompilation).Assembly.GetName().Version!.ToString(3)),
    ("Mode", options.Mode));
page.Paragraph(
    $"A synthetic project of {project.CallbackClasses:N0} `[Callback]` classes (one file each, 2-4 handlers, some with `Order`/`Every`), " +
    $"{project.Annealers} `[Annealer]` methods in {project.Annealers / 10} static partial classes and one unrelated file: " +
    $"{project.Trees.Count:N0} files, {project.Lines:N0} lines, against the .NET 10 reference assemblies and the CallbackGen runtime. " +
    "The generator is the one in Generators/, run in memory by `CSharpGeneratorDriver` without step tracking, as the compiler runs it. " +
    $"Parsing and creating the compilation took {F(parseMs, "0")} ms and is not counted. Median of {repeats} runs where repeated. " +
    "CPU is the process's CPU time over the same interval (all threads), shown because wall time on a shared machine includes waiting for a core. " +
    "The floor generator finds the same attributes with Roslyn's `ForAttributeWithMetadataName` and does nothing else: " +
    "CallbackGen's own cost is the difference.");
page.Table(
    new[] { "run", "CallbackGen wall (ms)", "CallbackGen CPU (ms)", "floor wall (ms)", "floor CPU (ms)", "note" },
    new[]
    {
        new[] { "cold", F(cold.Wall, "0"), F(cold.Cpu, "0"), "", "", "first run in a new process: includes JIT of the generator and of Roslyn's binding paths (the NuGet Roslyn is not ReadyToRun-compiled like the SDK's compiler)" },
        new[] { "cold generator, warm compiler", F(coldWarmRoslyn.Wall, "0"), F(coldWarmRoslyn.Cpu, "0"), "", "", "new process that first compiled a small unrelated project (Roslyn warm), then CallbackGen's first run: a compiler server's first build with CallbackGen" },
        new[] { "fresh compilation, warm process", F(freshGen.Wall, "0"), F(freshGen.Cpu, "0"), F(freshFloor.Wall, "0"), F(freshFloor.Cpu, "0"), "new driver and compilation each time: a full build in a warm compiler server" },
        new[] { "after an unrelated edit", F(editGen.Wall, "0"), F(editGen.Cpu, "0"), F(editFloor.Wall, "0"), F(editFloor.Cpu, "0"), $"same driver, one file's method body changed; step outputs not Cached/Unchanged (tracked run): {notCached}" },
    });
page.Heading("Goals").Table(
    new[] { "goal", "measured", "met" },
    new[]
    {
        new[] { "cold < 2 s (new process)", $"{F(cold.Wall / 1000, "0.00")} s wall, {F(cold.Cpu / 1000, "0.00")} s CPU", cold.Wall < 2000 ? "yes" : $"NO: over by {F(cold.Wall / 2000, "0.00")}×" },
        new[] { "cold < 2 s (cold generator, warm compiler)", $"{F(coldWarmRoslyn.Wall / 1000, "0.00")} s wall, {F(coldWarmRoslyn.Cpu / 1000, "0.00")} s CPU", coldWarmRoslyn.Wall < 2000 ? "yes" : $"NO: over by {F(coldWarmRoslyn.Wall / 2000, "0.00")}×" },
        new[] { "unrelated edit: every step cached", $"{notCached} outputs re-run", notCached == 0 ? "yes" : "NO" },
    });
string path = page.Save(options.ResultsDir, "generator.md");
Console.Write(page.ToString());
Console.WriteLine($"Wrote {path}");
return 0;

// One cold run of CallbackGen on the big project, in this (new) process; optionally after warming Roslyn on another project.
static Timing ColdRun(bool warmRoslynFirst)
{
    if (warmRoslynFirst)
    {
        CSharpCompilation small = new SyntheticProject(callbackClasses: 50, annealers: 10).Compile();
        NewDriver(new AttributeFloorGenerator(), track: false).RunGenerators(small);
        _ = small.GetDiagnostics();
    }

    CSharpCompilation c = new SyntheticProject(callbackClasses: 1000, annealers: 200).Compile();
    GeneratorDriver d = NewDriver(new CallbackGenerator(), track: false);
    var clock = new CpuStopwatch();
    clock.Start();
    d.RunGenerators(c);
    clock.Stop();
    return new Timing(clock.Elapsed.TotalMilliseconds, clock.CpuTime.TotalMilliseconds);
}

// Runs this program again as "--child MODE" and reads its "wall cpu" line.
static Timing Child(string mode)
{
    string self = System.Reflection.Assembly.GetEntryAssembly()?.Location is { Length: > 0 } location
        ? location
        : throw new InvalidOperationException("Cannot find this program's assembly to start the cold-run child.");
    var start = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!)
    {
        RedirectStandardOutput = true,
        UseShellExecute = false,
    };
    if (Path.GetFileName(Environment.ProcessPath!) is "dotnet" or "dotnet.exe")
    {
        start.ArgumentList.Add(self); // started as `dotnet x.dll` rather than through the app host
    }

    start.ArgumentList.Add("--child");
    start.ArgumentList.Add(mode);
    using var child = System.Diagnostics.Process.Start(start)!;
    string last = child.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
    child.WaitForExit();
    if (child.ExitCode != 0)
    {
        throw new InvalidOperationException($"The cold-run child ({mode}) failed with exit code {child.ExitCode}.");
    }

    string[] parts = last.Split(' ');
    return new Timing(double.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
}

// Warm process, fresh compilation and driver: what a new build in a long-lived compiler server costs.
Timing Fresh(IIncrementalGenerator generator)
{
    NewDriver(generator, track: false).RunGenerators(project.Compile()); // this generator's own warm-up
    var runs = new List<Timing>();
    for (int i = 0; i < repeats; i++)
    {
        CSharpCompilation c = project.Compile();
        GeneratorDriver d = NewDriver(generator, track: false);
        sw.Restart();
        d.RunGenerators(c);
        sw.Stop();
        runs.Add(new Timing(sw.Elapsed.TotalMilliseconds, sw.CpuTime.TotalMilliseconds));
    }

    return Timing.Median(runs);
}

// Incremental: an unrelated file changes between runs of the same driver.
Timing AfterEdits(IIncrementalGenerator generator)
{
    Compilation current = project.Compile();
    GeneratorDriver d = NewDriver(generator, track: false).RunGenerators(current);
    var runs = new List<Timing>();
    for (int i = 1; i <= repeats; i++)
    {
        current = Edit(current, i);
        sw.Restart();
        d = d.RunGenerators(current);
        sw.Stop();
        runs.Add(new Timing(sw.Elapsed.TotalMilliseconds, sw.CpuTime.TotalMilliseconds));
    }

    return Timing.Median(runs);
}

// The generator's own named steps (whatever CallbackGenerator.TrackingNames declares), not Roslyn's internal ones.
static HashSet<string> GeneratorStepNamesOf() => typeof(CallbackGenerator.TrackingNames)
    .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
    .Where(f => f.IsLiteral)
    .Select(f => (string)f.GetRawConstantValue()!)
    .ToHashSet(StringComparer.Ordinal);

// The same edits with step tracking on (not timed): every output of the tracked steps must be Cached or Unchanged.
int CountNotCachedAfterEdit()
{
    Compilation current = project.Compile();
    GeneratorDriver d = NewDriver(new CallbackGenerator(), track: true).RunGenerators(current);
    HashSet<string> stepNames = GeneratorStepNamesOf();
    int count = 0;
    for (int i = 1; i <= 2; i++)
    {
        current = Edit(current, 100 + i);
        d = d.RunGenerators(current);
        count += d.GetRunResult().Results.Single().TrackedSteps
            .Where(kv => stepNames.Contains(kv.Key))
            .SelectMany(kv => kv.Value)
            .SelectMany(step => step.Outputs)
            .Count(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    return count;
}

static Compilation Edit(Compilation c, int edit)
{
    SyntaxTree old = c.SyntaxTrees.Single(t => t.FilePath == SyntheticProject.UnrelatedPath);
    return c.ReplaceSyntaxTree(old, SyntheticProject.EditedUnrelated(edit));
}

static GeneratorDriver NewDriver(IIncrementalGenerator generator, bool track) => CSharpGeneratorDriver.Create(
    new[] { generator.AsSourceGenerator() },
    parseOptions: SyntheticProject.ParseOptions,
    driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

// The timing is only meaningful if the generator did the whole job: every class and annealer generated, and the result compiles.
static void Validate(GeneratorDriverRunResult result, Compilation output, SyntheticProject project)
{
    GeneratorRunResult run = result.Results.Single();
    if (run.Exception is not null)
    {
        throw new InvalidOperationException("The generator threw.", run.Exception);
    }

    // Counted in the generated text, so the check holds whatever the file layout (one file per class or per method).
    int dispatchers = run.GeneratedSources.Sum(g => Occurrences(g.SourceText.ToString(), "override void InvokeHandler("));
    int schedules = run.GeneratedSources.Sum(g => Occurrences(g.SourceText.ToString(), "static global::CallbackGen.Schedule "));
    Diagnostic[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
    Console.WriteLine($"Generated {run.GeneratedSources.Length} files: {dispatchers} dispatchers, {schedules} schedule factories; compilation errors after generation: {errors.Length}");
    if (dispatchers != project.CallbackClasses || schedules != project.Annealers || errors.Length > 0)
    {
        throw new InvalidOperationException(
            $"Expected {project.CallbackClasses} dispatchers, {project.Annealers} schedule factories and no errors; got {dispatchers}, {schedules} and {errors.Length} errors: " +
            string.Join(Environment.NewLine, errors.Take(5)));
    }

    static int Occurrences(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}

/// <summary>Wall and CPU milliseconds of one run.</summary>
internal readonly record struct Timing(double Wall, double Cpu)
{
    public static Timing Median(List<Timing> runs)
    {
        static double Mid(IEnumerable<double> xs)
        {
            double[] s = xs.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        }

        return new Timing(Mid(runs.Select(r => r.Wall)), Mid(runs.Select(r => r.Cpu)));
    }
}
