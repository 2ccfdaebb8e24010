using System;
using System.Linq;
using Xunit;

namespace UNetDsl.Generators.Tests.Robustness;

public class CompatibilityTests
{
    [Fact]
    public void Generator_loads_in_the_compiler_of_the_dotnet_8_sdk()
    {
        // The .NET 8 SDK ships Roslyn 4.8: a generator built against a newer Microsoft.CodeAnalysis fails to load there.
        var references = typeof(UNetGenerator).Assembly.GetReferencedAssemblies();
        var roslyn = references.Where(r => r.Name is "Microsoft.CodeAnalysis" or "Microsoft.CodeAnalysis.CSharp").ToList();

        Assert.NotEmpty(roslyn);
        Assert.All(roslyn, r => Assert.True(r.Version <= new Version(4, 8, 0, 0), r.FullName));
        Assert.DoesNotContain(references, r => r.Name!.StartsWith("TorchSharp", StringComparison.Ordinal));
    }

    [Fact]
    public void Generator_targets_netstandard_2_0()
    {
        var framework = typeof(UNetGenerator).Assembly
            .GetCustomAttributes(typeof(System.Runtime.Versioning.TargetFrameworkAttribute), false)
            .Cast<System.Runtime.Versioning.TargetFrameworkAttribute>()
            .Single();

        Assert.Equal(".NETStandard,Version=v2.0", framework.FrameworkName);
    }
}
