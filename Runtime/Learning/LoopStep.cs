namespace CallbackGen;

/// <summary>A step of the training loop's own code (not a callback's) that can fail.</summary>
public enum LoopStep
{
    /// <summary>Drawing the batch: reading samples and collating them.</summary>
    Collate,

    /// <summary>The model's forward pass.</summary>
    Forward,

    /// <summary>The loss function.</summary>
    Loss,

    /// <summary>The backward pass (<c>Loss.backward()</c>): the gradients of the loss.</summary>
    Backward,

    /// <summary>The optimiser's step: the update of the parameters from their gradients.</summary>
    Step,
}
