using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Emission;

/// <summary>
/// The names of the generated files. Roslyn compares hint names without case and accepts only file-name characters,
/// while C# names are case-sensitive and may hold any Unicode letter: every network's stem is its full name with each
/// character outside [A-Za-z0-9_.] replaced by '_', and when two networks' files would still share a name
/// (<c>Probe.Net</c> and <c>Probe.NET</c>, or <c>A.b</c> whose ONNX file meets the module file of <c>A.B.Onnx</c>),
/// each of them gets a stable hash of its exact full name appended. Pure.
/// </summary>
internal static class HintNames
{
    /// <summary>The endings of the files a network may get: module, ONNX export, PyTorch twin.</summary>
    public const string Module = ".g.cs";
    public const string Onnx = ".Onnx.g.cs";
    public const string PyTorch = ".PyTorch.g.cs";

    private static readonly string[] s_endings = { Module, Onnx, PyTorch };

    /// <summary>Assigns a stem to each distinct full name; stems are unique even after case folding, with every ending.</summary>
    public static HintNameTable Assign(ImmutableArray<string?> fullNames)
    {
        var names = fullNames.Where(n => n is not null).Select(n => n!).Distinct(System.StringComparer.Ordinal).ToList();
        names.Sort(System.StringComparer.Ordinal);
        var stems = names.ToDictionary(n => n, Sanitize, System.StringComparer.Ordinal);
        var rounds = new Dictionary<string, int>(System.StringComparer.Ordinal);
        for (var round = 0; round <= names.Count; round++)
        {
            var owners = new Dictionary<string, string>(System.StringComparer.OrdinalIgnoreCase);
            var clashing = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (var name in names)
            {
                foreach (var ending in s_endings)
                {
                    var file = stems[name] + ending;
                    if (owners.TryGetValue(file, out var other) && other != name)
                    {
                        clashing.Add(name);
                        clashing.Add(other);
                    }
                    else
                    {
                        owners[file] = name;
                    }
                }
            }

            if (clashing.Count == 0)
            {
                break;
            }

            foreach (var name in clashing)
            {
                rounds[name] = rounds.TryGetValue(name, out var r) ? r + 1 : 1;
                stems[name] = Sanitize(name) + "_" + Hash(name) + (rounds[name] > 1 ? "_" + rounds[name].ToString(CultureInfo.InvariantCulture) : string.Empty);
            }
        }

        return new HintNameTable(names.Select(n => new HintStem(n, stems[n])).ToEquatableArray());
    }

    /// <summary>The full name with every character outside [A-Za-z0-9_.] replaced by '_'.</summary>
    public static string Sanitize(string fullName)
    {
        var text = new StringBuilder(fullName.Length);
        foreach (var c in fullName)
        {
            text.Append(c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' ? c : '_');
        }

        return text.ToString();
    }

    /// <summary>FNV-1a over the UTF-16 code units, as 8 hex digits: the same on every machine and run.</summary>
    internal static string Hash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }
}

/// <summary>One network's full name and the stem of its files' hint names.</summary>
internal readonly record struct HintStem(string FullName, string Stem);

/// <summary>The stems of every valid network of the compilation.</summary>
/// <remarks>Immutable and value-equal: it changes only when a network is added, removed or renamed.</remarks>
internal sealed record HintNameTable(EquatableArray<HintStem> Stems)
{
    public string StemOf(string fullName)
    {
        foreach (var stem in Stems)
        {
            if (stem.FullName == fullName)
            {
                return stem.Stem;
            }
        }

        return HintNames.Sanitize(fullName) + "_" + HintNames.Hash(fullName);
    }
}
