namespace CallbackGen.Onnx;

/// <summary>
/// One attribute of an ONNX node (for example <c>Conv</c>'s <c>strides</c>): a name and an integer, a
/// float, a string or a list of integers or floats. Made with the factory methods.
/// </summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(string name, object value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Value = value;
    }

    /// <summary>The attribute's name as the operator's specification spells it.</summary>
    public string Name { get; }

    /// <summary>The value: a <see cref="long"/>, <see cref="float"/>, <see cref="string"/>, <c>long[]</c> or <c>float[]</c>.</summary>
    public object Value { get; }

    /// <summary>An integer attribute.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="value">Its value.</param>
    public static OnnxAttribute Int(string name, long value) => new(name, value);

    /// <summary>A list-of-integers attribute.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="values">Its values (copied).</param>
    public static OnnxAttribute Ints(string name, IEnumerable<long> values) => new(name, values.ToArray());

    /// <summary>A float attribute.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="value">Its value.</param>
    public static OnnxAttribute Float(string name, float value) => new(name, value);

    /// <summary>A list-of-floats attribute.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="values">Its values (copied).</param>
    public static OnnxAttribute Floats(string name, IEnumerable<float> values) => new(name, values.ToArray());

    /// <summary>A string attribute (UTF-8 in the file).</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="value">Its value.</param>
    public static OnnxAttribute String(string name, string value) => new(name, value ?? throw new ArgumentNullException(nameof(value)));
}
