namespace CallbackGen.Augmentation;

/// <summary>Draws from Beta(α, α) as X/(X+Y) with X, Y ~ Gamma(α) (Marsaglia and Tsang's method), from a seeded <see cref="Random"/>.</summary>
internal static class Beta
{
    public static double Sample(Random random, double alpha)
    {
        double x = Gamma(random, alpha), y = Gamma(random, alpha);
        double sum = x + y;

        // Both can underflow to 0 for a tiny alpha; the limit of the distribution is a fair coin between 0 and 1.
        return sum > 0 ? x / sum : (random.NextDouble() < 0.5 ? 0 : 1);
    }

    private static double Gamma(Random random, double alpha)
    {
        if (alpha < 1)
        {
            // Gamma(α) = Gamma(α + 1) · U^(1/α).
            double u = random.NextDouble();
            return Gamma(random, alpha + 1) * Math.Pow(u, 1 / alpha);
        }

        double d = alpha - (1.0 / 3), c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double z, v;
            do
            {
                z = Normal(random);
                v = 1 + (c * z);
            }
            while (v <= 0);

            v = v * v * v;
            double u = random.NextDouble();
            if (Math.Log(u) < (0.5 * z * z) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    private static double Normal(Random random)
    {
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
