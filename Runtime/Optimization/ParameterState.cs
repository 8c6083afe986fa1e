using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// What an optimiser keeps for one parameter: its step count and named tensors (<c>exp_avg</c>,
/// <c>exp_avg_sq</c>, <c>momentum_buffer</c>, …), each shaped like the parameter and on its device.
/// Plain named tensors, so state can be written and read tensor by tensor.
/// </summary>
public sealed class ParameterState : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> tensors = new();

    /// <summary>Updates applied to the parameter (PyTorch's <c>step</c>).</summary>
    public long Step { get; internal set; }

    /// <summary>The state's tensors by name, in the order they were first made.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors => tensors;

    /// <summary>The tensor named <paramref name="name"/>, or null before the step that makes it.</summary>
    public Tensor? this[string name]
    {
        get
        {
            foreach (var (key, tensor) in tensors)
            {
                if (key == name)
                {
                    return tensor;
                }
            }

            return null;
        }
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose() => Clear();

    /// <summary>The tensor named <paramref name="name"/>, made with <paramref name="create"/> on first use (kept outside any dispose scope).</summary>
    internal Tensor GetOrAdd(string name, Parameter like, Func<Parameter, Tensor> create)
    {
        Tensor? t = this[name];
        if (t is null)
        {
            t = create(like).DetachFromDisposeScope();
            tensors.Add(new(name, t));
        }

        return t;
    }

    /// <summary>Adds <paramref name="tensor"/> under <paramref name="name"/>; the state owns it from now on.</summary>
    internal void Add(string name, Tensor tensor) => tensors.Add(new(name, tensor.DetachFromDisposeScope()));

    /// <summary>Releases every tensor and forgets the step count.</summary>
    internal void Clear()
    {
        foreach (var (_, tensor) in tensors)
        {
            tensor.Dispose();
        }

        tensors.Clear();
        Step = 0;
    }
}
