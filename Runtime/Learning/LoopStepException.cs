using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// A step of the loop's own code failed (collating a batch, the forward pass, the loss): the message
/// names the phase, the epoch, the batch, the shapes and types of <c>Xb</c>, <c>Yb</c> and <c>Pred</c>
/// and, where one is likely, a hint; the original exception is <see cref="Exception.InnerException"/>.
/// The first line holds no native stack frames. Exceptions thrown by callbacks are never wrapped.
/// </summary>
public sealed class LoopStepException : Exception
{
    private LoopStepException(string message, Exception inner, LoopStep step, string phase, int epoch, int batch)
        : base(message, inner) => (Step, Phase, Epoch, Batch) = (step, phase, epoch, batch);

    /// <summary>The step that failed.</summary>
    public LoopStep Step { get; }

    /// <summary><c>train</c>, <c>valid</c> or the run's kind for a validation-only or prediction run.</summary>
    public string Phase { get; }

    /// <summary>The epoch, from 0.</summary>
    public int Epoch { get; }

    /// <summary>The batch index within the phase, from 0.</summary>
    public int Batch { get; }

    internal static LoopStepException Create(Learner learn, LoopStep step, Exception inner)
    {
        string phase = learn.RunKind is RunKind.Fit or RunKind.LrFind
            ? (learn.Training ? "training" : "validation")
            : learn.RunKind.ToString().ToLowerInvariant();
        string what = step switch
        {
            LoopStep.Collate => "Drawing the batch (reading its samples and collating them)",
            LoopStep.Forward => "The model's forward pass",
            LoopStep.Backward => "The backward pass (Loss.backward())",
            LoopStep.Step => "The optimiser's step",
            _ => "The loss function",
        };
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{what} failed in the {phase} phase, epoch {learn.Epoch}, batch {learn.Iter}: {FirstLine(inner)}");
        if (step != LoopStep.Collate)
        {
            sb.AppendLine().Append(CultureInfo.InvariantCulture, $"  Xb: {Describe(learn.Xb)}, Yb: {Describe(learn.Yb)}, Pred: {Describe(learn.Pred)}");
        }

        if (Hint(learn, step, inner) is string hint)
        {
            sb.AppendLine().Append("  Hint: ").Append(hint);
        }

        return new LoopStepException(sb.ToString(), inner, step, phase, learn.Epoch, learn.Iter);
    }

    /// <summary>The first line of a message, without TorchSharp's native frames.</summary>
    internal static string FirstLine(Exception ex)
    {
        string m = ex.Message;
        int nl = m.IndexOfAny(new[] { '\r', '\n' });
        string first = (nl < 0 ? m : m[..nl]).Trim();
        int raised = first.IndexOf("Exception raised from", StringComparison.Ordinal);
        return raised > 0 ? first[..raised].Trim() : first;
    }

    private static string Describe(Tensor? t)
    {
        try
        {
            return t is null || t.IsInvalid ? "none" : $"[{string.Join(", ", t.shape)}] {t.dtype}";
        }
        catch (ObjectDisposedException)
        {
            return "none";
        }
    }

    private static string? Hint(Learner learn, LoopStep step, Exception inner)
    {
        string message = inner.Message;
        if (step == LoopStep.Loss && learn.Pred is Tensor pred && !pred.IsInvalid && learn.Yb is Tensor yb && !yb.IsInvalid)
        {
            if (!yb.is_floating_point() && pred.dim() >= 2 && yb.numel() > 0)
            {
                long classes = pred.shape[1];
                long max;
                using (no_grad())
                {
                    using Tensor m = yb.max();
                    max = m.to_type(ScalarType.Int64).item<long>();
                }

                if (max >= classes)
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"the targets hold class {max} but the model's output has {classes} columns (classes 0..{classes - 1}): the model's last layer needs at least {max + 1} outputs (the number of classes).");
                }
            }

            if (yb.is_floating_point() && !pred.shape.SequenceEqual(yb.shape))
            {
                return $"Pred has shape [{string.Join(", ", pred.shape)}] but Yb has [{string.Join(", ", yb.shape)}]: reshape the targets or the model's output so they match.";
            }
        }

        if (step == LoopStep.Backward && learn.Yb is Tensor targets && !targets.IsInvalid && !targets.is_floating_point()
            && message.Contains("dtype", StringComparison.OrdinalIgnoreCase))
        {
            return $"Yb is {targets.dtype}: a regression loss (mse_loss, l1_loss) needs floating-point targets; convert them (a BatchTransform with yb.to_type(ScalarType.Float32)) or use a classification loss such as Losses.CrossEntropy.";
        }

        if (step == LoopStep.Forward && message.Contains("cannot be multiplied", StringComparison.Ordinal))
        {
            return "the model's first layer expects another input width than Xb's last dimension (check the data's shape, or add a flatten/reshape batch transform).";
        }

        if (step == LoopStep.Collate && message.Contains("equal size", StringComparison.Ordinal))
        {
            return "the samples of one batch must have the same shape: check the dataset's items (the inner exception names the samples).";
        }

        return null;
    }
}
