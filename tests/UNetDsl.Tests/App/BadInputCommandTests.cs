using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using UNetDsl.CommandLine;
using UNetDsl.Data;
using UNetDsl.Training;
using Xunit;

namespace UNetDsl.Tests.App;

/// <summary>The unet app against bad options, bad files and interruptions: one error line, the right exit code, nothing lost.</summary>
public sealed class BadInputCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-badinput-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int ExitCode, string Output) Unet(params string[] arguments) => CommandLineTests.Unet(arguments);

    private static void AssertOneErrorLine(string output)
    {
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), line => line.StartsWith("error:", StringComparison.Ordinal));
    }

    // A fresh SmallUNet saved as the app's checkpoint: a real file to protect, made in milliseconds.
    private string SavedCheckpoint(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, TrainingOptions.CheckpointFileName);
        using var network = new UNetApp.SmallUNet();
        Initialization.He(network, 1);
        Checkpoint.Save(path, network, null, new CheckpointInfo("SmallUNet", UNetApp.SmallUNet.ParameterCount, 3, 150, 1, new[] { 0.5, 0.4, 0.3 }));
        return path;
    }

    [Theory]
    [InlineData("--batch", "0", "--batch is 0; it must be 1 or more.")]
    [InlineData("--batch", "-1", "--batch is -1; it must be 1 or more.")]
    [InlineData("--minutes", "1e300", "--minutes is 1E+300; it must be a finite number above 0")]
    [InlineData("--minutes", "0", "--minutes is 0; it must be a finite number above 0")]
    [InlineData("--minutes", "NaN", "--minutes is NaN; it must be a finite number above 0")]
    [InlineData("--lr", "NaN", "--lr is NaN; it must be a finite number above 0 and at most 3.4028235E+38.")]
    [InlineData("--lr", "Infinity", "--lr is Infinity; it must be a finite number above 0 and at most 3.4028235E+38.")]
    [InlineData("--lr", "-0.1", "--lr is -0.1; it must be a finite number above 0 and at most 3.4028235E+38.")]
    [InlineData("--lr", "1e39", "--lr is 1E+39; it must be a finite number above 0 and at most 3.4028235E+38.")]
    [InlineData("--steps-per-epoch", "0", "--steps-per-epoch is 0; it must be 1 or more.")]
    [InlineData("--steps", "0", "--steps is 0; it must be 1 or more.")]
    [InlineData("--validation", "-1", "--validation is -1; it must be 0 or more.")]
    [InlineData("--optimizer", "rmsprop", "--optimizer is 'rmsprop'; it must be one of adam, sgd.")]
    [InlineData("--dice-weight", "-1", "--dice-weight is -1; it must be a finite number, 0 or more and at most 3.4028235E+38.")]
    [InlineData("--dice-weight", "NaN", "--dice-weight is NaN; it must be a finite number, 0 or more")]
    [InlineData("--border-weight", "Infinity", "--border-weight is Infinity; it must be a finite number, 0 or more")]
    [InlineData("--border-weight", "1e39", "--border-weight is 1E+39; it must be a finite number, 0 or more and at most 3.4028235E+38.")]
    [InlineData("--class-balance", "maybe", "--class-balance is 'maybe'; it must be one of on, off.")]
    [InlineData("--batch", "many", "Cannot parse argument 'many' for option '--batch'")]
    public void An_option_out_of_range_is_a_parse_error_before_any_work(string option, string value, string message)
    {
        var run = Path.Combine(_folder, "run");
        var (code, output) = Unet("train", option, value, "--out", run);

        Assert.Equal(1, code);
        Assert.Contains("error: " + message, output, StringComparison.Ordinal);
        AssertOneErrorLine(output);
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData("--class-balance", "--class-balance is '--out'; it must be one of on, off.")]
    [InlineData("--optimizer", "--optimizer is '--out'; it must be one of adam, sgd.")]
    [InlineData("--batch", "Cannot parse argument '--out' for option '--batch'")]
    public void An_option_without_its_value_is_one_error_line_naming_that_option(string option, string message)
    {
        // The option takes "--out" as its value and leaves the folder as a stray argument: the cause is the option.
        var run = Path.Combine(_folder, "run");
        var (code, output) = Unet("train", option, "--out", run);

        Assert.Equal(1, code);
        Assert.Contains("error: " + message, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void An_unknown_option_is_one_error_line_naming_it()
    {
        var (code, output) = Unet("train", "--bogus", "5");

        Assert.Equal(1, code);
        Assert.Contains("error: Unrecognized command or argument '--bogus'.", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);
    }

    [Fact]
    public void No_command_is_one_error_line_naming_the_commands()
    {
        var (code, output) = Unet();
        Assert.Equal(1, code);
        Assert.Contains("error: Give a command: train, predict, evaluate, summary, export, import.", output, StringComparison.Ordinal);

        // A bad option without a command names the option, not the missing command.
        (code, output) = Unet("--batch", "0");
        Assert.Equal(1, code);
        Assert.DoesNotContain("Required command was not provided", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_never_overwrites_a_checkpoint_unless_asked()
    {
        var run = Path.Combine(_folder, "run");
        var checkpoint = SavedCheckpoint(run);
        var before = File.ReadAllBytes(checkpoint);

        var (code, output) = Unet("train", "--steps", "2", "--out", run);

        Assert.Equal(2, code);
        Assert.Contains("already holds SmallUNet after 150 steps", output, StringComparison.Ordinal);
        Assert.Contains("--resume", output, StringComparison.Ordinal);
        Assert.Contains("--overwrite", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));

        (code, output) = Unet("train", "--steps", "2", "--out", run, "--resume", "--overwrite");
        Assert.Equal(2, code);
        Assert.Contains("exclude each other", output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
    }

    [Fact]
    public void An_unusable_output_folder_is_found_before_training()
    {
        var file = Path.Combine(_folder, "a-file");
        File.WriteAllText(file, "keep me");

        var (code, output) = Unet("train", "--steps", "1000", "--out", file);
        Assert.Equal(2, code);
        Assert.Contains("is a file", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Network:", output, StringComparison.Ordinal);

        (code, output) = Unet("train", "--steps", "1000", "--out", Path.Combine(file, "below"));
        Assert.Equal(2, code);
        Assert.Contains("cannot be written", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public void Resume_without_a_checkpoint_says_it_starts_afresh()
    {
        var run = Path.Combine(_folder, "fresh");
        var (code, output) = Unet("train", "--steps", "1", "--validation", "1", "--out", run, "--resume");

        Assert.True(code == 0, output);
        Assert.Contains("No checkpoint in", output, StringComparison.Ordinal);
        Assert.Contains("starting a new run", output, StringComparison.Ordinal);
    }

    [Fact]
    public void SIGTERM_saves_what_was_learned_and_exits_with_a_message()
    {
        var run = Path.Combine(_folder, "stopped");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "unet.dll"), "train", "--steps", "100000", "--steps-per-epoch", "100000", "--validation", "0", "--batch", "1", "--out", run })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var training = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.StartsWith("Network:", StringComparison.Ordinal) == true)
            {
                training.Set();
            }
        };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Assert.True(training.Wait(TimeSpan.FromMinutes(2)), "training did not start: " + output);

        // Let a few steps run, then ask the process to stop as a service manager would.
        Thread.Sleep(4000);
        using (var kill = Process.Start("kill", new[] { "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
        {
            kill.WaitForExit();
        }

        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "unet did not stop after SIGTERM");
        process.WaitForExit();
        Assert.True(process.ExitCode == 130, output.ToString());
        Assert.Contains("Interrupted after step", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--resume", output.ToString(), StringComparison.Ordinal);
        var info = Checkpoint.ReadInfo(Path.Combine(run, TrainingOptions.CheckpointFileName));
        Assert.True(info.Step >= 1, $"saved after {info.Step} steps");
        Assert.Equal(info.Step, info.StepLosses!.Length);
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }

    [Fact]
    public void Predict_goes_on_after_a_bad_image_keeps_same_named_inputs_apart_and_overwrites_only_when_asked()
    {
        var checkpoint = SavedCheckpoint(Path.Combine(_folder, "model"));
        var images = Path.Combine(_folder, "images");
        Directory.CreateDirectory(images);
        var cells = SyntheticCells.Generate(3, 96, 96).Image;
        ImageIO.WriteGray8(Path.Combine(images, "a.png"), cells);
        ImageIO.WriteGray8(Path.Combine(images, "a.tif"), cells);
        var whole = File.ReadAllBytes(Path.Combine(images, "a.png"));
        File.WriteAllBytes(Path.Combine(images, "b-truncated.png"), whole.Take(whole.Length / 2).ToArray());
        File.WriteAllBytes(Path.Combine(images, "c-empty.png"), Array.Empty<byte>());
        var output = Path.Combine(_folder, "predicted");

        var (code, text) = Unet("predict", "--model", checkpoint, "--input", images, "--out", output);

        Assert.Equal(2, code);
        Assert.True(File.Exists(Path.Combine(output, "a.png-overlay.png")), text);
        Assert.True(File.Exists(Path.Combine(output, "a.tif-overlay.png")), text);
        Assert.Contains("b-truncated.png': the PNG is truncated", text, StringComparison.Ordinal);
        Assert.Contains("c-empty.png': the file is empty (0 bytes)", text, StringComparison.Ordinal);
        Assert.Contains("2 of 4 image(s) could not be segmented: b-truncated.png, c-empty.png.", text, StringComparison.Ordinal);
        Assert.Contains("Masks and overlays of 2 of 4 image(s)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);

        var overlay = File.ReadAllBytes(Path.Combine(output, "a.png-overlay.png"));
        (code, text) = Unet("predict", "--model", checkpoint, "--input", Path.Combine(images, "a.png"), "--out", output);
        Assert.Equal(0, code);
        (code, text) = Unet("predict", "--model", checkpoint, "--input", images, "--out", output);
        Assert.Equal(2, code);
        Assert.Contains("exists; pass --overwrite", text, StringComparison.Ordinal);
        Assert.Equal(overlay, File.ReadAllBytes(Path.Combine(output, "a.png-overlay.png")));
    }

    [Fact]
    public void A_folder_as_model_and_an_existing_import_target_are_clear_errors()
    {
        var folder = Path.Combine(_folder, "model");
        var checkpoint = SavedCheckpoint(folder);

        var (code, output) = Unet("predict", "--model", folder, "--input", checkpoint);
        Assert.Equal(2, code);
        Assert.Contains("is a folder, not a file; give the checkpoint file in it", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);

        var before = File.ReadAllBytes(checkpoint);
        (code, output) = Unet("import", "--arch", "small", "--weights", checkpoint, "--out", checkpoint);
        Assert.Equal(2, code);
        Assert.Contains("exists; pass --overwrite", output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
    }

    [Fact]
    public void Networks_of_another_assembly_are_served_by_name_and_bad_assemblies_are_clear_errors()
    {
        var tests = typeof(UNetDsl.Tests.Training.TrainerNet).Assembly.Location;
        var (code, output) = Unet("summary", "--assembly", tests, "--arch", "TrainerNet");
        Assert.True(code == 0, output);
        Assert.Contains("TrainerNet: 2D U-Net", output, StringComparison.Ordinal);

        (code, output) = Unet("summary", "--assembly", tests, "--arch", "NoSuchNet");
        Assert.Equal(2, code);
        Assert.Contains("Unknown network 'NoSuchNet'. Known: small, small3, paper, attention, cicek3d, small3d, em3d, ", output, StringComparison.Ordinal);
        Assert.Contains("TrainerNet", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);

        var library = typeof(UNetDsl.Training.UNetTrainer).Assembly.Location;
        (code, output) = Unet("summary", "--assembly", library, "--arch", "small");
        Assert.Equal(2, code);
        Assert.Contains("holds no generated U-Net", output, StringComparison.Ordinal);

        var notAnAssembly = Path.Combine(_folder, "notes.dll");
        File.WriteAllText(notAnAssembly, "not a program");
        (code, output) = Unet("summary", "--assembly", notAnAssembly);
        Assert.Equal(2, code);
        Assert.Contains("is not a .NET assembly", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);
    }

    [Fact]
    public void A_native_library_the_loader_cannot_load_is_one_error_line_naming_the_missing_version_and_the_fix()
    {
        // What the .NET loader reports when libLibTorchSharp.so needs a newer libstdc++, as a network's constructor
        // (called by reflection) meets it.
        var loader = new DllNotFoundException(
            "Unable to load shared library 'LibTorchSharp' or one of its dependencies.\n"
            + "/app/runtimes/linux-x64/native/LibTorchSharp.so: cannot open shared object file: No such file or directory\n"
            + "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /app/runtimes/linux-x64/native/libLibTorchSharp.so)\n"
            + "/app/libLibTorchSharp.so: cannot open shared object file: No such file or directory\n");
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = UNetCommandLine.Guard(() => throw new System.Reflection.TargetInvocationException(loader));
        }
        finally
        {
            Console.SetError(original);
        }

        var output = error.ToString();
        Assert.Equal(UNetCommandLine.NativeLibraryUnavailable, code);
        Assert.Contains("error: TorchSharp's native library cannot be loaded on this machine: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found", output, StringComparison.Ordinal);
        Assert.Contains("eng/setup-native.sh", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);
    }
}
