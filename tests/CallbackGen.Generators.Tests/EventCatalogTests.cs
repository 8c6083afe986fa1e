extern alias Generators;

using EventCatalog = Generators::CallbackGen.EventCatalog;

namespace CallbackGen.Generators.Tests;

/// <summary>The generator's event catalogue and the runtime's public <see cref="Event"/> enum are one list.</summary>
public class EventCatalogTests
{
    [Fact]
    public void The_catalogue_agrees_with_the_runtime_event_enum_in_names_and_ordinals()
    {
        string[] runtime = Enum.GetNames<Event>();

        Assert.Equal(runtime, EventCatalog.Names);
        Assert.All(Enum.GetValues<Event>(), e => Assert.Equal((int)e, EventCatalog.IndexOf(e.ToString())));
        Assert.Equal(EventSet.EventCount, EventCatalog.Names.Length);
    }

    [Fact]
    public void Fit_and_epoch_events_are_disjoint_catalogue_events()
    {
        Assert.All(EventCatalog.FitEvents.Concat(EventCatalog.EpochEvents), n => Assert.True(EventCatalog.IndexOf(n) >= 0, n));
        Assert.Empty(EventCatalog.FitEvents.Intersect(EventCatalog.EpochEvents));
        Assert.Equal(3, EventCatalog.FitEvents.Length);
    }

    [Fact]
    public void Seed_names_map_to_catalogue_events_and_are_not_events_themselves()
    {
        Assert.All(EventCatalog.SeedAliases, pair =>
        {
            Assert.Equal(-1, EventCatalog.IndexOf(pair[0]));
            Assert.Equal(pair[1], EventCatalog.ModernNameOf(pair[0]));
            Assert.True(EventCatalog.IndexOf(pair[1]) >= 0);
        });
    }
}
