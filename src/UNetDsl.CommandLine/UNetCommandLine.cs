using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Spectre.Console;
using UNetDsl.Training;

namespace UNetDsl.CommandLine;

/// <summary>
/// The <c>unet</c> command line (train, predict, evaluate, summary, export, import) for any generated networks: a
/// program hands it its networks in one line, <c>return UNetCommandLine.Run(args, NetworkCatalog.Of(typeof(MyNet)));</c>,
/// and every command also takes <c>--assembly FILE.dll</c> to serve the generated networks of a built assembly.
/// </summary>
/// <remarks>
/// Exit codes: 0 done; 1 the command line cannot be parsed or an option is out of range; 2 bad input (a missing or
/// unreadable file, a label the network cannot have, a checkpoint that would be overwritten); 3 training diverged;
/// 4 out of memory; 69 TorchSharp's native library cannot be loaded on this machine; 70 an unexpected failure (a bug:
/// the message says where to report it); 130 interrupted (Ctrl-C or SIGTERM) after saving what was learned.
/// </remarks>
public static class UNetCommandLine
{
    /// <summary>Exit code of a command line that cannot be parsed or an option out of range.</summary>
    public const int ParseError = 1;

    /// <summary>Exit code of bad input.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code of a diverged training run.</summary>
    public const int Diverged = 3;

    /// <summary>Exit code of running out of memory.</summary>
    public const int OutOfMemory = 4;

    /// <summary>Exit code of a machine on which TorchSharp's native library cannot be loaded (sysexits' EX_UNAVAILABLE).</summary>
    public const int NativeLibraryUnavailable = 69;

    /// <summary>Exit code of an unexpected failure.</summary>
    public const int UnexpectedFailure = 70;

    /// <summary>Exit code of a run interrupted by Ctrl-C or SIGTERM (after saving).</summary>
    public const int Interrupted = 130;

    /// <summary>Runs the command line on <paramref name="args"/> with the networks of <paramref name="catalog"/> (plus any --assembly).</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="catalog">The program's networks; null or empty to serve only those of --assembly.</param>
    /// <param name="defaultNetwork">The network train and summary use without --arch; null for the catalogue's first.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, NetworkCatalog? catalog = null, string? defaultNetwork = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (Console.IsOutputRedirected)
        {
            // Logs and CI have no terminal width; do not wrap lines at 80 columns.
            AnsiConsole.Profile.Width = 200;
        }

        UNetDsl.Data.ImageIO.Notice = message => AnsiConsole.MarkupLine("[yellow]note:[/] " + Markup.Escape(message));
        var host = new Host(catalog ?? new NetworkCatalog(Array.Empty<NetworkEntry>()), defaultNetwork);
        var root = host.BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, the cause: "no command" only when nothing else is wrong, and an option's own complaint before
            // an unrecognised token, which is often what a value-less option left behind ("--optimizer --out runs":
            // '--out' became the optimiser, 'runs' an unrecognised argument).
            var messages = parse.Errors.Select(e => e.Message).ToList();
            var cause = messages.Where(m => !m.StartsWith("Required command was not provided", StringComparison.Ordinal))
                .OrderBy(m => m.StartsWith("Unrecognized command or argument", StringComparison.Ordinal))
                .FirstOrDefault();
            Error(cause ?? "Give a command: " + string.Join(", ", root.Subcommands.Select(c => c.Name)) + ".");

