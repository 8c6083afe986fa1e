using System.IO.Compression;
using System.Text;
using CallbackGen.Checkpoints;
using CallbackGen.Interop;
using CallbackGen.Tests;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Interop;

public class PyTorchWeightsTests(ITestOutputHelper output)
{
    // Writes a .safetensors file by hand from a dict of tensors (Debian has no python3-safetensors):
    // an 8-byte little-endian header length, the JSON header, the raw little-endian bytes.
    private const string SafetensorsWriter = """
        import json, struct, torch
        def save_safetensors(tensors, path):
            names = {torch.float32: 'F32', torch.float64: 'F64', torch.int64: 'I64', torch.float16: 'F16'}
            header, blobs, offset = {}, [], 0
            for k, t in tensors.items():
                b = t.detach().contiguous().numpy().tobytes()
                header[k] = {'dtype': names[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
                blobs.append(b); offset += len(b)
            h = json.dumps(header).encode()
            with open(path, 'wb') as f:
                f.write(struct.pack('<Q', len(h))); f.write(h)
                for b in blobs: f.write(b)
        """;

    [SkippableFact]
    [Trait("Category", "Slow")]
    public void A_torchvision_ResNet18_state_dict_loads_into_TorchVision_ResNet18_with_PyTorchs_outputs()
    {
        ReferencePython.SkipUnlessAvailable();
        using var dir = new TempDirectory();
        ReferencePython.Script(SafetensorsWriter + "\n" + """
            import sys, torch, torchvision
            d = sys.argv[1]
            torch.manual_seed(0)
            m = torchvision.models.resnet18()
            # Batch-norm statistics that are not the defaults, so eval-mode outputs depend on every buffer.
            for mod in m.modules():
                if isinstance(mod, torch.nn.BatchNorm2d):
                    mod.running_mean.uniform_(-0.5, 0.5); mod.running_var.uniform_(0.5, 2.0)
                    mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.2, 0.2)
                    mod.num_batches_tracked.fill_(7)
            m.eval()
            x = torch.randn(2, 3, 64, 64)
            with torch.no_grad():
                y = m(x)
            torch.save(m.state_dict(), d + '/resnet18.pt')
            save_safetensors(m.state_dict(), d + '/resnet18.safetensors')
            x.numpy().tofile(d + '/x.f32'); y.numpy().tofile(d + '/y.f32')
            """, dir.Path);

        using Tensor x = tensor(ReadFloats(dir["x.f32"]), [2, 3, 64, 64]);
        using Tensor expected = tensor(ReadFloats(dir["y.f32"]), [2, 1000]);
        foreach (string file in new[] { "resnet18.pt", "resnet18.safetensors" })
        {
            using var resnet = torchvision.models.resnet18();
            WeightsLoadReport report = PyTorchWeights.Load(resnet, dir[file]);
            resnet.eval();
            using Tensor y = resnet.call(x);
            double diff = (y - expected).abs().max().item<float>();
            output.WriteLine($"{file}: {report.Loaded.Count} tensors loaded; max |PyTorch − TorchSharp| over 2×1000 outputs = {diff:E2}");
            Assert.True(report.IsExact, report.ToString());
            Assert.Equal(resnet.state_dict().Count, report.Loaded.Count);
            Assert.True(diff <= 1e-4, $"{file}: outputs differ by {diff}");
        }
    }

    [SkippableFact]
    public void PyBridge_reads_the_same_tensors_from_a_simple_state_dict()
    {
        ReferencePython.SkipUnlessAvailable();
        using var dir = new TempDirectory();
        ReferencePython.Script("""
            import sys, torch
            torch.manual_seed(1)
            torch.save({'w': torch.randn(4, 3), 'b': torch.randn(4), 'n': torch.tensor(5)}, sys.argv[1])
            """, dir["simple.pt"]);

        var ours = PyTorchWeights.Read(dir["simple.pt"]).ToDictionary(p => p.Key, p => p.Value);
        System.Collections.Hashtable theirs = TorchSharp.PyBridge.PyTorchUnpickler.UnpickleStateDict(dir["simple.pt"]);
        Assert.Equal(new[] { "b", "n", "w" }, ours.Keys.Order());
        foreach (var (key, t) in ours)
        {
            Assert.True(t.equal((Tensor)theirs[key]!).all().item<bool>(), key);
        }
    }

