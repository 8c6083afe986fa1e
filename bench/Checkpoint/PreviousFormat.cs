using System.Security.Cryptography;
using System.Text;
using CallbackGen.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Checkpoint;

/// <summary>
/// The write and load paths of checkpoint format 2 (the code on main before issue 32), re-enacted with
/// the same steps so "before" is measured in the same run: a snapshot copy of the model and the
/// optimiser, every section as a byte array, the whole file in a MemoryStream, its SHA-256, then one
/// write; on load, the whole file read, its body copied, sections and tensors split into arrays, a full
/// backup of the learner taken, then tensors built and copied in.
/// </summary>
internal static class PreviousFormat
{
    public static void Write(Learner learn, string path)
    {
        byte[] model, optimizer;
        using (TrainingSnapshot snapshot = TrainingSnapshot.Take(learn.Model, learn.Opt, onto: CPU))
        {
            model = Bytes(w => WriteTensors(w, snapshot.Weights));
            optimizer = snapshot.OptimizerState!;
        }

        var sections = new List<KeyValuePair<string, byte[]>> { new("model", model), new("optimizer", optimizer) };
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("CBGCKPT\u001A"u8);
            w.Write(2);
            w.Write(sections.Count);
            foreach (var (name, data) in sections)
            {
                w.Write(name);
                w.Write((long)data.Length);
                w.Write(data);
            }
        }

        byte[] body = ms.ToArray();
        byte[] file = new byte[body.Length + 32];
        body.CopyTo(file, 0);
        SHA256.HashData(body, file.AsSpan(body.Length));
        IO.AtomicFile.WriteAllBytes(path, file);
    }

    public static void Load(Learner learn, string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int bodyLength = bytes.Length - 32;
        if (!SHA256.HashData(bytes.AsSpan(0, bodyLength)).AsSpan().SequenceEqual(bytes.AsSpan(bodyLength)))
        {
            throw new InvalidDataException("checksum");
        }

        byte[] body = bytes.AsSpan(0, bodyLength).ToArray();
        var sections = new Dictionary<string, byte[]>();
        using (var r = new BinaryReader(new MemoryStream(body)))
        {
            r.BaseStream.Position = 12;
            int count = r.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                long length = r.ReadInt64();
                sections[name] = r.ReadBytes((int)length);
            }
        }

        var records = new List<(string Name, long[] Shape, byte[] Data)>();
        using (var r = new BinaryReader(new MemoryStream(sections["model"])))
        {
            int count = r.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                r.ReadInt32();
                long[] shape = new long[r.ReadInt32()];
                for (int d = 0; d < shape.Length; d++)
                {
                    shape[d] = r.ReadInt64();
                }

                records.Add((name, shape, r.ReadBytes((int)r.ReadInt64())));
            }
        }

        // Format 2's ApplyTo captured the whole learner first, to put it back on a failure.
        using TrainingSnapshot backup = TrainingSnapshot.Take(learn.Model, learn.Opt, onto: CPU);
        Dictionary<string, Tensor> target = learn.Model.state_dict();
        using (no_grad())
        {
            foreach (var (name, shape, data) in records)
            {
                using Tensor t = empty(shape, ScalarType.Float32);
                t.bytes = data;
                target[name].copy_(t);
            }
        }

        TrainingSnapshot.LoadOptimizer(learn.Opt, sections["optimizer"]);
    }

    private static void WriteTensors(BinaryWriter w, IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        w.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            w.Write(name);
            w.Write((int)tensor.dtype);
            w.Write(tensor.shape.Length);
            foreach (long d in tensor.shape)
            {
                w.Write(d);
            }

            ReadOnlySpan<byte> bytes = tensor.bytes;
            w.Write((long)bytes.Length);
            w.Write(bytes);
        }
    }

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            write(w);
        }

        return ms.ToArray();
    }
}
