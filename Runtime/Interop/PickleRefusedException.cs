namespace CallbackGen.Interop;

/// <summary>The restricted unpickler met something a <c>torch.save</c>d state dict does not contain (internal: turned into a <see cref="Checkpoints.CheckpointException"/> naming the file).</summary>
internal sealed class PickleRefusedException(string message) : Exception(message);
