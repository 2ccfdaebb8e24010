using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using UNetDsl.Data;
using UNetDsl.Training;
using Xunit;

namespace UNetDsl.Tests.App;

/// <summary>The unet app as a user runs it: a separate process, its exit code and its one-line errors.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-app-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static (int ExitCode, string Output) Unet(params string[] arguments) => UnetWith(null, arguments);

    /// <summary>Runs unet with <paramref name="environment"/> added to (or, for null values, removed from) its environment.</summary>
    internal static (int ExitCode, string Output) UnetWith(System.Collections.Generic.IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var app = Path.Combine(AppContext.BaseDirectory, "unet.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new System.Collections.Generic.Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(app);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "unet did not finish");
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    [Fact]
    public void Missing_data_folder_is_one_clear_error()
    {
        var (code, output) = Unet("train", "--data", Path.Combine(_folder, "nowhere"), "--out", Path.Combine(_folder, "run"));

        Assert.Equal(2, code);
        Assert.Contains("error: Data folder", output, StringComparison.Ordinal);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_without_label_fails_and_keeps_the_last_checkpoint()
    {
        var data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "labels"));
        ImageIO.WriteGray8(Path.Combine(data, "images", "07.png"), new GrayImage(new float[64 * 64], 64, 64));
        var run = Path.Combine(_folder, "run");
        Directory.CreateDirectory(run);
        var checkpoint = Path.Combine(run, "checkpoint.unet");
        File.WriteAllText(checkpoint, "the last good checkpoint");

        var (code, output) = Unet("train", "--data", data, "--out", run);

        Assert.Equal(2, code);
        Assert.Contains("07.png' has no label", output, StringComparison.Ordinal);
        Assert.Equal("the last good checkpoint", File.ReadAllText(checkpoint));
    }

    [Fact]
    public void Unreadable_checkpoint_and_unknown_architecture_are_clear_errors()
    {
        var foreign = Path.Combine(_folder, "foreign.unet");
        File.WriteAllText(foreign, "not a checkpoint");

        var (code, output) = Unet("predict", "--model", foreign, "--input", foreign);
        Assert.Equal(2, code);
        Assert.Contains("is not a UNetDsl checkpoint", output, StringComparison.Ordinal);

        (code, output) = Unet("summary", "--arch", "huge");
        Assert.Equal(2, code);
        Assert.Contains("Unknown network 'huge'. Known: small, small3, paper, attention, cicek3d, small3d, em3d.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_predict_and_evaluate_end_to_end_write_their_pictures()
    {
        var run = Path.Combine(_folder, "run");
        var (code, output) = Unet("train", "--steps", "4", "--steps-per-epoch", "2", "--validation", "2", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("Metrics on 2 held-out image(s)", output, StringComparison.Ordinal);

        // The default network trains in the layout PrepareForTraining chooses for this CPU, and says which.
        Assert.Contains(UNetDsl.Layers.Layer.ChannelsLastTrainsFaster(TorchSharp.torch.ScalarType.Float32) ? "training channels-last" : "training NCHW", output, StringComparison.Ordinal);

        var pictures = Path.Combine(run, "pictures");
        foreach (var picture in new[] { "weight-map.png", "augmentation-preview.png", "loss-curve.png" })
        {
            Assert.True(File.Exists(Path.Combine(pictures, picture)), picture + " is missing");
        }

        Assert.Contains(Directory.GetFiles(pictures), f => f.EndsWith("-overlay.png", StringComparison.Ordinal));
        Assert.Contains(Directory.GetFiles(pictures), f => f.EndsWith("-prediction.png", StringComparison.Ordinal));
        Assert.Contains(Directory.GetFiles(pictures), f => f.EndsWith("-input.png", StringComparison.Ordinal));

        // Segment an image of another size than the training images, with the checkpoint just written.
        var sample = SyntheticCells.Generate(77, 150, 110);
        var image = Path.Combine(_folder, "cells.png");
        ImageIO.WriteGray8(image, sample.Image);
        (code, output) = Unet("predict", "--model", Path.Combine(run, "checkpoint.unet"), "--input", image, "--out", Path.Combine(_folder, "predicted"));
        Assert.True(code == 0, output);
        Assert.Contains("150x110", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder, "predicted", "cells-overlay.png")));

        var data = Path.Combine(_folder, "labelled");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "labels"));
        ImageIO.WriteGray8(Path.Combine(data, "images", "a.png"), sample.Image);
        ImageIO.WriteGray8(Path.Combine(data, "labels", "a.png"), new GrayImage(sample.Instances.Select(l => l > 0 ? 1f : 0f).ToArray(), 150, 110));
        (code, output) = Unet("evaluate", "--model", Path.Combine(run, "checkpoint.unet"), "--data", data);
        Assert.True(code == 0, output);
        Assert.Contains("Rand error", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_its_budget_stopped_resumes_to_the_end_of_its_plan_without_a_new_budget()
    {
        // 30 planned steps and a deadline that passes after the first: the time budget stops the run early.
        var run = Path.Combine(_folder, "budget");
        var (code, output) = Unet("train", "--steps", "30", "--steps-per-epoch", "5", "--validation", "1", "--batch", "1", "--minutes", "0.0001", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("of 30 steps: the time budget of 0 min is spent", output, StringComparison.Ordinal);
        var checkpoint = Path.Combine(run, TrainingOptions.CheckpointFileName);
        var stoppedAt = Checkpoint.ReadInfo(checkpoint).Step;
        Assert.InRange(stoppedAt, 1, 29);

        // --resume alone runs the recorded plan to its end (no 2.5-minute default budget for a resumed plan).
        (code, output) = Unet("train", "--validation", "1", "--out", run, "--resume");
        Assert.True(code == 0, output);
        Assert.Contains($"Resuming SmallUNet after step {stoppedAt:N0} of 30", output, StringComparison.Ordinal);
        Assert.Contains("Stopped after 30 steps: the plan is done.", output, StringComparison.Ordinal);
        Assert.Equal(30, Checkpoint.ReadInfo(checkpoint).Step);
    }

    [Fact]
    public void The_loss_is_chosen_on_the_command_line_recorded_in_the_plan_and_kept_on_resume()
    {
        var run = Path.Combine(_folder, "loss");
        var (code, output) = Unet("train", "--steps", "4", "--steps-per-epoch", "2", "--validation", "1", "--batch", "1", "--class-balance", "off", "--border-weight", "0", "--dice-weight", "0", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("Loss: plain cross-entropy.", output, StringComparison.Ordinal);
        var checkpoint = Path.Combine(run, TrainingOptions.CheckpointFileName);
        var plan = Checkpoint.ReadInfo(checkpoint).Plan!;
        Assert.Equal((false, 0f, 0.0), (plan.ClassBalance, plan.BorderWeight, plan.DiceWeight));

        // A resumed run keeps the recorded loss and names the options given that it left as recorded, and only those:
        // the defaults of --dice-weight (1) and --batch (4) differ from the plan too, but were not given.
        (code, output) = Unet("train", "--steps", "6", "--validation", "1", "--class-balance", "on", "--border-weight", "3", "--out", run, "--resume");
        Assert.True(code == 0, output);
        Assert.Contains("BorderWeight 3 (checkpoint: 0)", output, StringComparison.Ordinal);
        Assert.Contains("ClassBalance True (checkpoint: False)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("DiceWeight", output, StringComparison.Ordinal);
        Assert.DoesNotContain("BatchSize", output, StringComparison.Ordinal);
        plan = Checkpoint.ReadInfo(checkpoint).Plan!;
        Assert.Equal((false, 0f, 0.0, 6L), (plan.ClassBalance, plan.BorderWeight, plan.DiceWeight, plan.TotalSteps));

        // A plan a program recorded with a setting the command line has no option for (no augmentation) resumes as
        // recorded and is not reported as left so: the user asked for nothing else.
        var library = Path.Combine(_folder, "library");
        using (var network = new UNetApp.SmallUNet())
        {
            var options = new TrainingOptions { Steps = 2, StepsPerEpoch = 1, BatchSize = 1, Augment = false, OutputFolder = library, WritePictures = false };
            UNetTrainer.Train(network, SegmentationData.Synthetic(training: 2, validation: 1, seed: 3), options);
        }

        (code, output) = Unet("train", "--steps", "3", "--validation", "1", "--out", library, "--resume");
        Assert.True(code == 0, output);
        Assert.Contains("with the plan recorded in the checkpoint.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Augment", output, StringComparison.Ordinal);
        Assert.False(Checkpoint.ReadInfo(Path.Combine(library, TrainingOptions.CheckpointFileName)).Plan!.Augment);

        // The defaults are the paper's weighted cross-entropy plus soft Dice.
        (code, output) = Unet("train", "--steps", "1", "--validation", "1", "--batch", "1", "--out", Path.Combine(_folder, "default-loss"));
        Assert.True(code == 0, output);
        Assert.Contains("Loss: cross-entropy weighted by class balance and border w0 10 + 1 x soft Dice.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Killing_training_at_any_moment_leaves_a_loadable_checkpoint()
    {
        // One step per epoch: a checkpoint is written every few tens of milliseconds, so SIGKILLs land during writes.
        var run = Path.Combine(_folder, "killed");
        var app = Path.Combine(AppContext.BaseDirectory, "unet.dll");
        var random = new Random(5);
        var loaded = 0;
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { app, "train", "--steps", "100000", "--steps-per-epoch", "1", "--validation", "0", "--batch", "1", "--out", run, "--resume" })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var checkpoint = Path.Combine(run, "checkpoint.unet");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(checkpoint) && DateTime.UtcNow < deadline)
            {
                System.Threading.Thread.Sleep(20);
            }

            System.Threading.Thread.Sleep(random.Next(100, 1500));
            process.Kill(entireProcessTree: true);
            process.WaitForExit();

            using var model = new UNetApp.SmallUNet();
            var info = UNetDsl.Training.Checkpoint.Load(checkpoint, model);
            Assert.Equal("SmallUNet", info.Architecture);
            loaded++;
        }

        Assert.Equal(4, loaded);
    }

    [Fact]
    public void A_diverging_loss_stops_training_and_keeps_the_last_good_checkpoint()
    {
        var run = Path.Combine(_folder, "diverged");
        Directory.CreateDirectory(run);
        var checkpoint = Path.Combine(run, "checkpoint.unet");
        File.WriteAllText(checkpoint, "the last good checkpoint");

        var (code, output) = Unet("train", "--lr", "1e12", "--schedule", "Constant", "--steps", "50", "--steps-per-epoch", "1000", "--validation", "1", "--out", run, "--overwrite");

        Assert.Equal(3, code);
        Assert.Matches("error: The (loss became|weights stopped being finite)", output);
        Assert.Contains("Lower the learning rate", output, StringComparison.Ordinal);
        Assert.Equal("the last good checkpoint", File.ReadAllText(checkpoint));
    }
}
