using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Splits a model's parameters into the optimiser's parameter groups (for example body and head,
/// which can then have different learning rates). Group <c>i</c> of the result is the optimiser's
/// group <c>i</c>; a parameter left out of every group is not optimised (frozen).
/// </summary>
/// <param name="model">The model whose parameters are split.</param>
/// <returns>The groups, in order; each non-empty, no parameter in two groups.</returns>
/// <example>
/// <code>
/// ParameterSplitter bodyHead = m => new[] { body.parameters(), head.parameters() };
/// var learn = new Learner(model, data, loss, Optimizer.AdamW(groups: bodyHead));
/// </code>
/// </example>
public delegate IEnumerable<IEnumerable<Parameter>> ParameterSplitter(nn.Module model);
