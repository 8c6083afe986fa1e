namespace CallbackGen.Runtime.Tests.Support;

/// <summary>
/// Records every training batch that completed (epoch, batch, a fingerprint of its inputs) and
/// keeps the record in checkpoints, so after a resume its list must equal an uninterrupted run's:
/// no batch skipped, none repeated, same order.
/// </summary>
public sealed partial class BatchCanary : Callback, ICheckpointable
{
    public List<(int Epoch, int Iter, float Fingerprint)> Seen { get; } = new();

    public List<(int Epoch, int Iter)> SeenThisFit { get; } = new();

    protected override string DefaultStateKey => "canary";

    [Callback]
    private void BeforeFit()
    {
        Seen.Clear();
        SeenThisFit.Clear();
    }

    [Callback]
    private void AfterBatch()
    {
        if (Training)
        {
            Seen.Add((Epoch, Iter, Xb.sum().item<float>()));
            SeenThisFit.Add((Epoch, Iter));
        }
    }

    public void SaveState(BinaryWriter writer)
    {
        writer.Write(Seen.Count);
        foreach (var (e, i, f) in Seen)
        {
            writer.Write(e);
            writer.Write(i);
            writer.Write(f);
        }
    }

    public void LoadState(BinaryReader reader)
    {
        Seen.Clear();
        int n = reader.ReadInt32();
        for (int k = 0; k < n; k++)
        {
            Seen.Add((reader.ReadInt32(), reader.ReadInt32(), reader.ReadSingle()));
        }
    }
}
