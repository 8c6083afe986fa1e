using System.Text;

namespace CallbackGen.Checkpoints;

/// <summary>
/// One copy of a checkpoint's sections in memory (each in a <see cref="IO.SegmentedBuffer"/>: the
/// model's and the optimiser's bytes once, nothing doubled), taken on the training thread and written
/// to a file later from another thread while training goes on: a background save. The write touches
/// no tensor and no learner state, only these bytes.
/// </summary>
internal sealed class CheckpointImage
{
    private readonly List<(string Name, IO.SegmentedBuffer Bytes)> sections = new();

    private CheckpointImage()
    {
    }

    /// <summary>The bytes held (about the model's and the optimiser's state together).</summary>
    public long Length => sections.Sum(s => s.Bytes.Length);

    /// <summary>Copies the learner's checkpoint now (see <see cref="Checkpoint.Write"/> for the arguments).</summary>
    public static CheckpointImage Capture(Learner learn, int startEpoch, int nextBatch)
    {
        var image = new CheckpointImage();
        Checkpoint.WriteSections(learn, startEpoch, nextBatch, (name, write) =>
        {
            var bytes = new IO.SegmentedBuffer();
            using (var w = new BinaryWriter(bytes, Encoding.UTF8, leaveOpen: true))
            {
                write(w);
            }

            image.sections.Add((name, bytes));
        });
        return image;
    }

    /// <summary>Writes the copy to <paramref name="path"/> atomically; safe on any thread.</summary>
    public void Write(string path) =>
        CheckpointFile.Write(path, w =>
        {
            foreach (var (name, bytes) in sections)
            {
                w.Section(name, b => bytes.WriteTo(b.BaseStream));
            }
        });
}
