using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Moves a tensor's elements between its memory and a stream: straight from and into
/// <see cref="Tensor.bytes"/> (a zero-copy span) for a contiguous CPU tensor, through one bounded CPU
/// staging tensor, chunk by chunk, for a tensor on a device or one larger than a span can hold.
/// </summary>
internal static class TensorBytes
{
    /// <summary>The largest chunk that goes through the staging tensor at once.</summary>
    public const int StagingBytes = 4 << 20;

    /// <summary>Writes <paramref name="tensor"/>'s elements, row-major, to <paramref name="stream"/>.</summary>
    /// <param name="stream">Where the bytes go.</param>
    /// <param name="tensor">The tensor, on any device.</param>
    /// <param name="staged">Go through the staging tensor even where a span would do (tests of that path on a CPU).</param>
    public static void Write(Stream stream, Tensor tensor, bool staged = false)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor t = tensor.detach();
        long bytes = t.numel() * t.ElementSize;
        if (bytes == 0)
        {
            return;
        }

        if (!t.is_contiguous())
        {
            // Rare (no state-dictionary tensor is a strided view): one contiguous copy on its device.
            t = t.contiguous();
        }

        if (!staged && t.device_type == DeviceType.CPU && bytes <= int.MaxValue)
        {
            stream.Write(t.bytes);
            return;
        }

        Tensor flat = t.view(-1);
        long elements = flat.numel();
        long chunk = Math.Max(1, StagingBytes / t.ElementSize);
        Tensor staging = empty(Math.Min(chunk, elements), t.dtype);
        for (long at = 0; at < elements; at += chunk)
        {
            long n = Math.Min(chunk, elements - at);
            using Tensor part = staging.narrow(0, 0, n);
            using Tensor from = flat.narrow(0, at, n);
            part.copy_(from);
            stream.Write(part.bytes);
        }
    }

    /// <summary>
    /// Reads <paramref name="byteCount"/> bytes (the caller checked they are <paramref name="target"/>'s
    /// size and lie in the stream) straight into <paramref name="target"/>'s memory, on any device.
    /// </summary>
    /// <exception cref="EndOfStreamException">The stream ends first.</exception>
    /// <param name="stream">Where the bytes come from.</param>
    /// <param name="target">The tensor to fill, on any device.</param>
    /// <param name="byteCount">Its size in bytes.</param>
    /// <param name="staged">Go through the staging tensor even where a span would do (tests of that path on a CPU).</param>
    public static void ReadInto(Stream stream, Tensor target, long byteCount, bool staged = false)
    {
        if (byteCount == 0)
        {
            return;
        }

        using DisposeScope scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (!staged && target.device_type == DeviceType.CPU && target.is_contiguous() && byteCount <= int.MaxValue)
        {
            stream.ReadExactly(target.bytes);
            return;
        }

        long elements = target.numel();
        long chunk = Math.Max(1, StagingBytes / target.ElementSize);
        Tensor staging = empty(Math.Min(chunk, elements), target.dtype);
        Tensor flat = target.is_contiguous() ? target.view(-1) : empty(elements, target.dtype, target.device);
        for (long at = 0; at < elements; at += chunk)
        {
            long n = Math.Min(chunk, elements - at);
            using Tensor part = staging.narrow(0, 0, n);
            stream.ReadExactly(part.bytes);
            using Tensor to = flat.narrow(0, at, n);
            to.copy_(part);
        }

        if (!target.is_contiguous())
        {
            target.copy_(flat.view(target.shape));
        }
    }
}
