using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UNetDsl.Generators.Diagnostics;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Parsing;

/// <summary>
/// What the parser read from one declaration: the spec (null when the class cannot host a U-Net), where each
/// argument stands in the source, and the problems found while reading.
/// </summary>
/// <remarks>
/// Value-equal, so the pipeline can cache on it. <see cref="Locations"/> and <see cref="Diagnostics"/> hold syntax
/// trees and are only read by the diagnostics branch; the source branch sees the spec alone.
/// </remarks>
internal sealed record ParsedDeclaration(UNetSpec? Spec, EquatableArray<ArgumentLocation> Locations, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Reads a [UNet]-annotated class into a <see cref="UNetSpec"/>. The only code that touches symbols and syntax.</summary>
internal static class DeclarationParser
{
    // The attributes, their arguments' names and their defaults are the runtime library's own (linked source, see
    // src/UNetDsl/Declaration): nameof and DeclarationDefaults below cannot drift from what users write against.
    private const string AttributeNamespace = "UNetDsl";
    public const string UNetAttributeName = AttributeNamespace + "." + nameof(UNetAttribute);
    public const string LevelAttributeName = AttributeNamespace + "." + nameof(LevelAttribute);
    public const string BottleneckAttributeName = AttributeNamespace + "." + nameof(BottleneckAttribute);
    public const string ConditioningAttributeName = AttributeNamespace + "." + nameof(ConditioningAttribute);

    /// <summary>
    /// UNET0017 for each [Level], [Bottleneck] or [Conditioning] of one declaration whose class has no [UNet]: the
    /// attributes only mean something on a U-Net class, and without a diagnostic they would be ignored silently.
    /// </summary>
    public static EquatableArray<DiagnosticInfo> ParseStray(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            if (context.TargetSymbol is not INamedTypeSymbol type
                || type.GetAttributes().Any(a => Reader.OurAttributeName(a.AttributeClass) == UNetAttributeName))
            {
                return EquatableArray<DiagnosticInfo>.Empty;
            }

            var diagnostics = new List<DiagnosticInfo>();
            foreach (var attribute in context.Attributes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax syntax)
                {
                    var shortName = attribute.AttributeClass?.Name is { } name && name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : "?";
                    diagnostics.Add(new DiagnosticInfo(
                        DiagnosticDescriptors.AttributeWithoutUNet.Id,
                        new LocationInfo(syntax.SyntaxTree, syntax.Span),
                        EquatableArray.Create("[" + shortName + "]", type.Name)));
                }
            }

            return diagnostics.ToEquatableArray();
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception)
        {
            // A warning is not worth a crash of the compiler; say nothing.
            return EquatableArray<DiagnosticInfo>.Empty;
        }
    }

    public static ParsedDeclaration Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var reader = new Reader(context.TargetSymbol as INamedTypeSymbol, context.TargetNode);
        try
        {
            return reader.Read(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            // Never let an exception reach the compiler (it would become CS8785 and hide every other result).
            return reader.Failure(exception);
        }
    }

    private sealed class Reader(INamedTypeSymbol? type, SyntaxNode node)
    {
        private readonly List<ArgumentLocation> _locations = new();
        private readonly List<DiagnosticInfo> _diagnostics = new();
        private readonly string _name = type?.Name ?? (node as BaseTypeDeclarationSyntax)?.Identifier.ValueText ?? "?";

        private LocationInfo ClassLocation =>
            node is BaseTypeDeclarationSyntax declaration
                ? new LocationInfo(declaration.SyntaxTree, declaration.Identifier.Span)
                : new LocationInfo(node.SyntaxTree, node.Span);

        public ParsedDeclaration Failure(Exception exception)
        {
            var diagnostic = new DiagnosticInfo(
                DiagnosticDescriptors.GeneratorFailure.Id,
                ClassLocation,
                EquatableArray.Create(_name, exception.GetType().Name, exception.Message.Replace('\n', ' ').Replace('\r', ' ')));
            return new ParsedDeclaration(null, EquatableArray<ArgumentLocation>.Empty, EquatableArray.Create(diagnostic));
        }

        public ParsedDeclaration Read(CancellationToken cancellationToken)
        {
            _locations.Add(new ArgumentLocation(ArgumentPath.Class, ClassLocation));
            if (type is null || node is not TypeDeclarationSyntax declaration)
            {
                Report(DiagnosticDescriptors.UnsupportedType, ClassLocation, _name, "not a class");
                return Result(null);
            }

            // [UNet] on two partial declarations of one class (C# reports CS0579): the declaration whose [UNet] the
            // compiler binds first generates the class, the other nothing, so that the class is generated once.
            if (!HoldsFirstUNet(declaration))
            {
                return new ParsedDeclaration(null, EquatableArray<ArgumentLocation>.Empty, EquatableArray<DiagnosticInfo>.Empty);
            }

            CheckForm(declaration);
            if (_diagnostics.Count > 0)
            {
                return Result(null);
            }

            var (unet, levels, bottleneck, conditioning) = OurAttributes(type, cancellationToken);
            if (unet is null)
            {
                return Result(null);
            }

            LocateArguments(unet, levels, bottleneck, conditioning);
            CheckLevelsOnOneDeclaration(levels);
            if (_diagnostics.Count > 0)
            {
                return Result(null);
            }

            if (!Readable(unet, ArgumentPath.UNet) | !levels.Select((l, i) => Readable(l, ArgumentPath.Level(i + 1))).ToList().All(ok => ok)
                | (bottleneck is not null && !Readable(bottleneck, ArgumentPath.Bottleneck))
                | (conditioning is not null && !Readable(conditioning, ArgumentPath.Conditioning)))
            {
                return Result(null);
            }

            if (levels.Count == 0)
            {
                Report(DiagnosticDescriptors.MissingPart, ClassLocation, _name, "[Level]", "one [Level(channels)] per resolution, finest first, e.g. [Level(64)]");
            }

            if (bottleneck is null)
            {
                Report(DiagnosticDescriptors.MissingPart, ClassLocation, _name, "[Bottleneck]", "[Bottleneck(channels)] for the deepest level, e.g. [Bottleneck(1024)]");
            }

            if (_diagnostics.Count > 0)
            {
                return Result(null);
            }

            return Result(ReadSpec(type, unet, levels, bottleneck!, conditioning));
        }

        /// <summary>The package's attributes on the class: the first [UNet], [Bottleneck] and [Conditioning], every [Level] in order.</summary>
        private static (AttributeData? UNet, List<AttributeData> Levels, AttributeData? Bottleneck, AttributeData? Conditioning) OurAttributes(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            AttributeData? unet = null;
            AttributeData? bottleneck = null;
            AttributeData? conditioning = null;
            var levels = new List<AttributeData>();
            foreach (var attribute in type.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (OurAttributeName(attribute.AttributeClass))
                {
                    case UNetAttributeName:
                        unet ??= attribute;
                        break;
                    case LevelAttributeName:
                        levels.Add(attribute);
                        break;
                    case BottleneckAttributeName:
                        bottleneck ??= attribute;
                        break;
                    case ConditioningAttributeName:
                        conditioning ??= attribute;
                        break;
                }
        }

            return (unet, levels, bottleneck, conditioning);
        }

        /// <summary>Records where each argument is written, for diagnostics on the argument to blame.</summary>
        private void LocateArguments(AttributeData unet, List<AttributeData> levels, AttributeData? bottleneck, AttributeData? conditioning)
        {
            Locate(ArgumentPath.UNet, unet, new[] { nameof(UNetAttribute.InChannels), nameof(UNetAttribute.Classes) }, paramsName: null);
            for (var i = 0; i < levels.Count; i++)
            {
                Locate(ArgumentPath.Level(i + 1), levels[i], Array.Empty<string>(), paramsName: nameof(LevelAttribute.Channels));
        }

        if (bottleneck is not null)
        {
            Locate(ArgumentPath.Bottleneck, bottleneck, Array.Empty<string>(), paramsName: nameof(BottleneckAttribute.Channels));
        }

        if (conditioning is not null)
        {
            Locate(ArgumentPath.Conditioning, conditioning, Array.Empty<string>(), paramsName: null);
        }
        }

        private UNetSpec ReadSpec(INamedTypeSymbol type, AttributeData unet, List<AttributeData> levels, AttributeData bottleneck, AttributeData? conditioning)
        {
            var block = (BlockKind)Named(unet, nameof(UNetAttribute.Block), (int)DeclarationDefaults.Block);
            return new UNetSpec(
                NamespaceName(type.ContainingNamespace),
                type.Name,
                type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal",
                Named(unet, nameof(UNetAttribute.Dimensions), DeclarationDefaults.Dimensions),
                Positional(unet, 0),
                Positional(unet, 1),
                (PaddingKind)Named(unet, nameof(UNetAttribute.Padding), (int)DeclarationDefaults.Padding),
                Named(unet, nameof(UNetAttribute.KernelSize), DefaultKernelSize(unet, block)),
                NamedArray(unet, nameof(UNetAttribute.Kernel)),
                block,
                NamedArray(unet, nameof(UNetAttribute.InputSize)),
                (UpSamplingKind)Named(unet, nameof(UNetAttribute.UpSampling), (int)DeclarationDefaults.UpSampling),
                (NormKind)Named(unet, nameof(UNetAttribute.Normalization), (int)DeclarationDefaults.Normalization),
                Named(unet, nameof(UNetAttribute.NormGroups), DeclarationDefaults.NormGroups),
                (ActivationKind)Named(unet, nameof(UNetAttribute.Activation), (int)DeclarationDefaults.Activation),
                levels.Select(ReadLevel).ToEquatableArray(),
                new BottleneckSpec(
                    ParamsArray(bottleneck),
                    Named(bottleneck, nameof(BottleneckAttribute.KernelSize), DeclarationDefaults.NotSet),
                    NamedArray(bottleneck, nameof(BottleneckAttribute.Kernel)),
                    NamedDouble(bottleneck, nameof(BottleneckAttribute.Dropout), 0)),
                conditioning is null
                    ? null
                    : new ConditioningSpec(
                        Named(conditioning, nameof(ConditioningAttribute.TimeChannels), DeclarationDefaults.TimeChannels),
                        Named(conditioning, nameof(ConditioningAttribute.ContextChannels), DeclarationDefaults.ContextChannels),
                        Named(conditioning, nameof(ConditioningAttribute.Heads), DeclarationDefaults.Heads),
                        NamedArray(conditioning, nameof(ConditioningAttribute.AttentionLevels)),
                        Named(conditioning, nameof(ConditioningAttribute.BottleneckAttention), DeclarationDefaults.BottleneckAttention ? 1 : 0) != 0),
                EmptyArrays(unet, levels, bottleneck),
                NamedArguments(unet, levels, bottleneck, conditioning));
        }

        /// <summary>
        /// The network's kernel size when the declaration sets none: <see cref="DeclarationDefaults.KernelSize"/>, or for
        /// <see cref="BlockKind.ConvNeXt"/> its depthwise kernel <see cref="DeclarationDefaults.ConvNeXtKernelSize"/>,
        /// unless a per-axis <see cref="UNetAttribute.Kernel"/> is set (which then decides alone).
        /// </summary>
        private static int DefaultKernelSize(AttributeData unet, BlockKind block) =>
            block == BlockKind.ConvNeXt && !IsSet(unet, nameof(UNetAttribute.Kernel))
                ? DeclarationDefaults.ConvNeXtKernelSize
                : DeclarationDefaults.KernelSize;

        /// <summary>
        /// The paths of the array arguments written as empty arrays (<c>InputSize = new int[0]</c>): they read like
        /// absent ones, which would silently mean the default. <c>AttentionLevels</c> is left out: empty there means no
        /// attention level, which is its default.
        /// </summary>
        private static EquatableArray<string> EmptyArrays(AttributeData unet, List<AttributeData> levels, AttributeData bottleneck)
        {
            var paths = new List<string>();
            void Add(string owner, AttributeData attribute)
            {
                foreach (var pair in attribute.NamedArguments)
                {
                    if (pair.Value.Kind == TypedConstantKind.Array && !pair.Value.IsNull && pair.Value.Values.Length == 0)
                    {
                        paths.Add(ArgumentPath.Argument(owner, pair.Key));
                    }
                }
            }

            Add(ArgumentPath.UNet, unet);
            for (var i = 0; i < levels.Count; i++)
            {
                Add(ArgumentPath.Level(i + 1), levels[i]);
            }

            Add(ArgumentPath.Bottleneck, bottleneck);
            return paths.ToEquatableArray();
        }

        /// <summary>The paths of the named arguments the declaration writes (<c>UNet.Activation</c>), whatever their values.</summary>
        private static EquatableArray<string> NamedArguments(AttributeData unet, List<AttributeData> levels, AttributeData bottleneck, AttributeData? conditioning)
        {
            var paths = new List<string>();
            void Add(string owner, AttributeData attribute)
            {
                foreach (var pair in attribute.NamedArguments)
                {
                    paths.Add(ArgumentPath.Argument(owner, pair.Key));
                }
            }

            Add(ArgumentPath.UNet, unet);
            for (var i = 0; i < levels.Count; i++)
            {
                Add(ArgumentPath.Level(i + 1), levels[i]);
            }

            Add(ArgumentPath.Bottleneck, bottleneck);
            if (conditioning is not null)
            {
                Add(ArgumentPath.Conditioning, conditioning);
            }

            return paths.ToEquatableArray();
        }

        /// <summary>
        /// The full name of one of our attribute types, or null: the test <c>ToDisplayString() == name</c> made part by part,
        /// without building the display string, which took most of the parser's time.
        /// </summary>
        internal static string? OurAttributeName(INamedTypeSymbol? attribute) =>
            attribute is { Arity: 0, ContainingType: null, ContainingNamespace: { Name: AttributeNamespace, ContainingNamespace.IsGlobalNamespace: true } }
                ? attribute.Name switch
                {
                    nameof(UNetAttribute) => UNetAttributeName,
                    nameof(LevelAttribute) => LevelAttributeName,
                    nameof(BottleneckAttribute) => BottleneckAttributeName,
                    nameof(ConditioningAttribute) => ConditioningAttributeName,
                    _ => null,
                }
                : null;

        /// <summary>
        /// The namespace's parts as written without <c>@</c>, dotted (<c>event.Models</c> for <c>namespace @event.Models</c>):
        /// the emitter escapes each part again, and file names never see an <c>@</c>.
        /// </summary>
        private static string? NamespaceName(INamespaceSymbol? ns)
        {
            var parts = new List<string>();
            for (var current = ns; current is { IsGlobalNamespace: false }; current = current.ContainingNamespace)
            {
                parts.Add(current.Name);
            }

            parts.Reverse();
            return parts.Count == 0 ? null : string.Join(".", parts);
        }

        /// <summary>True unless another partial declaration of the class holds the [UNet] the compiler binds first.</summary>
        private bool HoldsFirstUNet(TypeDeclarationSyntax declaration)
        {
            foreach (var attribute in type!.GetAttributes())
            {
                if (OurAttributeName(attribute.AttributeClass) == UNetAttributeName)
                {
                    return attribute.ApplicationSyntaxReference is not { } reference
                        || (reference.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(reference.Span));
                }
            }

            return true;
        }

        /// <summary>
        /// UNET0016: the order of [Level] attributes is the order of the levels, and C# gives no order to partial
        /// declarations (it follows the order of the files), so all levels must stand on one declaration.
        /// </summary>
        private void CheckLevelsOnOneDeclaration(List<AttributeData> levels)
        {
            var declarations = new List<SyntaxNode>();
            foreach (var level in levels)
            {
                if (level.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax || syntax.Parent?.Parent is not { } owner)
                {
                    continue;
                }

                if (!declarations.Contains(owner))
                {
                    declarations.Add(owner);
                    if (declarations.Count > 1)
                    {
                        Report(DiagnosticDescriptors.LevelsOnSeveralDeclarations, new LocationInfo(syntax.SyntaxTree, syntax.Span), _name, "[" + syntax + "]");
                    }
                }
            }
        }

        private static LevelSpec ReadLevel(AttributeData level) => new(
            ParamsArray(level),
            Named(level, nameof(LevelAttribute.KernelSize), DeclarationDefaults.NotSet),
            NamedArray(level, nameof(LevelAttribute.Kernel)),
            NamedArray(level, nameof(LevelAttribute.Pool)),
            NamedArray(level, nameof(LevelAttribute.DecoderChannels)),
            Named(level, nameof(LevelAttribute.UpChannels), DeclarationDefaults.NotSet),
            (SkipJoin)Named(level, nameof(LevelAttribute.Skip), (int)DeclarationDefaults.Skip),
            Named(level, nameof(LevelAttribute.SkipFrom), DeclarationDefaults.NotSet),
            Named(level, nameof(LevelAttribute.GateChannels), DeclarationDefaults.NotSet),
            Named(level, nameof(LevelAttribute.DeepSupervision), 0) != 0,
            Named(level, nameof(LevelAttribute.Checkpoint), 0) != 0);

        private void CheckForm(TypeDeclarationSyntax declaration)
        {
            if (type!.ContainingType is { } outer)
            {
                Report(DiagnosticDescriptors.NestedType, ClassLocation, _name, outer.ToDisplayString());
            }

            if (type.TypeParameters.Length > 0)
            {
                Report(DiagnosticDescriptors.GenericType, ClassLocation, _name);
            }

            string? form = null;
            if (type.TypeKind != TypeKind.Class)
            {
                form = type.TypeKind switch
                {
                    TypeKind.Interface => "an interface",
                    TypeKind.Struct when type.IsRecord => "a record struct",
                    TypeKind.Struct when type.IsRefLikeType => "a ref struct",
                    _ => "a " + type.TypeKind.ToString().ToLowerInvariant(),
                };
            }
            else if (type.IsRecord)
            {
                form = "a record";
            }
            else if (type.IsStatic)
            {
                form = "static";
            }
            else if (type.IsAbstract)
            {
                // The generated constructor would build a module nobody can create.
                form = "abstract";
            }
            else if (declaration.Modifiers.Any(m => m.IsKind(SyntaxKind.FileKeyword)))
            {
                // A file-local class is another type than the generated partial, which cannot be in its file.
                form = "file-local";
            }
            else if (type.BaseType is { SpecialType: not SpecialType.System_Object } baseType)
            {
                form = "derived from '" + baseType.ToDisplayString() + "'";
            }

            if (form is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedType, ClassLocation, _name, form);
            }

            if (!declaration.Modifiers.Any(m => m.IsKind(SyntaxKind.PartialKeyword)))
            {
                Report(DiagnosticDescriptors.NotPartial, ClassLocation, _name);
            }
        }

        /// <summary>
        /// An attribute whose arguments did not bind (a non-constant, a wrong type) has no constructor or an error
        /// constant; the compiler reports the C# error, we add ours on the attribute so the declaration is not silently
        /// left without its module.
        /// </summary>
        private bool Readable(AttributeData attribute, string path)
        {
            var broken = attribute.AttributeConstructor is null
                || attribute.ConstructorArguments.Any(Broken)
                || attribute.NamedArguments.Any(a => Broken(a.Value));
            if (broken)
            {
                Report(DiagnosticDescriptors.InvalidArgument, Find(path), "An argument of " + Display(path), "this attribute", "every argument must be a constant of the parameter's type");
            }

            return !broken;
        }

        // An argument that is not a constant binds as an error constant, inside a params array too.
        private static bool Broken(TypedConstant constant) =>
            constant.Kind == TypedConstantKind.Error
            || (constant.Kind == TypedConstantKind.Array && !constant.IsNull && constant.Values.Any(Broken));

        private static string Display(string path) => path is ArgumentPath.UNet or ArgumentPath.Bottleneck or ArgumentPath.Conditioning ? "[" + path + "]" : "[" + path.Replace("[", "(").Replace("]", ")") + "]";

        private LocationInfo Find(string path) => ArgumentLocations.Find(_locations, path) ?? ClassLocation;

        /// <summary>Records where the attribute and each of its arguments (and array elements) stand.</summary>
        private void Locate(string owner, AttributeData attribute, string[] positionalNames, string? paramsName)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax)
            {
                return;
            }

            _locations.Add(new ArgumentLocation(owner, new LocationInfo(syntax.SyntaxTree, syntax.Span)));
            var arguments = syntax.ArgumentList?.Arguments ?? default;
            var positional = arguments.Where(a => a.NameEquals is null).ToList();
            for (var i = 0; i < positional.Count; i++)
            {
                var argument = positional[i];
                if (paramsName is not null)
                {
                    // params int[]: either one value per argument or a single array (which may have no initializer: new int[0]).
                    if (positional.Count == 1 && argument.Expression is ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax)
                    {
                        AddLocation(ArgumentPath.Argument(owner, paramsName), argument);
                        if (Elements(argument.Expression) is { } elements)
                        {
                            AddElements(ArgumentPath.Argument(owner, paramsName), elements);
                        }
                    }
                    else
                    {
                        AddLocation(ArgumentPath.Element(ArgumentPath.Argument(owner, paramsName), i), argument);
                    }

                    continue;
                }

                var name = argument.NameColon is { } colon
                    ? positionalNames.FirstOrDefault(n => string.Equals(n, colon.Name.Identifier.ValueText, StringComparison.OrdinalIgnoreCase))
                    : (i < positionalNames.Length ? positionalNames[i] : null);
                if (name is not null)
                {
                    AddLocation(ArgumentPath.Argument(owner, name), argument);
                }
            }

            if (paramsName is not null && positional.Count > 1)
            {
                var span = Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(positional[0].SpanStart, positional[positional.Count - 1].Span.End);
                _locations.Add(new ArgumentLocation(ArgumentPath.Argument(owner, paramsName), new LocationInfo(syntax.SyntaxTree, span)));
            }

            LocateNamed(owner, arguments);
        }

        /// <summary>Records where each named argument (and its array elements) stands; a name set twice is reported.</summary>
        private void LocateNamed(string owner, SeparatedSyntaxList<AttributeArgumentSyntax> arguments)
        {
            var named = new HashSet<string>(StringComparer.Ordinal);
            foreach (var argument in arguments.Where(a => a.NameEquals is not null))
            {
                var name = argument.NameEquals!.Name.Identifier.ValueText;
                var path = ArgumentPath.Argument(owner, name);
                if (!named.Add(name))
                {
                    // C# reports CS0643 too; ours says which value would be lost, and keeps the class from being generated.
                    Report(DiagnosticDescriptors.InvalidArgument, new LocationInfo(argument.SyntaxTree, argument.Span), argument.ToString(), name, name + " is already set in this attribute; keep one");
                    continue;
                }

                AddLocation(path, argument);
                if (Elements(argument.Expression) is { } elements)
                {
                    AddElements(path, elements);
                }
            }
        }

        private void AddLocation(string path, SyntaxNode node) => _locations.Add(new ArgumentLocation(path, new LocationInfo(node.SyntaxTree, node.Span)));

        private void AddElements(string path, IReadOnlyList<ExpressionSyntax> elements)
        {
            for (var j = 0; j < elements.Count; j++)
            {
                AddLocation(ArgumentPath.Element(path, j), elements[j]);
            }
        }

        private static IReadOnlyList<ExpressionSyntax>? Elements(ExpressionSyntax expression) => expression switch
        {
            ArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions,
            ImplicitArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions,
            CollectionExpressionSyntax collection => collection.Elements.OfType<ExpressionElementSyntax>().Select(e => e.Expression).ToList(),
            _ => null,
        };

        private static int Positional(AttributeData attribute, int index) =>
            attribute.ConstructorArguments.Length > index ? ToInt(attribute.ConstructorArguments[index]) : 0;

        private static EquatableArray<int> ParamsArray(AttributeData attribute)
        {
            if (attribute.ConstructorArguments.Length == 0)
            {
                return EquatableArray<int>.Empty;
            }

            var argument = attribute.ConstructorArguments[0];
            return argument.Kind == TypedConstantKind.Array && !argument.IsNull
                ? argument.Values.Select(ToInt).ToEquatableArray()
                : EquatableArray<int>.Empty;
        }

        private static int Named(AttributeData attribute, string name, int fallback)
        {
            foreach (var pair in attribute.NamedArguments)
            {
                if (pair.Key == name)
                {
                    return ToInt(pair.Value);
                }
            }

            return fallback;
        }

        /// <summary>True when the attribute sets <paramref name="name"/>, to any value.</summary>
        private static bool IsSet(AttributeData attribute, string name)
        {
            foreach (var pair in attribute.NamedArguments)
            {
                if (pair.Key == name)
                {
                    return true;
                }
            }

            return false;
        }

        private static double NamedDouble(AttributeData attribute, string name, double fallback)
        {
            foreach (var pair in attribute.NamedArguments)
            {
                if (pair.Key == name && pair.Value.Value is { } value)
                {
                    return Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return fallback;
        }

        private static EquatableArray<int> NamedArray(AttributeData attribute, string name)
        {
            foreach (var pair in attribute.NamedArguments)
            {
                if (pair.Key == name && pair.Value.Kind == TypedConstantKind.Array && !pair.Value.IsNull)
                {
                    return pair.Value.Values.Select(ToInt).ToEquatableArray();
                }
            }

            return EquatableArray<int>.Empty;
        }

        private static int ToInt(TypedConstant constant) => constant.Value switch
        {
            int value => value,
            bool flag => flag ? 1 : 0,
            null => 0,
            var other => Convert.ToInt32(other, System.Globalization.CultureInfo.InvariantCulture),
        };

        private void Report(DiagnosticDescriptor descriptor, LocationInfo location, params string[] arguments) =>
            _diagnostics.Add(new DiagnosticInfo(descriptor.Id, location, arguments.ToEquatableArray()));

        private ParsedDeclaration Result(UNetSpec? spec) =>
            new(spec, _locations.ToEquatableArray(), _diagnostics.ToEquatableArray());
    }
}
