using System.Globalization;
using Xunit.Abstractions;

namespace CallbackGen.Runtime.Tests.Distributed;

/// <summary>
/// Real two-rank jobs under mpirun (bench/Distributed's fit: an MLP without BatchNorm on seeded data,
/// 1,024 samples, SGD with momentum, 2 epochs), against the same fit in one process. Skipped, with
/// the reason, where Open MPI is not installed.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DataParallelJobTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-mpi-").FullName;

    [SkippableFact]
    public void Two_ranks_of_batch_32_train_as_one_process_of_batch_64_and_only_rank_0_writes()
    {
        Skip.If(MpiJob.Unavailable is not null, MpiJob.Unavailable);
        string one = Path.Combine(dir, "one");
        string two = Path.Combine(dir, "two");

        Ok(MpiJob.Run(0, Limit, "fit", "--out", one, "--bs", "64", "--epochs", "2"));
        Ok(MpiJob.Run(2, Limit, "fit", "--out", two, "--bs", "64", "--epochs", "2"));

        // Every step left both ranks with the same weights, bit for bit (each rank started from its own random init).
        string[] hashes0 = File.ReadAllLines(Path.Combine(two, "probe", "hashes-rank0.txt"));
        Assert.Equal(32, hashes0.Length);
        Assert.Equal(hashes0, File.ReadAllLines(Path.Combine(two, "probe", "hashes-rank1.txt")));

        float[] single = Weights(one, 0);
        float[] parallel = Weights(two, 0);
        double maxDiff = single.Zip(parallel, (a, b) => Math.Abs((double)a - b)).Max();
        output.WriteLine($"max |w1 - w2| = {maxDiff:E2} over {single.Length} weights");
        Assert.InRange(maxDiff, 0, 1e-5);

        double[][] rowsOne = Rows(Path.Combine(one, "run-rank0", "history.csv"));
        double[][] rowsTwo = Rows(Path.Combine(two, "run-rank0", "history.csv"));
        Assert.Equal(2, rowsTwo.Length);
        for (int e = 0; e < 2; e++)
        {
            // epoch, train_loss, valid_loss, accuracy (the time column differs).
            for (int c = 0; c < 4; c++)
            {
                output.WriteLine($"epoch {e} column {c}: {rowsOne[e][c]:R} vs {rowsTwo[e][c]:R}");
                Assert.InRange(Math.Abs(rowsOne[e][c] - rowsTwo[e][c]), 0, 1e-5);
            }
        }

        // Rank 1 ran the same CsvLogger and SaveModel, which took no part there: its run folder was never made.
        Assert.True(File.Exists(Path.Combine(two, "run-rank0", "last.ckpt")));
        Assert.False(Directory.Exists(Path.Combine(two, "run-rank1")));
    }

    [SkippableFact]
    public void Accumulation_clipping_and_one_cycle_on_two_ranks_train_as_in_one_process()
    {
        Skip.If(MpiJob.Unavailable is not null, MpiJob.Unavailable);
        string[] fit = ["fit", "--bs", "64", "--epochs", "2", "--accumulate", "3", "--clip", "0.5", "--one-cycle"];
        string one = Path.Combine(dir, "one");
        string two = Path.Combine(dir, "two");

        Ok(MpiJob.Run(0, Limit, [.. fit, "--out", one]));
        Ok(MpiJob.Run(2, Limit, [.. fit, "--out", two]));

        // 16 batches per epoch in groups of 3 (the last of 1): 6 steps per epoch.
        Assert.Equal(12, File.ReadAllLines(Path.Combine(two, "probe", "hashes-rank0.txt")).Length);
        Assert.Equal(File.ReadAllLines(Path.Combine(two, "probe", "hashes-rank0.txt")), File.ReadAllLines(Path.Combine(two, "probe", "hashes-rank1.txt")));
        double maxDiff = Weights(one, 0).Zip(Weights(two, 0), (a, b) => Math.Abs((double)a - b)).Max();
        output.WriteLine($"max |w1 - w2| = {maxDiff:E2}");
        Assert.InRange(maxDiff, 0, 1e-5);
        double[][] rowsOne = Rows(Path.Combine(one, "run-rank0", "history.csv"));
        double[][] rowsTwo = Rows(Path.Combine(two, "run-rank0", "history.csv"));
        Assert.All(rowsOne.Zip(rowsTwo), p => Assert.All(p.First[..4].Zip(p.Second[..4]), v => Assert.InRange(Math.Abs(v.First - v.Second), 0, 1e-5)));
    }

    [SkippableFact]
    public void A_rank_that_throws_ends_the_job_with_its_message_instead_of_hanging_the_other()
    {
        Skip.If(MpiJob.Unavailable is not null, MpiJob.Unavailable);

        // The limit is the assertion: a hung collective would fail the test when it runs out.
        MpiJob.Result r = MpiJob.Run(2, TimeSpan.FromSeconds(60), "fit", "--out", dir, "--throw-rank", "1", "--throw-epoch", "1");
        output.WriteLine(r.Error);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("rank 1 of 2 failed, ending the job: InvalidOperationException: planted failure on rank 1 in epoch 1", r.Error);
    }

    [SkippableFact]
    public void After_a_kill_9_of_one_rank_a_resume_on_two_ranks_ends_with_the_uninterrupted_weights()
    {
        Skip.If(MpiJob.Unavailable is not null, MpiJob.Unavailable);
        string whole = Path.Combine(dir, "whole");
        string killed = Path.Combine(dir, "killed");
        Ok(MpiJob.Run(2, Limit, "fit", "--out", whole, "--save-every", "3"));

        MpiJob.Result k = MpiJob.Run(2, Limit, "fit", "--out", killed, "--save-every", "3", "--kill-rank", "1", "--kill-epoch", "1");
        Assert.NotEqual(0, k.ExitCode);
        Assert.False(File.Exists(Path.Combine(killed, "probe", "weights-rank0.bin")), "the killed job must not have finished");

        Ok(MpiJob.Run(2, Limit, "fit", "--out", killed, "--save-every", "3", "--resume", Path.Combine(killed, "run-rank0", "last.ckpt")));

        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "probe", "weights-rank0.bin")), File.ReadAllBytes(Path.Combine(killed, "probe", "weights-rank0.bin")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(killed, "probe", "weights-rank0.bin")), File.ReadAllBytes(Path.Combine(killed, "probe", "weights-rank1.bin")));
        double[][] rowsWhole = Rows(Path.Combine(whole, "run-rank0", "history.csv"));
        double[][] rowsResumed = Rows(Path.Combine(killed, "run-rank0", "history.csv"));
        Assert.Equal(rowsWhole.Select(r => r[..4]), rowsResumed.Select(r => r[..4]));
    }

    [Fact]
    public void Asking_for_distributed_training_without_MPI_says_what_to_install()
    {
        // A library name that cannot load stands for a machine without MPI.
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { MpiJob.Child, "fit", "--out", dir, "--distributed" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CALLBACKGEN_MPI_LIBRARY"] = "libcallbackgen-no-such-mpi.so.0";
        using var p = System.Diagnostics.Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "the program did not end");

        Assert.Equal(3, p.ExitCode);
        Assert.Contains("apt-get install openmpi-bin", err);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Ok(MpiJob.Result r)
    {
        output.WriteLine(r.Output);
        Assert.True(r.ExitCode == 0, $"exit code {r.ExitCode}\n{r.Error}");
    }

    private static float[] Weights(string outDir, int rank)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(outDir, "probe", $"weights-rank{rank}.bin"));
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static double[][] Rows(string csv) =>
        File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
}
