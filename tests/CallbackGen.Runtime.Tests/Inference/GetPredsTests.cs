using CallbackGen.Data;
using CallbackGen.Inference;
using CallbackGen.Runtime.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Inference;

public partial class GetPredsTests
{
    [Fact]
    public void GetPreds_returns_predictions_targets_and_losses_in_order_equal_to_a_manual_loop()
    {
        using var learn = TinyTask.Learner(validBatches: 3);
        learn.Fit(1);
        DataLoader valid = learn.Data.Valid;

        using Predictions p = learn.GetPreds(withLoss: true);

        Assert.Equal(new long[] { valid.Length, 2 }, p.Preds.shape);
        Assert.Equal(valid.Targets.data<long>().ToArray(), p.Targets.data<long>().ToArray());
        Assert.Equal(new long[] { valid.Length }, p.Losses!.shape);
        using (no_grad())
        {
            learn.Model.eval();
            using Tensor expected = learn.Model.forward(valid.Inputs);
            Assert.True(p.Preds.allclose(expected, rtol: 0, atol: 1e-6));
            for (int i = 0; i < valid.Length; i++)
            {
                using Tensor one = nn.functional.cross_entropy(expected[i..(i + 1)], valid.Targets[i..(i + 1)]);
                Assert.Equal(one.item<float>(), p.Losses[i].item<float>(), 5);
            }
        }

        using Tensor decoded = p.Decoded();
        using Tensor argmax = p.Preds.argmax(1);
        Assert.True(decoded.equal(argmax).all().item<bool>());
    }

    [Fact]
    public void GetPreds_and_Predict_apply_the_batch_transforms_as_training_does()
    {
        var doubled = new BatchTransform(x => x * 2);
        using var learn = TinyTask.Learner(cbs: new[] { doubled }, validBatches: 2);
        DataLoader valid = learn.Data.Valid;
        using Tensor expected = Direct(learn, valid.Inputs * 2);

        using Predictions p = learn.GetPreds();
        using Tensor onBatch = learn.Predict(valid.Inputs);
        using Tensor onSample = learn.PredictOne(valid.Inputs[1]);

        Assert.True(p.Preds.allclose(expected, rtol: 0, atol: 1e-6));
        Assert.True(onBatch.allclose(expected, rtol: 0, atol: 1e-6));
        Assert.Equal(new long[] { 2 }, onSample.shape);
        Assert.True(onSample.allclose(expected[1], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void A_prediction_leaves_the_stats_the_mode_and_a_shuffled_loaders_order_as_they_were()
    {
        using var learn = TinyTask.Learner(validBatches: 2);
        learn.Fit(1);
        PhaseStats? stats = learn.ValidStats;
        learn.Model.train();
        using var x = randn(8, 3);
        using var y = zeros(8, ScalarType.Int64);
        using var shuffled = new DataLoader(x, y, 4, shuffle: true, generator: new Generator(3));
        byte[] state = shuffled.GetShuffleState()!;

        using Predictions _ = learn.GetPreds(shuffled);

        Assert.Same(stats, learn.ValidStats);
        Assert.True(learn.Model.training);
        Assert.Equal(state, shuffled.GetShuffleState());
    }

    [Fact]
    public void Validation_phase_handlers_run_in_a_prediction_and_training_ones_do_not()
    {
        var log = new PhaseLog();
        using var learn = TinyTask.Learner(cbs: new[] { log }, validBatches: 2);

        using Predictions _ = learn.GetPreds();

        Assert.Equal(new[] { "BeforeValidate", "BeforeBatch:False", "BeforeBatch:False", "AfterValidate" }, log.Events);
    }

    private static Tensor Direct(Learner learn, Tensor x)
    {
        using var _ = no_grad();
        learn.Model.eval();
        return learn.Model.forward(x);
    }

    private sealed partial class PhaseLog : Callback
    {
        public List<string> Events { get; } = new();

        [Callback] private void BeforeFit() => Events.Add("BeforeFit");

        [Callback] private void BeforeTrain() => Events.Add("BeforeTrain");

        [Callback] private void BeforeValidate() => Events.Add("BeforeValidate");

        [Callback] private void BeforeBatch() => Events.Add("BeforeBatch:" + Training);

        [Callback] private void AfterValidate() => Events.Add("AfterValidate");
    }
}

public class SummaryOfOneLayerTests
{
    [Fact]
    public void A_model_that_is_one_layer_is_summarised_as_that_layer()
    {
        using var learn = TinyTask.Learner();

        var s = learn.Summary();

        Assert.Equal(new long[] { 2, 3 }, s.InputShape);
        var layer = Assert.Single(s.Layers);
        Assert.Equal(("Linear", "[2, 2]", 8L), (layer.Type, layer.OutputShapeText, layer.Parameters));
    }
}
