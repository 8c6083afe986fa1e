namespace CallbackGen.Data;

/// <summary>
/// The element type of an IDX file: the third byte of its magic number. Values are stored
/// big-endian after the header.
/// </summary>
public enum IdxDataType : byte
{
    /// <summary>Unsigned 8-bit integer (MNIST images and labels).</summary>
    UInt8 = 0x08,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 0x09,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 0x0B,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 0x0C,

    /// <summary>32-bit IEEE float.</summary>
    Float32 = 0x0D,

    /// <summary>64-bit IEEE float.</summary>
    Float64 = 0x0E,
}
