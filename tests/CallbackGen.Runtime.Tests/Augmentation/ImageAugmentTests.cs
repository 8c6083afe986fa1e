using CallbackGen.Augmentation;
using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Augmentation;

public partial class ImageAugmentTests
{
    private static Tensor Images(long n = 6, long seed = 4)
    {
        using var g = new Generator((ulong)seed);
        return rand(new long[] { n, 2, 7, 9 }, generator: g) + 0.1;
    }

    [Fact]
    public void One_seed_gives_the_same_augmented_batches_and_another_seed_others()
    {
        using Tensor x = Images();
        using var a = new ImageAugment(seed: 1);
        using var b = new ImageAugment(seed: 1);
        using var c = new ImageAugment(seed: 2);

        using Tensor a1 = a.Apply(x), a2 = a.Apply(x), b1 = b.Apply(x), b2 = b.Apply(x), c1 = c.Apply(x);

        Assert.True(a1.equal(b1).all().item<bool>() && a2.equal(b2).all().item<bool>());
        Assert.False(a1.equal(a2).all().item<bool>());
        Assert.False(a1.equal(c1).all().item<bool>());
        Assert.Equal(x.shape, a1.shape);
    }

    [Fact]
    public void Flip_with_probability_one_mirrors_every_image()
    {
        using Tensor x = Images();
        using var flip = new ImageAugment(padding: 0, flipProbability: 1, eraseProbability: 0);

        using Tensor y = flip.Apply(x);

        Assert.True(y.equal(x.flip(3)).all().item<bool>());
    }

    [Fact]
    public void Crop_after_padding_gives_each_image_a_window_of_its_padded_self()
    {
        using Tensor x = Images(n: 16);
        const int p = 2;
        using var crop = new ImageAugment(padding: p, flipProbability: 0, eraseProbability: 0, seed: 3);

        using Tensor y = crop.Apply(x);

        using Tensor padded = nn.functional.pad(x, new long[] { p, p, p, p });
        var offsets = new HashSet<(int, int)>();
        for (int i = 0; i < 16; i++)
        {
            (int, int)? found = null;
            for (int dy = 0; dy <= 2 * p && found is null; dy++)
            {
                for (int dx = 0; dx <= 2 * p && found is null; dx++)
                {
                    using Tensor window = padded[i, .., dy..(dy + 7), dx..(dx + 9)];
                    if (window.equal(y[i]).all().item<bool>())
                    {
                        found = (dy, dx);
                    }
                }
            }

            Assert.True(found.HasValue, $"image {i} is not a window of its padded self");
            offsets.Add(found.Value);
        }

        Assert.True(offsets.Count > 1, "every image got the same crop: the offsets must be drawn per image");
    }

    [Fact]
    public void Erasing_zeroes_one_rectangle_per_erased_image_and_leaves_the_rest()
    {
        using Tensor x = Images(n: 32);
        using var erase = new ImageAugment(padding: 0, flipProbability: 0, eraseProbability: 1, seed: 5);

        using Tensor y = erase.Apply(x);

        for (int i = 0; i < 32; i++)
        {
            using Tensor zero = y[i, 0].eq(0);
            long zeros = zero.sum().item<long>();
            Assert.InRange(zeros, 1, 7 * 9);

            // The erased pixels form a rectangle: as many as its rows times its columns.
            long rows = zero.any(1).sum().item<long>(), cols = zero.any(0).sum().item<long>();
            Assert.Equal(rows * cols, zeros);
            using Tensor kept = y[i].masked_select(y[i].ne(0));
            using Tensor original = x[i].masked_select(y[i].ne(0));
            Assert.True(kept.equal(original).all().item<bool>());
        }
    }

    [Fact]
    public void Augmentation_runs_on_training_batches_only()
    {
        using var x = Images(n: 8);
        using var y = zeros(8, ScalarType.Int64);
        var model = nn.Sequential(("flat", nn.Flatten()), ("lin", nn.Linear(2 * 7 * 9, 2)));
        var data = new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 4));
        var seen = new SeenInputs();
        using var learn = new Learner(model, data, Losses.CrossEntropy, cbs: new Callback[] { new ImageAugment(seed: 1), seen });

        learn.Fit(1);

        Assert.Equal(2, seen.Train.Count);
        Assert.Equal(2, seen.Valid.Count);
        Assert.Contains(seen.Train, t => t.Changed);
        Assert.DoesNotContain(seen.Valid, t => t.Changed);
    }

    [Fact]
    public void Bad_settings_and_shapes_are_refused_with_a_message()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugment(flipProbability: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugment(padding: -1));
        using var aug = new ImageAugment();
        using Tensor flat = zeros(4, 784);
        var ex = Assert.Throws<ArgumentException>(() => aug.Apply(flat));
        Assert.Contains("[batch, channels, height, width]", ex.Message);
    }

    /// <summary>Records whether each batch's inputs differ from the loader's (unshuffled, so batch i is samples 4i..4i+3).</summary>
    private sealed partial class SeenInputs : Callback
    {
        public List<(bool Changed, int Iter)> Train { get; } = new();

        public List<(bool Changed, int Iter)> Valid { get; } = new();

        [Callback(Order = 10)]
        private void BeforeBatch()
        {
            Tensor raw = Learn.Dl!.Inputs[(4 * Iter)..(4 * Iter + 4)];
            (Training ? Train : Valid).Add((Changed: !Xb.equal(raw).all().item<bool>(), Iter));
        }
    }
}
