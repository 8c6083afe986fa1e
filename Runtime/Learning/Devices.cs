using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Picks the device to train on, with a clear error where CUDA is missing. Use these rather than
/// <c>torch.CUDA</c> / <c>torch.device("cuda")</c>, which throw TorchSharp's terse
/// "did not initialise" error on a machine (or a TorchSharp-cpu build) without CUDA.
/// </summary>
/// <example>
/// <code>
/// var learn = new Learner(model, data, Losses.CrossEntropy, device: Devices.Parse(args.Device)); // "cpu", "cuda", "cuda:1"
/// var anywhere = new Learner(model, data, Losses.CrossEntropy, device: Devices.Default);         // CUDA when there is one
/// </code>
/// </example>
public static class Devices
{
    /// <summary>The CPU.</summary>
    public static Device Cpu => CPU;

    /// <summary>The first CUDA device when CUDA is available in this process, otherwise the CPU.</summary>
    public static Device Default => cuda.is_available() ? new Device(DeviceType.CUDA, 0) : CPU;

    /// <summary>CUDA device <paramref name="index"/>.</summary>
    /// <exception cref="InvalidOperationException">CUDA is not available here; the message says why and how to get it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no device with that index.</exception>
    public static Device Cuda(int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var device = new Device(DeviceType.CUDA, index);
        return Learner.ResolveDevice(device, model: null);
    }

    /// <summary>A device from its name: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is none of those.</exception>
    /// <exception cref="InvalidOperationException">CUDA was named and is not available here.</exception>
    public static Device Parse(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string n = name.Trim().ToLowerInvariant();
        if (n == "cpu")
        {
            return Cpu;
        }

        if (n == "cuda")
        {
            return Cuda();
        }

        if (n.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(n.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
        {
            return Cuda(index);
        }

        throw new ArgumentException($"'{name}' is not a device this learner trains on: use 'cpu', 'cuda' or 'cuda:N'.", nameof(name));
    }
}
