using System.Runtime.InteropServices;
using SkiaSharp;

namespace CallbackGen.Data;

/// <summary>
/// The few functions of SkiaSharp's native library that decoding needs, called through function pointers
/// with blittable arguments: a call allocates nothing on the managed heap.
/// </summary>
/// <remarks>
/// <para>
/// Why not SkiaSharp's own classes: every <c>SKCodec</c>, <c>SKData</c> or <c>SKBitmap</c> is a managed
/// object, so a loader thread decoding with them allocates all the time, and any allocation may start a
/// garbage collection while the training thread is inside a libtorch call. TorchSharp 0.107 passes the
/// native handle of a <c>Scalar</c> it created implicitly (<c>t.add_(x)</c> makes one for alpha = 1) and keeps
/// no reference to the managed object during the call, so a collection at that moment lets the finalizer
/// free the scalar while libtorch still reads it ("Unknown scalar type", "alpha must not be a floating
/// point number", seen after a few hundred batches with two decoding loader threads). A loader thread that
/// allocates nothing cannot start a collection; the training thread only starts them between its own calls.
/// </para>
/// <para>
/// The signatures and struct layouts are those of SkiaSharp 3.119's C API (<c>sk_codec_*</c>, <c>sk_filestream_*</c>,
/// <c>sk_pixmap_*</c>); the enum values are Skia's native ones (<c>sk_colortype_t</c>), not <c>SKColorType</c>'s.
/// </para>
/// </remarks>
internal static unsafe class SkiaNative
{
    /// <summary><c>sk_colortype_t</c>: RGBA, 8 bits each.</summary>
    public const int Rgba8888 = 4;

    /// <summary><c>sk_colortype_t</c>: one grey byte per pixel.</summary>
    public const int Gray8 = 13;

    /// <summary><c>sk_alphatype_t</c>.</summary>
    public const int Opaque = 1;

    /// <summary><c>sk_alphatype_t</c>.</summary>
    public const int Unpremul = 3;

    private static readonly Lazy<Entry> Entries = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary><c>sk_imageinfo_t</c> (24 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ImageInfo
    {
        public nint ColorSpace;
        public int Width;
        public int Height;
        public int ColorType;
        public int AlphaType;
    }

    /// <summary><c>sk_sampling_options_t</c> (24 bytes): linear filtering with linear mipmaps, as <c>new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Sampling
    {
        public int MaxAniso;
        public byte UseCubic;
        public float CubicB;
        public float CubicC;
        public int Filter;
        public int Mipmap;
    }

    /// <summary>Loads the library and looks the functions up; call once on a thread where allocating is harmless.</summary>
    public static void EnsureLoaded() => _ = Entries.Value;

    /// <summary>
    /// Opens a file for reading with stdio (not mapped: unmapping a file makes the kernel interrupt every other
    /// core running the process, which took a loader with two threads from 1.7x to 0.6x the single thread's speed).
    /// </summary>
    /// <returns>The stream, or 0 when the file cannot be opened.</returns>
    public static nint OpenFile(byte* utf8Path)
    {
        Entry e = Entries.Value;
        nint stream = e.FileStreamNew(utf8Path);
        if (stream != 0 && e.FileStreamIsValid(stream) == 0)
        {
            e.FileStreamDestroy(stream);
            return 0;
        }

        return stream;
    }

    /// <summary>A codec for the stream, which it takes over (also when it fails: the stream is then gone).</summary>
    public static nint CodecFromStream(nint stream, out int result)
    {
        int r;
        nint codec = Entries.Value.CodecFromStream(stream, &r);
        result = r;
        return codec;
    }

    public static ImageInfo CodecInfo(nint codec)
    {
        ImageInfo info;
        Entries.Value.CodecInfo(codec, &info);
        return info;
    }

    /// <returns>An <c>SKCodecResult</c> value (0 = success).</returns>
    public static int CodecPixels(nint codec, ImageInfo info, byte* pixels, long rowBytes) =>
        Entries.Value.CodecPixels(codec, &info, pixels, (nint)rowBytes, null);

    public static void CodecDestroy(nint codec) => Entries.Value.CodecDestroy(codec);

    /// <summary>Scales (and converts) <paramref name="source"/>'s pixels into <paramref name="target"/>'s, as <c>SKBitmap.Resize</c> does.</summary>
    public static bool ScalePixels(ImageInfo sourceInfo, byte* source, long sourceRowBytes, ImageInfo targetInfo, byte* target, long targetRowBytes)
    {
        Entry e = Entries.Value;
        nint from = e.PixmapNew(&sourceInfo, source, (nint)sourceRowBytes);
        nint to = e.PixmapNew(&targetInfo, target, (nint)targetRowBytes);
        try
        {
            var sampling = new Sampling { Filter = 1, Mipmap = 2 };
            return from != 0 && to != 0 && e.ScalePixels(from, to, &sampling) != 0;
        }
        finally
        {
            if (from != 0)
            {
                e.PixmapDestroy(from);
            }

            if (to != 0)
            {
                e.PixmapDestroy(to);
            }
        }
    }

    private static Entry Load()
    {
        // SkiaSharp finds its library (runtimes/<rid>/native) the first time it is used; the same search from its assembly.
        using (SKData.Empty)
        {
        }

        nint library = NativeLibrary.Load("libSkiaSharp", typeof(SKCodec).Assembly, null);
        nint Get(string name) => NativeLibrary.GetExport(library, name);

        return new Entry
        {
            FileStreamNew = (delegate* unmanaged<byte*, nint>)Get("sk_filestream_new"),
            FileStreamIsValid = (delegate* unmanaged<nint, byte>)Get("sk_filestream_is_valid"),
            FileStreamDestroy = (delegate* unmanaged<nint, void>)Get("sk_filestream_destroy"),
            CodecFromStream = (delegate* unmanaged<nint, int*, nint>)Get("sk_codec_new_from_stream"),
            CodecInfo = (delegate* unmanaged<nint, ImageInfo*, void>)Get("sk_codec_get_info"),
            CodecPixels = (delegate* unmanaged<nint, ImageInfo*, byte*, nint, void*, int>)Get("sk_codec_get_pixels"),
            CodecDestroy = (delegate* unmanaged<nint, void>)Get("sk_codec_destroy"),
            PixmapNew = (delegate* unmanaged<ImageInfo*, byte*, nint, nint>)Get("sk_pixmap_new_with_params"),
            PixmapDestroy = (delegate* unmanaged<nint, void>)Get("sk_pixmap_destructor"),
            ScalePixels = (delegate* unmanaged<nint, nint, Sampling*, byte>)Get("sk_pixmap_scale_pixels"),
        };
    }

    private sealed class Entry
    {
        public delegate* unmanaged<byte*, nint> FileStreamNew;
        public delegate* unmanaged<nint, byte> FileStreamIsValid;
        public delegate* unmanaged<nint, void> FileStreamDestroy;
        public delegate* unmanaged<nint, int*, nint> CodecFromStream;
        public delegate* unmanaged<nint, ImageInfo*, void> CodecInfo;
        public delegate* unmanaged<nint, ImageInfo*, byte*, nint, void*, int> CodecPixels;
        public delegate* unmanaged<nint, void> CodecDestroy;
        public delegate* unmanaged<ImageInfo*, byte*, nint, nint> PixmapNew;
        public delegate* unmanaged<nint, void> PixmapDestroy;
        public delegate* unmanaged<nint, nint, Sampling*, byte> ScalePixels;
    }
}