    [SkippableFact]
    public void Tensors_sharing_one_storage_at_offsets_read_their_own_elements()
    {
        ReferencePython.SkipUnlessAvailable();
        using var dir = new TempDirectory();
        ReferencePython.Script("""
            import sys, torch
            t = torch.arange(12.0)
            torch.save({'head': t[2:5], 'grid': t[4:].view(2, 4), 'col': t.view(3, 4)[:, 1]}, sys.argv[1])
            """, dir["views.pt"]);

        var read = PyTorchWeights.Read(dir["views.pt"]).ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(new float[] { 2, 3, 4 }, read["head"].data<float>().ToArray());
        Assert.Equal(new float[] { 4, 5, 6, 7, 8, 9, 10, 11 }, read["grid"].data<float>().ToArray());
        Assert.Equal(new long[] { 2, 4 }, read["grid"].shape);
        Assert.Equal(new float[] { 1, 5, 9 }, read["col"].data<float>().ToArray());
    }

    [SkippableFact]
    public void A_missing_an_unexpected_and_a_mismatched_key_are_one_report_and_a_strict_load_changes_nothing()
    {
        ReferencePython.SkipUnlessAvailable();
        using var dir = new TempDirectory();
        ReferencePython.Script(SafetensorsWriter + "\n" + """
            import sys, torch
            sd = {'a.weight': torch.ones(3, 4), 'a.bias': torch.full((3,), 2.0), 'extra.weight': torch.ones(1)}
            torch.save(sd, sys.argv[1] + '/keys.pt')
            save_safetensors(sd, sys.argv[1] + '/keys.safetensors')
            """, dir.Path);

        foreach (string file in new[] { "keys.pt", "keys.safetensors" })
        {
            using Sequential model = nn.Sequential(("a", nn.Linear(2, 3)), ("b", nn.Linear(3, 1)));
            using Tensor before = model.parameters().First().clone();

            var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Load(model, dir[file]));
            output.WriteLine(error.Message);
            Assert.Contains("missing from the file (the model keeps its own values) (2): b.weight, b.bias", error.Message);
            Assert.Contains("unexpected in the file (not in the model) (1): extra.weight", error.Message);
            Assert.Contains("shape mismatch (not loaded) (1): a.weight: model [3, 2], file [3, 4]", error.Message);
            Assert.Contains("Nothing was loaded", error.Message);
            Assert.Equal(dir[file], error.Path);
            Assert.True(model.parameters().First().equal(before).all().item<bool>(), "a refused load changed the model");

            WeightsLoadReport report = PyTorchWeights.Load(model, dir[file], strict: false);
            output.WriteLine(report.ToString());
            Assert.Equal(new[] { "a.bias" }, report.Loaded);
            Assert.Contains("were skipped (strict: false)", report.ToString());
            Assert.Equal(new float[] { 2, 2, 2 }, model.named_parameters().Single(p => p.name == "a.bias").parameter.data<float>().ToArray());
        }
    }

    [SkippableFact]
    public void Floating_types_are_converted_and_reported_and_an_unsafe_conversion_names_the_key()
    {
        ReferencePython.SkipUnlessAvailable();
        using var dir = new TempDirectory();
        ReferencePython.Script("""
            import sys, torch
            torch.save({'weight': torch.full((3, 2), 0.5, dtype=torch.float64), 'bias': torch.ones(3, dtype=torch.float16)}, sys.argv[1] + '/f64.pt')
            torch.save({'weight': torch.ones(3, 2, dtype=torch.int64), 'bias': torch.ones(3)}, sys.argv[1] + '/int.pt')
            """, dir.Path);

        using Linear linear = nn.Linear(2, 3);
        WeightsLoadReport report = PyTorchWeights.Load(linear, dir["f64.pt"]);
        Assert.Equal(new[] { "bias: Float16 → Float32", "weight: Float64 → Float32" }, report.Converted.Select(c => c.ToString()).Order());
        Assert.Equal(0.5f, linear.weight!.data<float>()[0]);

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Load(linear, dir["int.pt"]));
        Assert.Contains("'weight' is Int64 in the file and Float32 in the model", error.Message);
    }

    [Fact]
    public void A_pickle_naming_os_system_is_refused_before_anything_is_built()
    {
        using var dir = new TempDirectory();
        string marker = dir["pwned"];

        // What pickle writes for an object whose __reduce__ returns (os.system, ('touch …',)), in torch.save's archive.
        byte[] pickle = [0x80, 0x02, .. Encoding.Latin1.GetBytes($"cposix\nsystem\nq\x00X{Le32(marker.Length + 6)}touch {marker}\x85R.")];
        string file = WriteTorchZip(dir["evil.pt"], pickle);

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Read(file));

        output.WriteLine(error.Message);
        Assert.Contains("the global 'posix.system'", error.Message);
        Assert.Contains("refused and nothing from the file was run", error.Message);
        Assert.Contains(file, error.Message);
        Assert.False(File.Exists(marker));
    }

    [SkippableFact]
    public void A_torch_save_of_an_object_that_reduces_to_os_system_is_refused()
    {
        ReferencePython.SkipUnlessAvailable();
        using var dir = new TempDirectory();
        ReferencePython.Script("""
            import os, sys, torch
            class Evil:
                def __reduce__(self):
                    return (os.system, ('touch ' + sys.argv[1] + '/pwned',))
            torch.save({'weight': torch.ones(2), 'payload': Evil()}, sys.argv[1] + '/evil.pt')
            """, dir.Path);

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Read(dir["evil.pt"]));

        Assert.Contains("'posix.system'", error.Message);
        Assert.False(File.Exists(dir["pwned"]));
    }

    [Theory]
    [InlineData("c__builtin__\neval\n", "'__builtin__.eval'")]
    [InlineData("cbuiltins\ngetattr\n", "'builtins.getattr'")]
    [InlineData("i", "opcode 0x69 ('i')")]
    [InlineData("\x81", "opcode 0x81")]
    public void Other_globals_and_object_building_opcodes_are_refused(string body, string named)
    {
        using var dir = new TempDirectory();
        string file = WriteTorchZip(dir["bad.pt"], [0x80, 0x02, .. Encoding.Latin1.GetBytes(body + ").")]);

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Read(file));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void A_string_length_past_the_pickle_is_refused_without_allocating_it()
    {
        using var dir = new TempDirectory();
        string file = WriteTorchZip(dir["long.pt"], [0x80, 0x02, (byte)'X', 0xff, 0xff, 0xff, 0x7f, (byte)'a', (byte)'.']);

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Read(file));

        Assert.Contains("a length of 2147483647 bytes, but 2 are left in the pickle", error.Message);
    }

    [Fact]
    public void A_safetensors_header_whose_shape_does_not_fit_its_bytes_is_refused_naming_the_tensor()
    {
        using var dir = new TempDirectory();
        byte[] header = Encoding.UTF8.GetBytes("""{"w":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,8]}}""");
        string file = dir["huge.safetensors"];
        File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[8]]);

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Read(file));

        Assert.Contains("tensor 'w' of shape [1099511627776] and type F32 needs more bytes but has 8", error.Message);
    }

    [Theory]
    [InlineData("bytes", "its safetensors header is not valid UTF-8")]
    [InlineData("surrogate", "its safetensors header has a name or value that is not valid text")]
    public void A_safetensors_header_that_is_not_text_is_refused_as_such(string flaw, string expected)
    {
        // Found by the fuzz (Checkpoints/PyTorchFuzzTests.cs): System.Text.Json checks a name's text only when it
        // is read, and threw InvalidOperationException from the middle of the header's walk.
        using var dir = new TempDirectory();
        byte[] header = Encoding.UTF8.GetBytes(flaw == "bytes"
            ? """{"wX":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"""
            : """{"w\uD800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""");
        if (flaw == "bytes")
        {
            header[3] = 0xFF; // the X: a byte that starts no UTF-8 sequence
        }

        string file = dir["bad.safetensors"];
        File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[8]]);

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Read(file));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("[4611686018427387904,4611686018427387904,0]")]
    [InlineData("[0,9223372036854775807,9223372036854775807]")]
    public void An_empty_safetensors_tensor_with_huge_dimensions_is_refused_naming_it(string shape)
    {
        // Found while fuzzing this reader (issue 31): libtorch's size arithmetic overflowed on these and threw ExternalException.
        using var dir = new TempDirectory();
        byte[] header = Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,0]}}");
        string file = dir["empty.safetensors"];
        File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)header.Length), .. header]);

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Read(file));

        Assert.Contains("tensor 'w' of shape", error.Message);
        Assert.Contains("would take more bytes than the file's", error.Message);
    }

    [Fact]
    public void A_zero_stride_tensor_larger_than_the_file_is_refused_before_it_is_built()
    {
        // tiny.pt's '0.bias' (3 floats) rewritten as size (2^26,) with stride (0,): its 3 stored floats would become
        // a 256 MB tensor. A storage's size was checked against its record, the tensor's own size was not.
        using var dir = new TempDirectory();
        byte[] pickle;
        using (var zip = ZipFile.OpenRead(Checkpoints.PyTorchFuzzTests.FixturePath("tiny.pt")))
        using (var ms = new MemoryStream())
        {
            zip.GetEntry("tiny/data.pkl")!.Open().CopyTo(ms);
            pickle = ms.ToArray();
        }

        // BINPERSID, offset 0, size (3,), memo, stride (1,): see `python3 -m pickletools` of the fixture's data.pkl.
        byte[] original = [(byte)'Q', (byte)'K', 0, (byte)'K', 3, 0x85, (byte)'q', 0x11, (byte)'K', 1, 0x85];
        int at = pickle.AsSpan().IndexOf(original);
        Assert.True(at > 0, "the fixture's '0.bias' is not where this test expects it");
        byte[] crafted = [(byte)'Q', (byte)'K', 0, (byte)'J', 0, 0, 0, 4, 0x85, (byte)'q', 0x11, (byte)'K', 0, 0x85];
        pickle = [.. pickle.AsSpan(0, at), .. crafted, .. pickle.AsSpan(at + original.Length)];
        string file = dir["expanded.pt"];
        using (var zip = ZipFile.Open(file, ZipArchiveMode.Create))
        using (var source = ZipFile.OpenRead(Checkpoints.PyTorchFuzzTests.FixturePath("tiny.pt")))
        {
            foreach (ZipArchiveEntry e in source.Entries)
            {
                using Stream s = zip.CreateEntry(e.FullName, CompressionLevel.NoCompression).Open();
                if (e.FullName == "tiny/data.pkl")
                {
                    s.Write(pickle);
                }
                else
                {
                    e.Open().CopyTo(s);
                }
            }
        }

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Read(file));

        Assert.Contains("tensor '0.bias' of shape [67108864]", error.Message);
    }

    [Fact]
    public void A_file_of_another_kind_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir["notes.pt"], "hello");

        var error = Assert.Throws<CheckpointException>(() => PyTorchWeights.Read(dir["notes.pt"]));

        Assert.Contains("neither a PyTorch state dict", error.Message);
    }

    internal static float[] ReadFloats(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        float[] values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static string Le32(int n) => Encoding.Latin1.GetString(BitConverter.GetBytes(n));

    private static string WriteTorchZip(string path, byte[] pickle)
    {
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using Stream s = zip.CreateEntry("evil/data.pkl", CompressionLevel.NoCompression).Open();
            s.Write(pickle);
        }

        return path;
    }
}
