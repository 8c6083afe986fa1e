using System.Globalization;
using CallbackGen.Samples.InitStudy;

// The √5 study: `dotnet run --project Samples/InitStudy [-- --out DIR --images N --depth N]`.
var options = new StudyOptions();
for (int i = 0; i < args.Length; i++)
{
    string? value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--out" when value is not null:
            options = options with { Out = value };
            break;
        case "--data" when value is not null:
            options = options with { Data = value };
            break;
        case "--images" when int.TryParse(value, CultureInfo.InvariantCulture, out int images) && images > 1:
            options = options with { Images = images };
            break;
        case "--depth" when int.TryParse(value, CultureInfo.InvariantCulture, out int depth) && depth > 0:
            options = options with { Depth = depth };
            break;
        default:
            Console.Error.WriteLine($"error: unexpected argument '{args[i]}'{(value is null ? "" : $" '{value}'")}");
            Console.Error.WriteLine("usage: dotnet run --project Samples/InitStudy -- [--out DIR] [--data DIR] [--images N>1] [--depth N>0]");
            return 2;
    }

    i++;
}

Study.Run(options, Console.Out);
return 0;
