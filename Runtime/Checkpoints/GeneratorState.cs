using System.Buffers.Binary;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Checks a torch CPU generator state read from a file before libtorch sees it. libtorch's
/// <c>CPUGeneratorImpl::set_state</c> throws a C++ error (which TorchSharp 0.107 does not turn into an
/// exception: the process aborts) for a state that is not a <c>CPUGeneratorImplState</c> of 5056 bytes
/// or whose mt19937 engine is not valid (<c>seeded</c> set, <c>left</c> in 1..624, <c>next</c> at most 624).
/// </summary>
/// <remarks>
/// Layout of the state (libtorch 2.10, x86-64 and arm64): the legacy part — int64 initial seed (0),
/// int32 left (8), int32 seeded (12), uint64 next (16), 624 × uint64 mt19937 state (24), three
/// doubles of the Box-Muller sample (5016), int32 normal_is_valid (5040), padding — then float
/// next_float_normal_sample (5048), bool is_next_float_normal_sample_valid (5052), padding to 5056.
/// </remarks>
internal static class GeneratorState
{
    /// <summary>The size of the state libtorch's CPU generator writes and accepts (<c>CPUGeneratorImplState</c>).</summary>
    public const int Size = 5056;

    private const int MersenneN = 624;

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="what"/> unless <paramref name="state"/> is one libtorch accepts.</summary>
    public static void Check(ReadOnlySpan<byte> state, string what)
    {
        if (state.Length != Size)
        {
            throw new InvalidDataException($"{what} has {state.Length} bytes; a torch CPU generator state has {Size}");
        }

        int left = BinaryPrimitives.ReadInt32LittleEndian(state[8..]);
        int seeded = BinaryPrimitives.ReadInt32LittleEndian(state[12..]);
        ulong next = BinaryPrimitives.ReadUInt64LittleEndian(state[16..]);
        int normalValid = BinaryPrimitives.ReadInt32LittleEndian(state[5040..]);
        byte floatNormalValid = state[5052];
        if (seeded != 1 || left < 1 || left > MersenneN || next > MersenneN)
        {
            throw new InvalidDataException($"{what} is not a valid mt19937 state (seeded {seeded}, left {left}, next {next}; libtorch needs seeded 1, left 1 to {MersenneN}, next at most {MersenneN})");
        }

        if (normalValid is not (0 or 1) || floatNormalValid > 1)
        {
            throw new InvalidDataException($"{what} has flags that are neither 0 nor 1 (normal sample valid {normalValid}, float normal sample valid {floatNormalValid})");
        }
    }

    /// <summary>Reads an int32 length and that many bytes, checked as a generator state.</summary>
    public static byte[] Read(BinaryReader r, string what)
    {
        int n = r.ReadInt32();
        if (n != Size)
        {
            throw new InvalidDataException($"{what} claims {n} bytes; a torch CPU generator state has {Size}");
        }

        byte[] state = r.ReadBytes(n);
        if (state.Length != n)
        {
            throw new InvalidDataException($"{what} is cut short ({state.Length} of {n} bytes)");
        }

        Check(state, what);
        return state;
    }
}
