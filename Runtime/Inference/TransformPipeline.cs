using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Inference;

/// <summary>
/// Applies <see cref="ExportedTransform"/>s in order: the one implementation of the built-in kinds,
/// used by a <see cref="BatchTransform"/> built from steps during training and by
/// <see cref="InferenceModel"/> after loading, so both compute the same thing.
/// </summary>
internal sealed class TransformPipeline
{
    private readonly Func<Tensor, Tensor>[] steps;

    public TransformPipeline(IReadOnlyList<ExportedTransform> transforms, IReadOnlyDictionary<string, Func<ExportedTransform, Func<Tensor, Tensor>>>? custom = null)
    {
        Transforms = transforms;
        steps = transforms.Select(t => Build(t, custom)).ToArray();
    }

    public IReadOnlyList<ExportedTransform> Transforms { get; }

    public Tensor Apply(Tensor x)
    {
        foreach (Func<Tensor, Tensor> step in steps)
        {
            x = step(x);
        }

        return x;
    }

    private static Func<Tensor, Tensor> Build(ExportedTransform t, IReadOnlyDictionary<string, Func<ExportedTransform, Func<Tensor, Tensor>>>? custom)
    {
        if (custom is not null && custom.TryGetValue(t.Kind, out var factory))
        {
            return factory(t);
        }

        switch (t.Kind)
        {
            case ExportedTransform.Normalize:
                var mean = new DeviceCopy(t.Tensor("mean"));
                var std = new DeviceCopy(t.Tensor("std"));
                if (!t.Numbers.ContainsKey("channelDim"))
                {
                    return x => (x - mean.On(x.device)) / std.On(x.device);
                }

                long channels = t.Tensor("mean").numel();
                return x =>
                {
                    if (x.dim() < 2 || x.shape[1] != channels)
                    {
                        throw new ArgumentException($"The exported normalisation has {channels} channels but the input's shape is [{string.Join(", ", x.shape)}]: dimension 1 must have {channels} entries.");
                    }

                    long[] shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
                    shape[1] = channels;
                    return (x - mean.On(x.device).view(shape)) / std.On(x.device).view(shape);
                };
            case ExportedTransform.Reshape:
                long[] shape = t.Number("shape").Select(d => (long)d).ToArray();
                return x => x.view(shape);
            default:
                throw new InvalidDataException(
                    $"Unknown input transform kind '{t.Kind}': the built-in kinds are '{ExportedTransform.Normalize}' and '{ExportedTransform.Reshape}'; pass a factory for '{t.Kind}' to InferenceModel.Load.");
        }
    }

    /// <summary>A parameter tensor kept outside every dispose scope, with a copy on the last device asked for.</summary>
    private sealed class DeviceCopy
    {
        private readonly Tensor cpu;
        private Tensor? onDevice;

        public DeviceCopy(Tensor t)
        {
            using (no_grad())
            {
                cpu = t.detach().cpu().to_type(ScalarType.Float32).clone().DetachFromDisposeScope();
            }
        }

        public Tensor On(Device device)
        {
            if (device.type == DeviceType.CPU)
            {
                return cpu;
            }

            if (onDevice is null || onDevice.device_type != device.type || onDevice.device_index != device.index)
            {
                onDevice = cpu.to(device).DetachFromDisposeScope();
            }

            return onDevice;
        }
    }
}
