using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

public sealed partial class Learner
{
    /// <summary>
    /// The device the learner trains on (CPU or CUDA), chosen once at construction. The model lives
    /// there; every batch is moved there as it is drawn (tensors already there are used as they are).
    /// </summary>
    public Device Device { get; }

    /// <summary>The device a learner will use for a request, or an error that says why it cannot.</summary>
    internal static Device ResolveDevice(Device? requested, nn.Module? model)
    {
        if (requested is null)
        {
            ArgumentNullException.ThrowIfNull(model);
            // Keep the model where it is (fastai does the same): a model built on the GPU trains there.
            Tensor? first = model.parameters().FirstOrDefault();
            return first is null ? CPU : new Device(first.device_type, first.device_index);
        }

        switch (requested.type)
        {
            case DeviceType.CPU:
                return requested;
            case DeviceType.CUDA:
                if (!cuda.is_available())
                {
                    throw new InvalidOperationException(CudaMissingMessage(requested));
                }

                if (requested.index >= 0 && requested.index >= cuda.device_count())
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(requested), $"CUDA device {requested.index} was asked for, but this machine has {cuda.device_count()} CUDA device(s), numbered from 0.");
                }

                return requested;
            default:
                throw new ArgumentException($"The learner trains on 'cpu' or 'cuda'; '{requested}' is not supported.", "device");
        }
    }

    /// <summary>The explanation given when CUDA is asked for and libtorch cannot use it.</summary>
    internal static string CudaMissingMessage(Device requested) =>
        $"The learner was asked to train on '{requested}', but CUDA is not available in this process (torch.cuda.is_available() is false). " +
        "Either this machine has no usable NVIDIA GPU and driver, or the process loaded a CPU-only libtorch: TorchSharp-cpu (what CallbackGen references by default) cannot use a GPU. " +
        "To train on a GPU, reference a CUDA build instead — the TorchSharp-cuda-linux or TorchSharp-cuda-windows package of the same TorchSharp version — " +
        $"or point TorchSharp at a CUDA libtorch {LibTorchMinorVersion}.x (TorchSharp needs a libtorch of the same minor version). " +
        "Pass device: torch.CPU (or leave it null) to train on the CPU.";

    /// <summary>The libtorch minor version the referenced TorchSharp was built against.</summary>
    private const string LibTorchMinorVersion = "2.10";

    private void MoveModelToDevice()
    {
        foreach (Tensor p in Model.parameters())
        {
            if (!IsOnDevice(p))
            {
                Model.to(Device);
                return;
            }
        }
    }

    private Tensor ToDevice(Tensor t) => IsOnDevice(t) ? t : t.to(Device);

    private bool IsOnDevice(Tensor t) =>
        t.device_type == Device.type && (Device.index < 0 || t.device_index == Device.index);
}
