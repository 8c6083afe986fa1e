using CallbackGen.Crash;

return args.FirstOrDefault() switch
{
    "train" when args.Length >= 2 => CrashTask.Train(args[1], delayMs: Option(args, "--delay-ms", 15), live: args.Contains("--live")),
    "soak" when args.Length >= 3 => KillLoop.Soak(kills: int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), report: args[2], seed: Option(args, "--seed", 1)),
    _ => Usage(),
};

static int Option(string[] args, string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

static int Usage()
{
    Console.Error.WriteLine("usage: CallbackGen.Crash train DIR [--delay-ms N] [--live] | soak KILLS REPORT.md [--seed N]");
    return 2;
}
