using System.Collections.Immutable;

namespace CallbackGen.Data;

/// <summary>The validated header of an IDX file.</summary>
/// <param name="DataType">The element type.</param>
/// <param name="Dimensions">The size of each dimension, outermost first.</param>
public sealed record IdxHeader(IdxDataType DataType, ImmutableArray<int> Dimensions)
{
    /// <summary>The number of dimensions.</summary>
    public int Rank => Dimensions.Length;

    /// <summary>The size in bytes of one element.</summary>
    public int ElementSize => SizeOf(DataType);

    /// <summary>The number of elements (product of the dimensions).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (int d in Dimensions)
            {
                count *= d;
            }

            return count;
        }
    }

    /// <summary>The number of data bytes that follow the header.</summary>
    public long DataLength => ElementCount * ElementSize;

    /// <summary>The number of header bytes (magic plus one 4-byte size per dimension).</summary>
    public int HeaderLength => 4 + (4 * Rank);

    /// <summary>The size in bytes of one element of <paramref name="type"/>.</summary>
    public static int SizeOf(IdxDataType type) => type switch
    {
        IdxDataType.UInt8 or IdxDataType.Int8 => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Float32 => 4,
        IdxDataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not an IDX data type."),
    };

    /// <summary>Equal when the data type and every dimension are equal.</summary>
    /// <param name="other">The header to compare with.</param>
    public bool Equals(IdxHeader? other) =>
        other is not null && DataType == other.DataType && Dimensions.AsSpan().SequenceEqual(other.Dimensions.AsSpan());

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(DataType);
        foreach (int d in Dimensions)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <summary>Describes the header as in error messages, e.g. <c>uint8 [60000 x 28 x 28]</c>.</summary>
    public override string ToString() =>
        $"{DataType.ToString().ToLowerInvariant()} [{string.Join(" x ", Dimensions)}]";
}
