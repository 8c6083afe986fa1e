namespace CallbackGen.Data;

/// <summary>A training and a validation loader.</summary>
/// <param name="Train">Batches for training (usually shuffled).</param>
/// <param name="Valid">Batches for validation (in order).</param>
public sealed record DataBunch(DataLoader Train, DataLoader Valid);
