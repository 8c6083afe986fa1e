using System.Runtime.InteropServices;
using CallbackGen.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Native;

public class TorchSharpLoadsTests
{
    [Fact]
    public void A_tensor_op_with_backward_runs()
    {
        using var x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        using var y = (x * x).sum();
        y.backward();
        Assert.Equal(new float[] { 2, 4, 6 }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void The_output_copy_of_the_native_library_is_patched_where_the_system_needs_it()
    {
        string lib = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", ElfVersionPatcher.TorchSharpNativeLibrary);
        if (!OperatingSystem.IsLinux() || !ElfVersionPatcher.SystemNeedsFix())
        {
            return; // Nothing to patch on this system: the fix must not run.
        }

        ElfVersionNeed need = Assert.Single(
            ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(lib)),
            n => n.Version == ElfVersionPatcher.TorchSharpExtraVersion);
        Assert.True(need.IsWeak);
    }

    [Fact]
    public void The_original_library_fails_to_load_here_and_loads_once_patched()
    {
        if (!OperatingSystem.IsLinux() || !ElfVersionPatcher.SystemNeedsFix())
        {
            return;
        }

        string packages = RepositoryFiles.NuGetPackageRoot;
        string original = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", ElfVersionPatcher.TorchSharpNativeLibrary);
        Assert.True(File.Exists(original), $"TorchSharp's native library is not at {original}");
        Assert.False(ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(original)).Single(n => n.Version == ElfVersionPatcher.TorchSharpExtraVersion).IsWeak);

        // A private folder with a copy of the original and links to the libtorch it depends on.
        string dir = Directory.CreateTempSubdirectory("callbackgen-load-").FullName;
        try
        {
            string outputNative = Path.GetDirectoryName(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "x"))!;
            foreach (string dep in Directory.GetFiles(outputNative))
            {
                if (Path.GetFileName(dep) != ElfVersionPatcher.TorchSharpNativeLibrary)
                {
                    File.CreateSymbolicLink(Path.Combine(dir, Path.GetFileName(dep)), dep);
                }
            }

            string copy = Path.Combine(dir, ElfVersionPatcher.TorchSharpNativeLibrary);
            File.Copy(original, copy);
            Assert.False(NativeLibrary.TryLoad(copy, out _), "The unpatched library loaded: the system does not need the fix after all.");

            Assert.Equal(ElfPatchResult.Patched, ElfVersionPatcher.MakeVersionNeedWeak(copy, ElfVersionPatcher.TorchSharpExtraVersion));
            Assert.True(NativeLibrary.TryLoad(copy, out IntPtr handle), "The patched library did not load.");
            NativeLibrary.Free(handle);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
