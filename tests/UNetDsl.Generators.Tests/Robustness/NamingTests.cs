using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using UNetDsl.Generators.Emission;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Robustness;

/// <summary>
/// Whatever legal C# names a network (case, keywords, Unicode, user types next to it), the generator neither throws
/// (CS8785 would drop every generated file of the project) nor writes code that binds to the user's types.
/// </summary>
public class NamingTests
{
    private const string Body = "[Level(4)]\n[Level(8, DeepSupervision = true)]\n[Bottleneck(8)]";

    private static string Network(string name, string unet = "[UNet(1, 2)]", string body = Body) => unet + "\n" + body + "\npublic partial class " + name + " { }\n";

    /// <summary>Networks whose names clash as file names, or hold characters a file name cannot: all generated, all distinct.</summary>
    public static readonly string[] AwkwardPrograms =
    {
        // Full names that differ only in case.
        "using UNetDsl;\nnamespace Probe { " + Network("Net") + Network("NET") + Network("net") + " }",
        "using UNetDsl;\nnamespace Probe.Case { " + Network("Net") + " }\nnamespace Probe.CASE { " + Network("Net") + " }",
        // A namespace and a type written with '@'.
        "using UNetDsl;\nnamespace @event.Models { " + Network("@class") + Network("Plain") + " }",
        // Keyword parts of namespaces, and contextual keywords as names.
        "using UNetDsl;\nnamespace @namespace.@if.async { " + Network("@var") + Network("record") + Network("nameof") + Network("@dynamic") + " }",
        // Unicode identifiers, and a name written with an escape, sanitised alike.
        "using UNetDsl;\nnamespace Unicode { " + Network("Café") + Network("Caf_") + Network("Cafè") + Network("Net\\u00e9") + " }",
        // Module file of A.B.Onnx against the ONNX file of A.b.
        "using UNetDsl;\nnamespace A { " + Network("b") + " }\nnamespace A.B { " + Network("Onnx") + Network("PyTorch") + " }",
        // The global namespace, a conditional network (no ONNX file) named with a keyword.
        "using UNetDsl;\n" + Network("@operator", "[UNet(1, 1, Normalization = Normalization.Group, NormGroups = 4)]\n[Conditioning(TimeChannels = 16, ContextChannels = 4, Heads = 2, AttentionLevels = new[] { 2 })]", "[Level(8)]\n[Level(8)]\n[Bottleneck(8)]"),
    };

    private static readonly string[] s_networks =
    {
        "Probe.Net", "Probe.NET", "Probe.net", "Probe.Case.Net", "Probe.CASE.Net", "event.Models.class", "event.Models.Plain",
        "namespace.if.async.var", "namespace.if.async.record", "namespace.if.async.nameof", "namespace.if.async.dynamic",
        "Unicode.Café", "Unicode.Caf_", "Unicode.Cafè", "Unicode.Neté", "A.b", "A.B.Onnx", "A.B.PyTorch", "operator",
    };

    [Fact]
    public void Programs_with_awkward_names_compile_together_and_every_network_is_generated()
    {
        var outcome = GeneratorHarness.Run(AwkwardPrograms);

        Assert.Null(outcome.GeneratorException);
        Assert.DoesNotContain(outcome.Output.GetDiagnostics().Concat(outcome.GeneratorDiagnostics), d => d.Id is "CS8785" or "UNET0900");
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);