            Console.Error.WriteLine("Run 'unet --help' or 'unet COMMAND --help' for the options.");
            return ParseError;
        }

        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    /// <summary>Writes one <c>error:</c> line to standard error.</summary>
    /// <param name="message">The problem and its fix.</param>
    internal static void Error(string message)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Profile.Width = 100_000; // one line, however long: scripts and tests read it whole
        console.MarkupLine("[red]error:[/] " + Markup.Escape(message.Replace('\n', ' ').Trim()));
    }

    /// <summary>Runs a command's work, turning every failure into one error line and its exit code.</summary>
    /// <param name="action">The work.</param>
    internal static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (TrainingDivergedException exception)
        {
            Error(exception.Message);
            return Diverged;
        }
        catch (Exception exception) when (IsOutOfMemory(exception))
        {
            Error("out of memory: " + exception.Message.Split('\n')[0] + ". Use a smaller --batch, a smaller network, or smaller images; the last checkpoint is kept.");
            return OutOfMemory;
        }
        catch (Exception exception) when (NativeLoadFailure(exception) is { } failure)
        {
            Error($"TorchSharp's native library cannot be loaded on this machine: {LoaderReason(failure)}. libtorch 2.10 needs libstdc++ with GLIBCXX_3.4.32 (GCC 13 or later; on Debian 12, libstdc++6 from trixie, which eng/setup-native.sh in UNetDsl's repository installs) and the app's runtimes/ folder beside it.");
            return NativeLibraryUnavailable;
        }
        catch (ArgumentException exception)
        {
            Error(WithoutParameterSuffix(exception));
            return BadInput;
        }
        catch (Exception exception) when (exception is UsageException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Error(exception.Message);
            return BadInput;
        }
        catch (Exception exception)
        {
            Error($"unexpected failure ({exception.GetType().Name}): {exception.Message.Split('\n')[0]}. Nothing was overwritten. Set UNETDSL_TRACE=1 to see where it happened, and report it with the command line.");
            if (Environment.GetEnvironmentVariable("UNETDSL_TRACE") == "1")
            {
                Console.Error.WriteLine(exception);
            }

            return UnexpectedFailure;
        }
    }

    // .NET appends " (Parameter 'x')" and "Actual value was y." to argument exceptions: noise on a command line.
    private static string WithoutParameterSuffix(ArgumentException exception)
    {
        var message = exception.Message;
        var actual = message.IndexOf("\nActual value was", StringComparison.Ordinal);
        message = actual >= 0 ? message[..actual] : message;
        return exception.ParamName is null ? message : message.Replace($" (Parameter '{exception.ParamName}')", string.Empty, StringComparison.Ordinal);
    }

    // The loader's failure may arrive wrapped: in a TargetInvocationException when a network is built by reflection,
    // in a TypeInitializationException when a static constructor touched libtorch first.
    private static DllNotFoundException? NativeLoadFailure(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DllNotFoundException notFound)
            {
                return notFound;
            }
        }

        return null;
    }

    // The loader lists every path it tried; the line that names a missing symbol version or dependency says why.
    private static string LoaderReason(DllNotFoundException failure)
    {
        var lines = failure.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.FirstOrDefault(l => l.Contains("version `", StringComparison.Ordinal) || l.Contains("required by", StringComparison.Ordinal))
            ?? lines.FirstOrDefault()
            ?? failure.GetType().Name;
    }

    private static bool IsOutOfMemory(Exception exception) =>
        exception is OutOfMemoryException
        || exception.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || exception.Message.Contains("DefaultCPUAllocator", StringComparison.Ordinal);

    /// <summary>A token cancelled by Ctrl-C or SIGTERM (a second Ctrl-C ends the process at once).</summary>
    internal sealed class Interruption : IDisposable
    {
        private readonly CancellationTokenSource _source = new();
        private readonly PosixSignalRegistration? _terminate;

        public Interruption()
        {
            Console.CancelKeyPress += OnCancelKeyPress;
            _terminate = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                _source.Cancel();
            });
        }

        public CancellationToken Token => _source.Token;

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
            _terminate?.Dispose();
            _source.Dispose();
        }

        private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
        {
            if (!_source.IsCancellationRequested)
            {
                e.Cancel = true;
                _source.Cancel();
            }
        }
    }

    /// <summary>Range checks that run at parse time, so a bad value is a parse error before any work.</summary>
    internal static class Ranges
    {
        public static T AtLeast<T>(T option, long minimum)
            where T : Option
        {
            option.Validators.Add(result =>
            {
                if (Value<object>(result) is not { } raw)
                {
                    return;
                }

                var value = Convert.ToInt64(raw, CultureInfo.InvariantCulture);
                if (value < minimum)
                {
                    result.AddError($"{option.Name} is {value}; it must be {minimum} or more.");
                }
            });
            return option;
        }

        public static Option<double?> PositiveFinite(Option<double?> option, double maximum = double.MaxValue) =>
            Within(option, value => value > 0 && value <= maximum, string.Create(CultureInfo.InvariantCulture, $"a finite number above 0{(maximum < double.MaxValue ? $" and at most {maximum:G8}" : string.Empty)}"));

        public static Option<double?> ZeroOrMoreFinite(Option<double?> option, double maximum) =>
            Within(option, value => value >= 0 && value <= maximum, string.Create(CultureInfo.InvariantCulture, $"a finite number, 0 or more and at most {maximum:G8}"));

        // NaN fails every comparison, so `allowed` refuses it as well as the values out of range.
        private static Option<double?> Within(Option<double?> option, Func<double, bool> allowed, string requirement)
        {
            option.Validators.Add(result =>
            {
                if (Value<double?>(result) is { } value && !allowed(value))
                {
                    result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} is {value}; it must be {requirement}."));
                }
            });
            return option;
        }

        // A value that does not even convert is reported by the parser itself; the range check has nothing to add.
        private static T? Value<T>(OptionResult result)
        {
            try
            {
                return result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return default;
            }
        }

        /// <summary>
        /// An option of one positive number or one per spatial axis, separated by commas ("8,64,64"): checked at parse
        /// time, so a bad list is a parse error before any work.
        /// </summary>
        public static Option<double[]?> PositiveList(string name, string description, bool whole) => new(name)
        {
            Description = description,
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0)
                {
                    return null;
                }

                var text = string.Join(",", result.Tokens.Select(t => t.Value));
                var parts = text.Split(',', StringSplitOptions.TrimEntries);
                var values = new double[parts.Length];
                for (var i = 0; i < parts.Length; i++)
                {
                    if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] > 0) || double.IsInfinity(values[i]) || (whole && (values[i] != Math.Floor(values[i]) || values[i] > int.MaxValue)))
                    {
                        result.AddError($"{name} is '{text}'; it must be one {(whole ? "whole number" : "number")} above 0, or one per spatial axis separated by commas (e.g. {(whole ? "8,64,64" : "50,4,4")}).");
                        return null;
                    }
                }

                return values;
            },
        };

        public static Option<string> OneOf(Option<string> option, params string[] allowed)
        {
            option.Validators.Add(result =>
            {
                var value = Value<string>(result);
                if (value is not null && !allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
                {
                    result.AddError($"{option.Name} is '{value}'; it must be one of {string.Join(", ", allowed)}.");
                }
            });
            return option;
        }
    }
}
