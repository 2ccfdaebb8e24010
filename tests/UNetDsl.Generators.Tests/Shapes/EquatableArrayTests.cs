using UNetDsl.Generators.Model;
using Xunit;

namespace UNetDsl.Generators.Tests.Shapes;

public class EquatableArrayTests
{
    [Fact]
    public void Arrays_with_the_same_elements_are_equal_and_hash_alike()
    {
        var first = EquatableArray.Create(1, 2, 3);
        var second = new EquatableArray<int>(new[] { 1, 2, 3 });

        Assert.Equal(first, second);
        Assert.True(first == second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Fact]
    public void Arrays_differ_by_element_or_length()
    {
        Assert.NotEqual(EquatableArray.Create(1, 2, 3), EquatableArray.Create(1, 2, 4));
        Assert.NotEqual(EquatableArray.Create(1, 2, 3), EquatableArray.Create(1, 2));
    }

    [Fact]
    public void Default_equals_empty()
    {
        Assert.Equal(default(EquatableArray<int>), new EquatableArray<int>(System.Array.Empty<int>()));
        Assert.Empty(default(EquatableArray<int>));
        Assert.True(default(EquatableArray<int>).IsEmpty);
    }

    [Fact]
    public void Records_holding_arrays_compare_by_value()
    {
        var first = ShapeEngineTests.Level(64);
        var second = ShapeEngineTests.Level(64);

        Assert.Equal(first, second);
        Assert.NotEqual(first, second with { Channels = EquatableArray.Create(32) });
    }
}
