namespace CallbackGen.Onnx;

/// <summary>
/// The exporter cannot express a part of the model in ONNX: the message names the module's path in the
/// model (<c>body.3</c>), its type and what the exporter supports.
/// </summary>
public sealed class OnnxExportException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modulePath">Where the module sits in the model (dotted names; empty for the model itself).</param>
    /// <param name="moduleType">The module's type name.</param>
    /// <param name="message">The whole message.</param>
    public OnnxExportException(string modulePath, string moduleType, string message)
        : base(message)
    {
        ModulePath = modulePath;
        ModuleType = moduleType;
    }

    /// <summary>Where the module sits in the model (dotted names as in its state dictionary; empty for the model itself).</summary>
    public string ModulePath { get; }

    /// <summary>The refused module's type name (or the transform's kind).</summary>
    public string ModuleType { get; }
}
