namespace CallbackGen.Runtime.Tests.Support;

/// <summary>
/// Tests that seed torch's process-wide default generator (model init, dropout, shuffling) and
/// compare bits: they run alone, so no test in another class draws from that generator meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngCollection
{
    public const string Name = "Global torch RNG";
}
