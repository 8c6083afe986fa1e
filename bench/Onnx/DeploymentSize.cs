namespace CallbackGen.Benchmarks.Onnx;

/// <summary>The bytes a Linux x64 deployment carries for each way of serving, from this program's own output folder.</summary>
internal static class DeploymentSize
{
    private static string Native => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    /// <summary>ONNX Runtime's native library and its managed wrapper (and what the wrapper needs).</summary>
    public static IReadOnlyList<string> OnnxRuntimeFiles() =>
        [.. Directory.GetFiles(Native, "libonnxruntime*"), Managed("Microsoft.ML.OnnxRuntime.dll"), Managed("System.Numerics.Tensors.dll")];

    /// <summary>libtorch as TorchSharp-cpu copies it into every output (all its linux-x64 native files), TorchSharp and CallbackGen.</summary>
    public static IReadOnlyList<string> TorchSharpFiles() =>
        [.. Directory.GetFiles(Native).Where(f => !Path.GetFileName(f).StartsWith("libonnxruntime", StringComparison.Ordinal) && !Path.GetFileName(f).Contains("Sharp.so", StringComparison.Ordinal) || Path.GetFileName(f) == "libLibTorchSharp.so"),
         Managed("TorchSharp.dll"), Managed("CallbackGen.dll")];

    /// <summary>The libraries libtorch needs to run a model on the CPU (the rest of TorchSharp-cpu's files are tests and Python bindings).</summary>
    public static IReadOnlyList<string> TorchSharpMinimalFiles() =>
        [.. new[] { "libtorch_cpu.so", "libc10.so", "libLibTorchSharp.so", "libtorch.so", "libtorch_global_deps.so" }.Select(f => Path.Combine(Native, f)),
         .. Directory.GetFiles(Native, "libgomp*"), Managed("TorchSharp.dll"), Managed("CallbackGen.dll")];

    public static long Bytes(IEnumerable<string> files) => files.Sum(f => new FileInfo(f).Length);

    private static string Managed(string name) => Path.Combine(AppContext.BaseDirectory, name);
}
