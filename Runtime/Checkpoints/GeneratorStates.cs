using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// The <c>rng</c> section: torch's default CPU generator, then the training and validation loaders'
/// generators (each a presence flag and the state), every state checked by <see cref="GeneratorState"/>
/// when read, so applying them cannot fail.
/// </summary>
/// <param name="Torch">torch's default generator.</param>
/// <param name="Train">The training loader's generator, or null.</param>
/// <param name="Valid">The validation loader's generator, or null.</param>
internal sealed record GeneratorStates(byte[] Torch, byte[]? Train, byte[]? Valid)
{
    /// <summary>The learner's generators now.</summary>
    public static GeneratorStates Of(Learner learn)
    {
        static byte[] Bytes(Tensor s) => s.bytes.ToArray();
        using Tensor torchState = random.get_rng_state();
        byte[]? train = null, valid = null;
        if (learn.Data.Train.Generator is Generator t)
        {
            using Tensor s = t.get_state();
            train = Bytes(s);
        }

        if (learn.Data.Valid.Generator is Generator v)
        {
            using Tensor s = v.get_state();
            valid = Bytes(s);
        }

        return new GeneratorStates(Bytes(torchState), train, valid);
    }

    /// <summary>Writes the section.</summary>
    public void Write(BinaryWriter w)
    {
        w.Write(Torch.Length);
        w.Write(Torch);
        foreach (byte[]? s in new[] { Train, Valid })
        {
            w.Write(s is not null);
            if (s is not null)
            {
                w.Write(s.Length);
                w.Write(s);
            }
        }
    }

    /// <summary>Reads and checks the section.</summary>
    public static GeneratorStates Read(BinaryReader r)
    {
        byte[] torchState = GeneratorState.Read(r, "torch's generator state");
        byte[]? train = Flag(r, "the training loader's generator flag") ? GeneratorState.Read(r, "the training loader's generator state") : null;
        byte[]? valid = Flag(r, "the validation loader's generator flag") ? GeneratorState.Read(r, "the validation loader's generator state") : null;
        return new GeneratorStates(torchState, train, valid);
    }

    /// <summary>Puts the states into torch's and the loaders' generators (a loader without one ignores its state).</summary>
    public void Apply(Learner learn)
    {
        using (Tensor s = ToTensor(Torch))
        {
            random.set_rng_state(s);
        }

        if (Train is not null && learn.Data.Train.Generator is Generator t)
        {
            using Tensor s = ToTensor(Train);
            t.set_state(s);
        }

        if (Valid is not null && learn.Data.Valid.Generator is Generator v)
        {
            using Tensor s = ToTensor(Valid);
            v.set_state(s);
        }
    }

    /// <summary>Reads a bool stored as one byte that must be 0 or 1.</summary>
    public static bool Flag(BinaryReader r, string what)
    {
        byte b = r.ReadByte();
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new InvalidDataException($"{what} is {b}; a flag is 0 or 1"),
        };
    }

    private static Tensor ToTensor(byte[] state)
    {
        GeneratorState.Check(state, "a generator state");
        Tensor t = empty(state.Length, ScalarType.Byte);
        state.CopyTo(t.bytes);
        return t;
    }
}
