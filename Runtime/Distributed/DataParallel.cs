using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Distributed;

/// <summary>
/// Trains one model on every rank of an MPI job as one process would with the global batch
/// (Horovod's design): rank 0's parameters and buffers are broadcast when a fit starts; after the
/// backward pass, before the optimiser step, every rank's gradients are averaged (weighted by each
/// rank's samples), in flat buckets; the phase averages (losses, metrics) are summed across ranks
/// before they are published; and every rank leaves the fit after the same batch. Attach it on every
/// rank, with data cut by <see cref="DataBunchSharding.Shard(Data.DataBunch, MpiWorld)"/>.
/// </summary>
/// <remarks>
/// <para>
/// Orders: the gradients are averaged in <c>BeforeStep</c> at order −100, before
/// <see cref="GradientClip"/> (0) and any other handler that reads them, and only on batches that step
/// (with <see cref="GradientAccumulation"/>, once per group, as Horovod's backward passes per step). The
/// learner's <c>Loss</c> is then the global batch's loss, so the <see cref="Recorder"/>, the LR
/// finder and anything after it see the same value on every rank. The phase sums are combined at order
/// −6, just before <see cref="AvgStatsCallback"/> (−5) publishes them.
/// </para>
/// <para>
/// BatchNorm statistics stay per rank (as in Horovod and PyTorch's DDP without SyncBatchNorm): each
/// rank normalises its own shard of the batch and keeps its running statistics; rank 0's are what its
/// checkpoints hold, and they are broadcast to every rank when the next fit starts.
/// </para>
/// <para>
/// An exception that ends a fit on one rank ends the job: this callback writes one line naming the rank
/// and the exception to standard error and calls <c>MPI_Abort</c>, so the other ranks do not wait
/// forever in the next collective. Checkpoints record the number of ranks; a resume on another number is refused.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using MpiWorld world = MpiWorld.Init();
/// using var learn = new Learner(model, data.Shard(world), Losses.CrossEntropy, cbs: [new DataParallel(world)]);
/// learn.Fit(3);
/// </code>
/// </example>
public sealed partial class DataParallel : Callback, IDisposable
{
    private readonly Stopwatch reduceClock = new();
    private readonly double[] stepStats = new double[5];
    [Transient] private List<GradientBucket>? buckets;
    [Transient] private long samplesSinceStep;
    [Transient] private long steps;

    // This epoch's training loss sum and sample count over every rank, up to the last step: rank 0's
    // checkpoint holds them, since its AvgStatsCallback's sums are its own shard's (pending: not yet reduced).
    [Transient] private double pendingLoss;
    [Transient] private long pendingCount;
    [Transient] private double trainLossSum;
    [Transient] private long trainCount;

    // The number of ranks of the fit that wrote a checkpoint: a resume on another number is refused.
    [Checkpointed] private int worldSize;
    [Checkpointed] private double savedTrainLossSum;
    [Checkpointed] private long savedTrainCount;

    /// <summary>Creates the callback.</summary>
    /// <param name="world">The MPI job (<see cref="MpiWorld.Init"/>).</param>
    /// <param name="bucketMegabytes">The most gradient data one all-reduce carries (MiB); more buckets overlap nothing here, fewer calls cost less.</param>
    public DataParallel(MpiWorld world, double bucketMegabytes = 16)
    {
        World = world ?? throw new ArgumentNullException(nameof(world));
        if (!(bucketMegabytes > 0) || double.IsInfinity(bucketMegabytes))
        {
            throw new ArgumentOutOfRangeException(nameof(bucketMegabytes), bucketMegabytes, "The bucket size must be a positive number of MiB.");
        }

        BucketBytes = (long)(bucketMegabytes * 1024 * 1024);
        worldSize = world.Size;
    }

    /// <summary>The MPI job.</summary>
    public MpiWorld World { get; }

    /// <summary>
    /// Fits, LR finders and validations, which every rank runs together (collectives); not predictions,
    /// which a rank may run alone (on its shard, or rank 0 on data of its own).
    /// </summary>
    public override RunKinds RunsIn => RunKinds.Fit | RunKinds.LrFind | RunKinds.Validate;

    /// <summary>The most gradient bytes one all-reduce carries.</summary>
    public long BucketBytes { get; }

    /// <summary>The number of all-reduce calls of each step (the buckets, plus one for the batch's sample count and loss).</summary>
    public int CallsPerStep => (buckets?.Count ?? 0) + 1;

    /// <summary>Optimiser steps whose gradients were averaged since the last fit started.</summary>
    public long Steps => steps;

    /// <summary>The wall time spent averaging gradients since the last fit started (copies and all-reduce).</summary>
    public TimeSpan ReduceTime => reduceClock.Elapsed;

    [Callback(Order = -100)]
    private void BeforeFit()
    {
        steps = 0;
        reduceClock.Reset();
        samplesSinceStep = 0;
        Release();
        buckets = GradientBucket.Build(Model.parameters(), BucketBytes);
        BroadcastModel();
        Learn.StopAgreement = AnyRankStops;
    }

    [Callback(Order = -100)]
    private void BeforeTrain() => (pendingLoss, pendingCount, trainLossSum, trainCount) = (0, 0, 0, 0);

    // After AvgStatsCallback (−5) read the loss as the loss function returned it.
    [Callback(Order = -4)]
    private void AfterLoss()
    {
        if (Training && Loss is not null)
        {
            long bs = Yb.shape.Length == 0 ? 1 : Yb.shape[0];
            pendingLoss += bs * LossValue(Loss);
            pendingCount += bs;
        }
    }

    [Callback(Order = -100)]
    private void AfterBackward() => samplesSinceStep += Yb.shape.Length == 0 ? 1 : Yb.shape[0];

