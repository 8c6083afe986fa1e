using CallbackGen.Crash;

return args.FirstOrDefault() switch
{
    "train" when args.Length >= 2 => CrashTask.Train(args[1], delayMs: Option(args, "--delay-ms", 15), live: args.Contains("--live")),
    "soak" => Soak.Run(args[1..]),
    _ => Usage(),
};

static int Option(string[] args, string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

static int Usage()
{
    Console.Error.WriteLine("usage: CallbackGen.Crash train DIR [--delay-ms N] [--live] | soak [--kills N] [--seed N] [--delay-ms N] [--out DIR]");
    return 2;
}
