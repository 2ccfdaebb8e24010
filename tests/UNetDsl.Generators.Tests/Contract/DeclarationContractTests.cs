using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;
using GeneratorModel = UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Tests.Contract;

/// <summary>
/// The declaration contract: what the generator assumes about the attributes users write (argument names, the value of
/// an absent argument, enum names and numbers) is what the runtime library's attributes say. Both are compiled from
/// the same files; these tests catch a drift all the same, and a new attribute property the parser does not read.
/// </summary>
public class DeclarationContractTests
{
    /// <summary>A declaration that sets nothing it can leave out: everything the parser reads is its default.</summary>
    private const string Minimal = "[UNet(1, 2)]\n[Conditioning]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }";

    public static TheoryData<string> Attributes() => new() { nameof(UNetAttribute), nameof(LevelAttribute), nameof(BottleneckAttribute), nameof(ConditioningAttribute) };

    /// <summary>Each runtime attribute built as in <see cref="Minimal"/>, and the part of the parsed spec that holds its arguments.</summary>
    private static (Attribute Attribute, object Spec) Pair(string attribute)
    {
        var spec = ParsedSpecs.Parse(Minimal);
        return attribute switch
        {
            nameof(UNetAttribute) => (new UNetAttribute(1, 2), spec),
            nameof(LevelAttribute) => (new LevelAttribute(8), spec.Levels[0]),
            nameof(BottleneckAttribute) => (new BottleneckAttribute(16), spec.Bottleneck),
            nameof(ConditioningAttribute) => (new ConditioningAttribute(), spec.Conditioning!),
            _ => throw new ArgumentOutOfRangeException(nameof(attribute)),
        };
    }

    [Theory]
    [MemberData(nameof(Attributes))]
    public void Every_settable_argument_defaults_to_what_the_parser_assumes_when_it_is_absent(string attribute)
    {
        var (runtime, spec) = Pair(attribute);
        var arguments = runtime.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .ToList();
        Assert.NotEmpty(arguments);

        foreach (var argument in arguments)
        {
            // The spec names each argument's value as the attribute does; a property without one is an argument the
            // parser ignores.
            var read = spec.GetType().GetProperty(argument.Name, BindingFlags.Public | BindingFlags.Instance);
            Assert.True(read is not null, attribute + "." + argument.Name + " has no counterpart in the parsed " + spec.GetType().Name + ": the parser does not read it");
            AssertSameValue(attribute + "." + argument.Name, argument.GetValue(runtime), read!.GetValue(spec));
        }
    }

    [Fact]
    public void The_constructor_arguments_are_read_too()
    {
        var spec = ParsedSpecs.Parse(Minimal);
        var unet = new UNetAttribute(1, 2);

        Assert.Equal(unet.InChannels, spec.InChannels);
        Assert.Equal(unet.Classes, spec.Classes);
        Assert.Equal(new LevelAttribute(8).Channels, spec.Levels[0].Channels.ToArray());
        Assert.Equal(new BottleneckAttribute(16).Channels, spec.Bottleneck.Channels.ToArray());
    }

    [Fact]
    public void The_generators_defaults_are_the_runtimes_constant_for_constant()
    {
        var runtime = Constants(typeof(DeclarationDefaults));
        var generator = Constants(typeof(GeneratorModel.DeclarationDefaults));

        Assert.Equal(runtime.Keys.OrderBy(k => k, StringComparer.Ordinal), generator.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, value) in runtime)
        {
            AssertSameValue("DeclarationDefaults." + name, value, generator[name]);
        }
    }

    /// <summary>The runtime's enums and the generator's names for them.</summary>
    public static TheoryData<Type, Type> Enums() => new()
    {
        { typeof(ConvPadding), typeof(GeneratorModel.PaddingKind) },
        { typeof(UpSampling), typeof(GeneratorModel.UpSamplingKind) },
        { typeof(Normalization), typeof(GeneratorModel.NormKind) },
        { typeof(Activation), typeof(GeneratorModel.ActivationKind) },
        { typeof(SkipKind), typeof(GeneratorModel.SkipJoin) },
        { typeof(BlockKind), typeof(GeneratorModel.BlockKind) },
    };

    [Theory]
    [MemberData(nameof(Enums))]
    public void Enum_members_agree_by_name_and_number(Type runtime, Type generator)
    {
        Assert.Equal(Members(runtime), Members(generator));
    }

    [Fact]
    public void Every_enum_an_attribute_takes_is_paired_with_the_generators()
    {
        var paired = Enums().Select(row => (Type)row[0]).ToHashSet();
        var taken = new[] { typeof(UNetAttribute), typeof(LevelAttribute), typeof(BottleneckAttribute), typeof(ConditioningAttribute) }
            .SelectMany(t => t.GetProperties())
            .Select(p => Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType)
            .Where(t => t.IsEnum)
            .ToHashSet();

        Assert.Subset(paired, taken);
    }

    [Fact]
    public void The_generator_compiles_the_attributes_as_its_own_internal_types()
    {
        var generator = typeof(UNetGenerator).Assembly;
        foreach (var type in new[] { typeof(GeneratorModel.UNetAttribute), typeof(GeneratorModel.LevelAttribute), typeof(GeneratorModel.BottleneckAttribute), typeof(GeneratorModel.ConditioningAttribute), typeof(GeneratorModel.DeclarationDefaults), typeof(GeneratorModel.BlockKind) })
        {
            Assert.Same(generator, type.Assembly);
            Assert.False(type.IsPublic, type.FullName + " is public in the generator");
        }

        // Nothing of TorchSharp (nor of the runtime library) comes into the generator with the linked files.
        Assert.DoesNotContain(generator.GetReferencedAssemblies(), a => a.Name is "TorchSharp" or "UNetDsl");
    }

    private static List<(string Name, long Value)> Members(Type type) =>
        Enum.GetNames(type).Select(name => (name, Convert.ToInt64(Enum.Parse(type, name), System.Globalization.CultureInfo.InvariantCulture))).ToList();

    private static Dictionary<string, object?> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => f.GetValue(null));

    /// <summary>
    /// Equal as the declaration contract sees it: an enum by name and number (the two sides have their own enum types),
    /// a null array as an empty one (the spec reads an absent array as empty), a collection element by element.
    /// </summary>
    private static void AssertSameValue(string what, object? runtime, object? generator)
    {
        if (runtime is Enum runtimeEnum && generator is Enum generatorEnum)
        {
            Assert.True(
                runtimeEnum.ToString() == generatorEnum.ToString() && Convert.ToInt64(runtimeEnum, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToInt64(generatorEnum, System.Globalization.CultureInfo.InvariantCulture),
                what + ": the attribute says " + runtimeEnum + " and the generator assumes " + generatorEnum);
            return;
        }

        if (runtime is null or IEnumerable and not string && generator is IEnumerable and not string)
        {
            var expected = runtime is null ? new List<object?>() : ((IEnumerable)runtime).Cast<object?>().ToList();
            var actual = ((IEnumerable)generator).Cast<object?>().ToList();
            Assert.True(expected.SequenceEqual(actual), what + ": the attribute says [" + string.Join(", ", expected) + "] and the generator assumes [" + string.Join(", ", actual) + "]");
            return;
        }

        Assert.True(Equals(runtime, generator), what + ": the attribute says " + (runtime ?? "null") + " and the generator assumes " + (generator ?? "null"));
    }
}
