namespace CallbackGen;

/// <summary>The nested phases of a fit; each has its Before/After events and its cancel exception.</summary>
internal enum Phase
{
    Fit,
    Epoch,
    Train,
    Validate,
    Batch,
    Backward,
    Step,
}
