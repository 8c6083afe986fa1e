using System.Diagnostics;
using System.Text;
using CallbackGen.Samples.FashionMnist;
using CallbackGen.Tests;
using Xunit.Abstractions;

namespace CallbackGen.Samples.Tests;

/// <summary>
/// The sample's <c>--resume PATH</c> alone continues a run killed with SIGKILL (issue 29): the model
/// kind, epochs, learning rate, batch size, seed and data come from the run.json written when the fit
/// started, and the resumed run ends on the uninterrupted run's final row.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ResumeFromRunFolderTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory dir = new("callbackgen-resume-");

    private string[] Run(string outDir) =>
        ["--model", "cnn", "--epochs", "4", "--lr", "2e-3", "--bs", "64", "--seed", "7", "--train-count", "1000", "--valid-count", "200",
         "--data", EmbeddedData.Folder, "--threads", "1", "--min-accuracy", "0", "--out", outDir];

    [Fact]
    public void A_cnn_run_killed_in_epoch_2_resumes_from_its_folder_with_resume_alone_to_the_uninterrupted_final_row()
    {
        string whole = dir["whole"];
        (int code, string log) = Sample(Run(whole), killAfterLine: null);
        Assert.True(code == ExitCodes.Success, log);

        // Killed once the row of epoch 1 is out: the process is in epoch 2 (counted from 0).
        string killed = dir["killed"];
        (int killedCode, string killedLog) = Sample(Run(killed), killAfterLine: "epoch 1 ");
        Assert.True(killedCode != ExitCodes.Success && File.Exists(Path.Combine(killed, FashionMnistJob.CheckpointFile)), killedLog);
        Assert.True(File.Exists(Path.Combine(killed, RunInfo.FileName)), "run.json is written when the fit starts:\n" + killedLog);

        (int resumedCode, string resumedLog) = Sample(["--resume", Path.Combine(killed, FashionMnistJob.CheckpointFile)], killAfterLine: null);
        output.WriteLine(resumedLog);
        Assert.True(resumedCode == ExitCodes.Success, resumedLog);
        Assert.Contains("resuming with --model cnn --epochs 4 --bs 64 --lr 0.002 --seed 7", resumedLog, StringComparison.Ordinal);
        Assert.DoesNotContain("LR finder", resumedLog, StringComparison.Ordinal);
        Assert.Equal(FinalRow(whole), FinalRow(killed));
    }

    [Fact]
    public void A_flag_that_contradicts_the_run_is_refused_in_one_line_of_command_line_terms()
    {
        string folder = dir["run"];
        Directory.CreateDirectory(folder);
        string checkpoint = Path.Combine(folder, FashionMnistJob.CheckpointFile);
        File.WriteAllText(checkpoint, "not read: the command line is refused first");
        new RunInfo("cnn", 4, 64, 2e-3, 7, EmbeddedData.Folder).Write(folder);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = FashionMnistCli.Run(["--resume", checkpoint, "--epochs", "5"], stdout, stderr);

        Assert.Equal(ExitCodes.Usage, code);
        string line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --epochs 5: the run being resumed was started with --epochs 4", line, StringComparison.Ordinal);
        Assert.Contains("leave --epochs out or give --epochs 4", line, StringComparison.Ordinal);
        Assert.DoesNotContain("epochs:", line, StringComparison.Ordinal);
        Assert.DoesNotContain("strict", line, StringComparison.Ordinal);
    }

    public void Dispose() => dir.Dispose();

    // The last metrics.csv row without its time column.
    private static string FinalRow(string folder)
    {
        string last = File.ReadAllLines(Path.Combine(folder, FashionMnistJob.MetricsFile)).Last(l => l.Length > 0);
        return last[..last.LastIndexOf(',')];
    }

    private static (int Code, string Log) Sample(string[] args, string? killAfterLine)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FashionMnist.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        var log = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (killAfterLine is not null && e.Data.StartsWith(killAfterLine, StringComparison.Ordinal))
            {
                process.Kill(); // SIGKILL
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        lock (log)
        {
            return (process.ExitCode, log.ToString());
        }
    }
}