    [Callback(Order = -100)]
    private void BeforeStep()
    {
        reduceClock.Start();
        long samples = samplesSinceStep;
        samplesSinceStep = 0;
        double loss = Loss is null ? 0 : LossValue(Loss);

        // The step's samples on every rank (and their squares: equal counts, the usual case, average
        // without rescaling, which keeps the result equal to one process's to the last bit more often).
        stepStats[0] = samples;
        stepStats[1] = (double)samples * samples;
        stepStats[2] = samples * loss;
        (stepStats[3], stepStats[4]) = (pendingLoss, pendingCount);
        (pendingLoss, pendingCount) = (0, 0);
        World.AllReduceSum(stepStats);
        trainLossSum += stepStats[3];
        trainCount += (long)stepStats[4];
        double total = stepStats[0];
        bool equal = World.Size * stepStats[1] == total * total;
        foreach (GradientBucket bucket in buckets!)
        {
            bucket.Gather();
            if (!equal)
            {
                using Scalar weight = ((double)samples).ToScalar();
                bucket.Buffer.mul_(weight);
            }

            World.AllReduceSum(bucket.Buffer);
            using Scalar divisor = (equal ? World.Size : total).ToScalar();
            bucket.Buffer.div_(divisor);
            bucket.Scatter();
        }

        if (Loss is not null && total > 0)
        {
            // Not for the loop (backward is done) but for the handlers after this one (Recorder, LrFinder,
            // loggers at AfterBatch): every rank reads the global batch's loss. Created in the batch's scope.
#pragma warning disable CBG0012 // the write is for the later handlers named above, not for the loop
            Loss = tensor(stepStats[2] / total, ScalarType.Float32, Loss.device);
#pragma warning restore CBG0012
        }

        steps++;
        reduceClock.Stop();
    }

    [Callback(Order = -6)]
    private void AfterTrain() => CombinePhase();

    [Callback(Order = -6)]
    private void AfterValidate() => CombinePhase();

    /// <inheritdoc/>
    protected override void OnSavingState() => (savedTrainLossSum, savedTrainCount) = (trainLossSum, trainCount);

    /// <inheritdoc/>
    protected override void OnStateLoaded()
    {
        if (worldSize != World.Size)
        {
            int written = worldSize;
            worldSize = World.Size;
            throw new InvalidOperationException(
                $"The checkpoint was written by a fit on {written} rank(s); this fit runs on {World.Size}. Resume on {written} ranks (mpirun -np {written}): the data's shards, the batch per rank and the random streams depend on the number of ranks.");
        }

        // Every rank loaded rank 0's training sums (its shard's): rank 0 takes the whole epoch's so far, the
        // others none, so the sums combined at AfterTrain are those of an uninterrupted fit. (AvgStatsCallback
        // was attached first and has loaded its state already.)
        (trainLossSum, trainCount) = (savedTrainLossSum, savedTrainCount);
        Learn.Get<AvgStatsCallback>()?.SetTrainingLoss(Rank == 0 ? savedTrainLossSum : 0, Rank == 0 ? savedTrainCount : 0);
    }

    /// <inheritdoc/>
    protected internal override void Teardown(Exception? error)
    {
        Learn.StopAgreement = null;
        Release();
        if (error is not null && World.Size > 1)
        {
            // The other ranks are (or soon will be) waiting in a collective this rank will never join.
            World.Fail(error);
        }
    }

    /// <summary>Releases the gradient buffers.</summary>
    public void Dispose() => Release();

    private static double LossValue(Tensor loss)
    {
        using Tensor value = loss.detach().cpu().to_type(ScalarType.Float64);
        return value.dim() == 0 ? value.item<double>() : value.mean().item<double>();
    }

    private bool AnyRankStops(bool stopHere)
    {
        Span<long> flag = [stopHere ? 1 : 0];
        World.AllReduceMax(flag);
        return flag[0] != 0;
    }

    private void CombinePhase() =>
        Learn.Get<AvgStatsCallback>()?.CombineAcrossRanks(SumAcrossRanks, count =>
        {
            Span<long> n = [count];
            World.AllReduceSum(n);
            return n[0];
        });

    private void SumAcrossRanks(Tensor t)
    {
        if (t.device_type == DeviceType.CPU && t.is_contiguous())
        {
            World.AllReduceSum(t);
            return;
        }

        using Tensor staged = t.cpu().contiguous();
        World.AllReduceSum(staged);
        t.copy_(staged);
    }

    // Every parameter and buffer from rank 0, in state_dict order; the shapes are checked first, so
    // ranks that built different models fail with a message instead of corrupting memory.
    private void BroadcastModel()
    {
        Tensor[] tensors = Model.state_dict().Values.ToArray();
        long elements = tensors.Sum(t => t.numel());
        Span<long> shape = [tensors.Length, elements, -tensors.Length, -elements];
        World.AllReduceMax(shape);
        if (shape[0] != -shape[2] || shape[1] != -shape[3])
        {
            throw new InvalidOperationException(
                $"The ranks' models differ (this rank's has {tensors.Length} tensors, {elements} values); every rank must build the same model.");
        }

        using (no_grad())
        {
            foreach (Tensor t in tensors)
            {
                if (t.device_type == DeviceType.CPU && t.is_contiguous())
                {
                    World.Broadcast(t);
                    continue;
                }

                using Tensor staged = t.cpu().contiguous();
                World.Broadcast(staged);
                t.copy_(staged);
            }
        }
    }

    private void Release()
    {
        foreach (GradientBucket bucket in buckets ?? [])
        {
            bucket.Dispose();
        }

        buckets = null;
    }
}
