namespace CallbackGen.Runtime.Tests.Checkpoints.Fuzz;

/// <summary>How <see cref="CheckpointFuzzer"/> makes a mutant pass the format's own integrity checks, as an attacker would.</summary>
public enum FuzzSealing
{
    /// <summary>CallbackGen's formats: the body is mutated and the SHA-256 trailer recomputed.</summary>
    Sha256Trailer,

    /// <summary>A format without a checksum (safetensors): the whole file is mutated.</summary>
    None,

    /// <summary>
    /// A <c>torch.save</c> zip: the pickle record (or a tensor data record) is mutated and the archive
    /// rebuilt with valid CRC-32s; one mutant in twenty changes the zip's own bytes instead.
    /// </summary>
    TorchZip,
}