        var hintNames = outcome.HintNames.ToList();
        Assert.Equal(hintNames.Count, hintNames.Distinct(System.StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(hintNames, h => Assert.Matches("^[A-Za-z0-9_.]+$", h));
        foreach (var network in s_networks)
        {
            // Each network is a module now: its generated members are there.
            var type = outcome.Output.GetTypeByMetadataName(network);
            Assert.NotNull(type);
            Assert.NotEmpty(type!.GetMembers("ParameterCount"));
            Assert.NotEmpty(type.GetMembers("PyTorchTwinSource"));
            Assert.Equal(network != "operator", type.GetMembers("ExportOnnx").Any());
        }

        // Three files per network (two for the conditional one, which has no ONNX export).
        Assert.Equal((3 * s_networks.Length) - 1, hintNames.Count);
    }

    [Fact]
    public void Names_that_need_no_care_keep_their_plain_file_names()
    {
        var outcome = GeneratorHarness.Run(AwkwardPrograms);

        Assert.Contains("event.Models.class.g.cs", outcome.HintNames);
        Assert.Contains("event.Models.Plain.Onnx.g.cs", outcome.HintNames);
        Assert.Contains("Probe.Case.Net_" + HintNames.Hash("Probe.Case.Net") + ".g.cs", outcome.HintNames);
        Assert.Contains("Unicode.Caf__" + HintNames.Hash("Unicode.Café") + ".PyTorch.g.cs", outcome.HintNames);
    }

    [Fact]
    public void Hint_names_are_the_same_whatever_the_order_of_the_files()
    {
        var forward = GeneratorHarness.Run(AwkwardPrograms).HintNames.OrderBy(h => h, System.StringComparer.Ordinal);
        var backward = GeneratorHarness.Run(AwkwardPrograms.Reverse().ToArray()).HintNames.OrderBy(h => h, System.StringComparer.Ordinal);

        Assert.Equal(forward, backward);
    }

    [Fact]
    public void UNet_on_two_partial_declarations_is_generated_once_next_to_the_compilers_CS0579()
    {
        var outcome = GeneratorHarness.Run(
            "using UNetDsl;\nnamespace Probe;\n[UNet(1, 2)]\n[Level(4)]\n[Bottleneck(8)]\npublic partial class Twice { }\n",
            "using UNetDsl;\nnamespace Probe;\n[UNet(1, 3)]\npublic partial class Twice { }\n",
            "using UNetDsl;\nnamespace Probe;\n[UNet(1, 2)]\n[Level(4)]\n[Bottleneck(8)]\npublic partial class Other { }\n");

        Assert.Null(outcome.GeneratorException);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Equal(new[] { "CS0579" }, outcome.CompileErrors.Select(d => d.Id).Distinct());
        Assert.Equal(
            new[] { "Probe.Other.Onnx.g.cs", "Probe.Other.PyTorch.g.cs", "Probe.Other.g.cs", "Probe.Twice.Onnx.g.cs", "Probe.Twice.PyTorch.g.cs", "Probe.Twice.g.cs" },
            outcome.HintNames.OrderBy(h => h, System.StringComparer.Ordinal));
    }

    [Fact]
    public void Keyword_names_are_escaped_in_all_three_outputs()
    {
        var outcome = GeneratorHarness.Run("using UNetDsl;\nnamespace @event.@if { " + Network("@class") + " }");

        Assert.Empty(outcome.CompileErrors);
        Assert.Contains("namespace @event.@if", outcome.GeneratedSource("event.if.class.g.cs"));
        Assert.Contains("partial class @class :", outcome.GeneratedSource("event.if.class.g.cs"));
        Assert.Contains("partial class @class : global::UNetDsl.IOnnxExportable", outcome.GeneratedSource("event.if.class.Onnx.g.cs"));
        Assert.Contains("partial class @class\n", outcome.GeneratedSource("event.if.class.PyTorch.g.cs"));

        // Python reserves 'class' too: the twin's class takes PEP 8's trailing underscore.
        var twin = (string)outcome.Output.GetTypeByMetadataName("event.if.class")!.GetMembers("PyTorchTwinSource").OfType<IFieldSymbol>().Single().ConstantValue!;
        Assert.Contains("\nclass class_(nn.Module):\n", twin);
    }

    /// <summary>Every name the generated code uses for its own things, declared by the user next to the networks.</summary>
    private const string UserTypesNamedLikeHelpers = """
        namespace Probe
        {
            public class SupHeads { }
            public class HeadOutputs { }
            public class Tensor { }
            public class Module { }
            public class DisposeScope { }
            public class InputGuard { }
            public class Layer { }
            public class ConvBlock { }
            public class ValidSizeRule { }
            public class UNetGeometry { }
            public class OnnxUNetExport { }
            public class OnnxGraphBuilder { }
            public class ActivationCheckpoint { }
            public class DeepSupervisionOutputs { }
            public class IUNetModule { }
            public class IOnnxExportable { }
            public class GeneratedCode { }
            public class GeneratedCodeAttribute : global::System.Attribute { }
            public class torch { }
            public class nn { }
            public class System { }
            public class TorchSharp { }
            public class UNetDsl { }
            public class var { }
            public class nameof { }
            public class dynamic { }
            public class input { }
            public class x { }
            public class heads { }
        }

        namespace Probe.Inner.UNetDsl { public class Layers { } }
        namespace Probe.Inner.TorchSharp { public class torch { } }
        namespace Probe.Inner.System { public class Object { } }
        """;

    [Fact]
    public void User_types_named_like_generated_helpers_do_not_change_the_generated_code()
    {
        var networks = """
            using UNetDsl;

            namespace Probe
            {
                [UNet(1, 2, Padding = ConvPadding.Valid)]
                [Level(4, Checkpoint = true)]
                [Level(8, DeepSupervision = true, Skip = SkipKind.AttentionGate)]
                [Bottleneck(8, Dropout = 0.5)]
                public partial class Sup { }

                namespace Inner
                {
                    [UNet(1, 1, Normalization = Normalization.Group, NormGroups = 4)]
                    [Conditioning(TimeChannels = 16, ContextChannels = 4, Heads = 2, AttentionLevels = new[] { 2 })]
                    [Level(8, Checkpoint = true)]
                    [Level(8)]
                    [Bottleneck(8)]
                    public partial class Denoise { }

                    [UNet(1, 2, UpSampling = UpSampling.Bilinear)]
                    [Level(4, Pool = new[] { 1, 2 })]
                    [Level(8, DeepSupervision = true)]
                    [Bottleneck(8)]
                    public partial class Aniso { }
                }
            }
            """;

        var outcome = GeneratorHarness.Run(networks, UserTypesNamedLikeHelpers);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        Assert.Equal(8, outcome.HintNames.Count());
        var heads = outcome.Output.GetTypeByMetadataName("Probe.Sup")!.GetMembers("ForwardWithHeads").OfType<IMethodSymbol>().Single().ReturnType;
        Assert.Equal("Probe.Sup.HeadOutputs", heads.ToDisplayString());
    }

    [Fact]
    public void Hint_name_table_gives_every_file_its_own_name_without_case()
    {
        var names = new[] { "A.Net", "A.NET", "A.net", "A.b", "A.B.Onnx", "A.B.PyTorch", "Ü.x", "_.x", "A.Net_" + HintNames.Hash("A.Net"), "C.Plain" };
        var table = HintNames.Assign(names.Select(n => (string?)n).Concat(new string?[] { null, "A.Net" }).ToImmutableArray());

        var files = table.Stems.SelectMany(s => new[] { s.Stem + HintNames.Module, s.Stem + HintNames.Onnx, s.Stem + HintNames.PyTorch }).ToList();
        Assert.Equal(names.Length, table.Stems.Count);
        Assert.Equal(files.Count, files.Distinct(System.StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(files, f => Assert.Matches("^[A-Za-z0-9_.]+$", f));
        Assert.NotEqual("A.b", table.StemOf("A.b"));
        Assert.NotEqual("_.x", table.StemOf("_.x"));
        Assert.NotEqual("A.B.PyTorch", table.StemOf("A.B.PyTorch"));
        Assert.Equal("C.Plain", table.StemOf("C.Plain"));
    }
}
