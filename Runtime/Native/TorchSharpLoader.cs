using System.Runtime.CompilerServices;
using CallbackGen.Native;

namespace CallbackGen;

/// <summary>
/// Makes TorchSharp's native library loadable on systems whose libstdc++ predates GCC 15. The build
/// already patches outputs (<c>CallbackGen.targets</c>); this run-time fallback covers outputs that
/// were built without those targets. It runs when CallbackGen is first used, and can be called
/// explicitly before the first TorchSharp call.
/// </summary>
public static class TorchSharpLoader
{
    private static int done;

    /// <summary>Applies the fix to the application's own folder once; cheap after the first call.</summary>
    /// <returns>The files patched by this call (usually none: the build did it).</returns>
    public static IList<string> EnsureLoadable()
    {
        if (Interlocked.Exchange(ref done, 1) == 1)
        {
            return Array.Empty<string>();
        }

        // MSBuild property CallbackGenFixLibStdCxx=false turns this switch off along with the build step.
        if (AppContext.TryGetSwitch("CallbackGen.FixLibStdCxx", out bool enabled) && !enabled)
        {
            return Array.Empty<string>();
        }

        try
        {
            return ElfVersionPatcher.FixTorchSharpIn(AppContext.BaseDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // TorchSharp's own load error follows if the fix was needed; it is not ours to hide.
            return Array.Empty<string>();
        }
    }

#pragma warning disable CA2255 // A library module initializer is the point: it must run before TorchSharp loads.
    [ModuleInitializer]
    internal static void Initialize() => EnsureLoadable();
#pragma warning restore CA2255
}
