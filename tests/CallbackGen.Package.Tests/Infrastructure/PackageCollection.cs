namespace CallbackGen.Package.Tests.Infrastructure;

/// <summary>All package tests share one pack and one consumer (packing and restoring are the slow part).</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackagedConsumer>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Package";
}
