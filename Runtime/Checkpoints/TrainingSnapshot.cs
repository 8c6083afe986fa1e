using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// A copy of what training changes in a model and its optimiser: every tensor of the model's
/// <c>state_dict()</c> (parameters and buffers, detached clones) and the optimiser's state as
/// <see cref="Optimizer.SaveState"/> writes it (moments, step counts, each group's hyper-parameters,
/// the pending accumulation count). The one snapshot/restore of the product: the LR finder takes one
/// and puts it back, and <see cref="EarlyStopping"/> keeps the best epoch's. Checkpoints take no
/// snapshot: they stream the live tensors into the file (<see cref="Checkpoint.Write"/>).
/// </summary>
/// <remarks>
/// It owns its tensors: <see cref="Dispose"/> releases them, and they live outside every dispose
/// scope (a snapshot outlives the batch or the run that took it). A positional record of supported
/// members, so a callback can keep one in a <c>[Checkpointed]</c> member: the tensors go through the
/// checkpoint's tensor codec and come back on the learner's device.
/// </remarks>
/// <param name="Weights">The model's tensors by <c>state_dict()</c> name, in its order.</param>
/// <param name="OptimizerState">The optimiser's state, or null when the snapshot has none.</param>
internal sealed record TrainingSnapshot(IReadOnlyList<KeyValuePair<string, Tensor>> Weights, byte[]? OptimizerState) : IDisposable
{
    /// <summary>
    /// Copies the model's tensors (onto <paramref name="onto"/>, or where they are when null) and the
    /// state of <paramref name="optimizer"/> (none when null).
    /// </summary>
    public static TrainingSnapshot Take(nn.Module model, Optimizer? optimizer, Device? onto = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        byte[]? optimizerState = optimizer is null ? null : IO.BinaryBytes.Of(optimizer.SaveState);
        var weights = new List<KeyValuePair<string, Tensor>>();
        try
        {
            using (no_grad())
            {
                foreach (var (name, tensor) in model.state_dict())
                {
                    weights.Add(KeyValuePair.Create(name, Copy(tensor, onto)));
                }
            }
        }
        catch
        {
            weights.ForEach(w => w.Value.Dispose());
            throw;
        }

        return new TrainingSnapshot(weights, optimizerState);
    }

    /// <summary>
    /// Puts the weights back into <paramref name="model"/> in place (its tensors keep their identity,
    /// device and dtype) and, when both exist, the optimiser state into <paramref name="optimizer"/>.
    /// </summary>
    public void Restore(nn.Module model, Optimizer? optimizer)
    {
        RestoreWeights(model);
        if (optimizer is not null && OptimizerState is not null)
        {
            RestoreOptimizer(optimizer);
        }
    }

    /// <summary>Copies the weights into <paramref name="model"/>'s tensors of the same names, in place.</summary>
    /// <exception cref="InvalidDataException">A tensor of the model is not in the snapshot, or the other way round.</exception>
    public void RestoreWeights(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Dictionary<string, Tensor> target = model.state_dict();
        if (target.Count != Weights.Count)
        {
            throw new InvalidDataException($"the snapshot holds {Weights.Count} tensors but the model has {target.Count}");
        }

        using var _ = no_grad();
        foreach (var (name, value) in Weights)
        {
            if (!target.TryGetValue(name, out Tensor? t))
            {
                throw new InvalidDataException($"the snapshot's '{name}' is not in the model");
            }

            t.copy_(value);
        }
    }

    /// <summary>Loads the optimiser state into <paramref name="optimizer"/>.</summary>
    /// <exception cref="InvalidOperationException">The snapshot holds no optimiser state.</exception>
    /// <exception cref="InvalidDataException">The state is of another optimiser kind or shape, or was not read to its end.</exception>
    public void RestoreOptimizer(Optimizer optimizer) =>
        LoadOptimizer(optimizer, OptimizerState ?? throw new InvalidOperationException("The snapshot holds no optimiser state."));

    /// <summary>Loads optimiser state written by <see cref="Optimizer.SaveState"/> (a snapshot's, or a checkpoint's section) into <paramref name="optimizer"/>.</summary>
    /// <exception cref="InvalidDataException">The state is of another optimiser kind or shape, or was not read to its end.</exception>
    public static void LoadOptimizer(Optimizer optimizer, byte[] state)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        using var reader = new BinaryReader(new MemoryStream(state, writable: false), Encoding.UTF8);
        optimizer.LoadState(reader);
        long left = reader.BaseStream.Length - reader.BaseStream.Position;
        if (left != 0)
        {
            throw new InvalidDataException($"the optimiser's state left {left} bytes unread; it was written by a different version or configuration");
        }
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        foreach (var (_, tensor) in Weights)
        {
            tensor.Dispose();
        }
    }

    private static Tensor Copy(Tensor tensor, Device? onto)
    {
        using Tensor detached = tensor.detach();
        bool sameDevice = onto is null || (onto.type == detached.device_type && (onto.index == detached.device_index || onto.type == DeviceType.CPU));
        // A move to another device is already a copy; on the same device it must be a clone, never a view.
        Tensor copy = sameDevice ? detached.clone() : detached.to(onto!);
        return copy.DetachFromDisposeScope();
    }
}
