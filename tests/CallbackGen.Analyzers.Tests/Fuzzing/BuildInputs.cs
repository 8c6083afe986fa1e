using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CallbackGen.Analyzers.Tests.Fuzzing;

/// <summary>
/// What a build of a CallbackGen project gives the compiler, bound once and shared by every fuzz
/// compilation: reference assemblies, parse options and the SDK's implicit global usings.
/// </summary>
public static class BuildInputs
{
    /// <summary>The parse options of user projects (language version latest).</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>The parse options the runtime is built with (its own preprocessor symbol defined).</summary>
    public static CSharpParseOptions RuntimeParseOptions { get; } = ParseOptions.WithPreprocessorSymbols("CALLBACKGEN_RUNTIME");

    /// <summary>As the projects set them: a library, nullable enabled, unsafe code allowed (the runtime calls Skia by function pointer).</summary>
    public static CSharpCompilationOptions CompilationOptions { get; } =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true);

    /// <summary>The .NET 10 reference assemblies and the runtime's own dependencies (TorchSharp, ...), not the runtime.</summary>
    public static MetadataReference[] RuntimeDependencies => Dependencies.Value;

    /// <summary>What a user project compiles against: <see cref="RuntimeDependencies"/> and the CallbackGen runtime.</summary>
    public static MetadataReference[] UserReferences => User.Value;

    /// <summary>What the samples compile against: <see cref="UserReferences"/>, System.CommandLine and ONNX Runtime.</summary>
    public static MetadataReference[] SampleReferences => Samples.Value;

    private static readonly Lazy<MetadataReference[]> Dependencies = new(() =>
        Net100.References.All.Concat(NonFrameworkDependencies(typeof(Callback).Assembly)).ToArray());

    private static readonly Lazy<MetadataReference[]> User = new(() =>
        Dependencies.Value.Append(MetadataReference.CreateFromFile(typeof(Callback).Assembly.Location)).ToArray());

    private static readonly Lazy<MetadataReference[]> Samples = new(() =>
        User.Value.Append(MetadataReference.CreateFromFile(typeof(System.CommandLine.Command).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.Location)).ToArray());

    /// <summary>The SDK's implicit usings (ImplicitUsings=enable in Directory.Build.props), as one tree.</summary>
    public static SyntaxTree ImplicitUsings(CSharpParseOptions options) => CSharpSyntaxTree.ParseText(
        """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """,
        options,
        path: "GlobalUsings.g.cs");

    // The closure of the runtime's references outside the shared framework (which the reference
    // assemblies above stand for): TorchSharp, Spectre.Console, ScottPlot and what they use.
    private static IEnumerable<MetadataReference> NonFrameworkDependencies(System.Reflection.Assembly root)
    {
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var seen = new HashSet<string>(StringComparer.Ordinal) { root.GetName().Name! };
        var pending = new Queue<System.Reflection.Assembly>(new[] { root });
        var found = new List<MetadataReference>();
        while (pending.Count > 0)
        {
            foreach (System.Reflection.AssemblyName name in pending.Dequeue().GetReferencedAssemblies())
            {
                if (!seen.Add(name.Name!))
                {
                    continue;
                }

                System.Reflection.Assembly assembly;
                try
                {
                    assembly = System.Reflection.Assembly.Load(name);
                }
                catch (FileNotFoundException)
                {
                    continue; // Not deployed with the tests: nothing the runtime's public surface needs.
                }

                if (string.IsNullOrEmpty(assembly.Location)
                    || string.Equals(Path.GetDirectoryName(assembly.Location), framework, StringComparison.Ordinal))
                {
                    continue;
                }

                found.Add(MetadataReference.CreateFromFile(assembly.Location));
                pending.Enqueue(assembly);
            }
        }

        return found;
    }
}
