using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Distributed;

/// <summary>
/// Some parameters' gradients flattened into one contiguous CPU buffer, so one all-reduce moves them
/// all (Horovod's tensor fusion): per step, the gradients are copied in, summed across ranks in place,
/// scaled, and copied back.
/// </summary>
internal sealed class GradientBucket : IDisposable
{
    private readonly (Tensor Parameter, long Offset, long Count)[] members;

    private GradientBucket(Tensor buffer, (Tensor, long, long)[] members) => (Buffer, this.members) = (buffer, members);

    /// <summary>The flat buffer (CPU, the parameters' dtype).</summary>
    public Tensor Buffer { get; }

    /// <summary>The parameters whose gradients it carries.</summary>
    public int Count => members.Length;

    /// <summary>
    /// Groups the trainable parameters, in order, into buckets of at most <paramref name="bucketBytes"/>
    /// each (a larger parameter gets a bucket of its own), one dtype per bucket.
    /// </summary>
    public static List<GradientBucket> Build(IEnumerable<Tensor> parameters, long bucketBytes)
    {
        var buckets = new List<GradientBucket>();
        var pending = new List<(Tensor, long, long)>();
        long size = 0;
        ScalarType? dtype = null;
        foreach (Tensor p in parameters.Where(p => p.requires_grad))
        {
            if (p.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            {
                throw new NotSupportedException($"Data-parallel training averages float32 and float64 gradients; a parameter of shape [{string.Join(", ", p.shape)}] is {p.dtype}.");
            }

            if (pending.Count > 0 && (dtype != p.dtype || (size + p.numel()) * p.ElementSize > bucketBytes))
            {
                buckets.Add(Create(pending, size, dtype!.Value));
                pending.Clear();
                size = 0;
            }

            dtype = p.dtype;
            pending.Add((p, size, p.numel()));
            size += p.numel();
        }

        if (pending.Count > 0)
        {
            buckets.Add(Create(pending, size, dtype!.Value));
        }

        return buckets;
    }

    private static GradientBucket Create(List<(Tensor, long, long)> members, long size, ScalarType dtype) =>
        new(zeros(new[] { size }, dtype, CPU).DetachFromDisposeScope(), members.ToArray());

    /// <summary>Copies the gradients in (a parameter without one counts as zeros).</summary>
    public void Gather()
    {
        using DisposeScope scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var (p, offset, count) in members)
            {
                Tensor slot = Buffer.narrow(0, offset, count);
                Tensor? grad = p.grad;
                if (grad is null)
                {
                    slot.zero_();
                }
                else
                {
                    slot.copy_(grad.reshape(-1));
                }
            }
        }
    }

    /// <summary>Copies the buffer back into the gradients (a parameter without one on this rank stays without: it is not stepped here).</summary>
    public void Scatter()
    {
        using DisposeScope scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var (p, offset, count) in members)
            {
                Tensor slot = Buffer.narrow(0, offset, count).view(p.shape);
                p.grad?.copy_(slot);
            }
        }
    }

    public void Dispose() => Buffer.Dispose();
}
