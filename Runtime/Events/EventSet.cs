namespace CallbackGen;

/// <summary>An immutable set of <see cref="Event"/>s, stored as a bit mask (no allocation).</summary>
public readonly struct EventSet : IEquatable<EventSet>
{
    private readonly uint bits;

    private EventSet(uint bits) => this.bits = bits;

    /// <summary>The empty set.</summary>
    public static EventSet Empty => default;

    /// <summary>The number of events in the catalogue.</summary>
    public const int EventCount = EventCatalogSize.Events;

    /// <summary>True when <paramref name="e"/> is in the set.</summary>
    public bool Contains(Event e) => (bits & (1u << (int)e)) != 0;

    /// <summary>This set plus <paramref name="e"/>.</summary>
    public EventSet With(Event e) => new(bits | (1u << (int)e));

    /// <summary>A set of the given events.</summary>
    public static EventSet Of(params ReadOnlySpan<Event> events)
    {
        uint b = 0;
        foreach (Event e in events)
        {
            b |= 1u << (int)e;
        }

        return new EventSet(b);
    }

    /// <summary>The events of the set in catalogue order.</summary>
    public IEnumerable<Event> Events()
    {
        for (int i = 0; i < EventCount; i++)
        {
            if ((bits & (1u << i)) != 0)
            {
                yield return (Event)i;
            }
        }
    }

    /// <inheritdoc/>
    public bool Equals(EventSet other) => bits == other.bits;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EventSet other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)bits;

    /// <summary>Equality.</summary>
    public static bool operator ==(EventSet left, EventSet right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(EventSet left, EventSet right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => "{" + string.Join(", ", Events()) + "}";
}
