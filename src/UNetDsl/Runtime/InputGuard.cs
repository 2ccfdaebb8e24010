using System;
using System.Globalization;
using System.Linq;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl;

/// <summary>
/// The run-time check at the top of every generated <c>forward</c>: rank, channels, spatial sizes, dtype and device
/// of the input, verified from its metadata before any computation, so that a wrong input fails with a message
/// that states what was expected and what came, instead of a native error deep inside a convolution.
/// </summary>
public static class InputGuard
{
    /// <summary>Throws an <see cref="ArgumentException"/> when <paramref name="input"/> does not fit the network.</summary>
    /// <param name="input">The tensor given to <c>forward</c>.</param>
    /// <param name="model">The network's name, for the message.</param>
    /// <param name="channels">The input channels the network was declared with.</param>
    /// <param name="rules">The valid-size rule of each spatial axis.</param>
    /// <param name="parameter">Any parameter of the network: its dtype and device are the ones the input must have.</param>
    public static void Check(Tensor input, string model, int channels, ValidSizeRule[] rules, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(input);
        var axes = rules.Length;
        var axisNames = axes == 3 ? new[] { "D", "H", "W" } : new[] { "H", "W" };
        var expected = "[N, " + channels.ToString(CultureInfo.InvariantCulture) + ", " + string.Join(", ", axisNames) + "]";
        var shape = input.shape;
        var actual = "[" + string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]";

        if (shape.Length != axes + 2)
        {
            throw new ArgumentException(
                $"UNET2001: {model} expects a rank-{axes + 2} input {expected}; got rank {shape.Length} {actual}. " +
                (shape.Length == axes + 1 ? "Add the batch axis with input.unsqueeze(0)." : "Reshape the input to " + expected + "."),
                nameof(input));
        }

        if (shape[1] != channels)
        {
            throw new ArgumentException(
                $"UNET2002: {model} expects {channels} input channel(s) {expected}; got {shape[1]} in {actual}.",
                nameof(input));
        }

        StringBuilder? problems = null;
        for (var axis = 0; axis < axes; axis++)
        {
            var size = shape[axis + 2];
            if (!rules[axis].IsValid(size))
            {
                problems ??= new StringBuilder();
                problems.Append(problems.Length == 0 ? string.Empty : "; ")
                    .Append(axisNames[axis]).Append(" = ").Append(size.ToString(CultureInfo.InvariantCulture))
                    .Append(" is not one of ").Append(rules[axis]).Append(", nearest valid: ").Append(rules[axis].DescribeNearest(size));
            }
        }

        if (problems is not null)
        {
            var suggestion = "[" + shape[0].ToString(CultureInfo.InvariantCulture) + ", " + channels.ToString(CultureInfo.InvariantCulture) + ", "
                + string.Join("x", Enumerable.Range(0, axes).Select(a => (shape[a + 2] > rules[a].MaxInput ? rules[a].MaxInput : rules[a].Nearest(shape[a + 2]).Above).ToString(CultureInfo.InvariantCulture))) + "]";
            throw new ArgumentException(
                $"UNET2003: {model} cannot line up the spatial size of {actual}: {problems}. Pad or crop the input to e.g. {suggestion}, or segment it with overlap-tile prediction.",
                nameof(input));
        }

        if (input.dtype != parameter.dtype)
        {
            throw new ArgumentException(
                $"UNET2004: {model} has {parameter.dtype} parameters and expects a {parameter.dtype} input; got {input.dtype}. Convert with input.to({parameter.dtype}).",
                nameof(input));
        }

        if (input.device_type != parameter.device_type || input.device_index != parameter.device_index)
        {
            throw new ArgumentException(
                $"UNET2005: {model} lives on {parameter.device} and expects its input there; got an input on {input.device}. Move it with input.to(model's device).",
                nameof(input));
        }
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> when the timestep or context of a conditional U-Net do not fit the
    /// batch of <paramref name="input"/>, or are of another dtype or device (call after <see cref="Check"/>, which
    /// made sure the input has the parameters' dtype and device): the context must have the input's dtype, as the
    /// cross-attention's linear layers multiply it with their weights; the timesteps may be of any integer or floating
    /// type (the embedding converts them); both must be on the input's device.
    /// </summary>
    /// <param name="input">The batch [N, C, spatial...].</param>
    /// <param name="timestep">One timestep per sample: [N].</param>
    /// <param name="context">Cross-attention tokens: [N, tokens, <paramref name="contextChannels"/>].</param>
    /// <param name="model">The network's name, for the message.</param>
    /// <param name="contextChannels">The width of each context token the network was declared with.</param>
    public static void CheckConditioning(Tensor input, Tensor timestep, Tensor context, string model, int contextChannels)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(timestep);
        ArgumentNullException.ThrowIfNull(context);
        var batch = input.shape[0];
        if (timestep.shape.Length != 1 || timestep.shape[0] != batch)
        {
            throw new ArgumentException(
                $"UNET2006: {model} expects one timestep per sample, [{batch}]; got [{string.Join(", ", timestep.shape)}].",
                nameof(timestep));
        }

        var shape = context.shape;
        if (shape.Length != 3 || shape[0] != batch || shape[2] != contextChannels)
        {
            throw new ArgumentException(
                $"UNET2007: {model} expects a context [{batch}, tokens, {contextChannels}]; got [{string.Join(", ", shape)}].",
                nameof(context));
        }

        if (timestep.dtype == ScalarType.Bool || !(is_integral(timestep.dtype) || is_floating_point(timestep)))
        {
            throw new ArgumentException(
                $"UNET2004: {model} expects timesteps of an integer or floating type (such as Int64 or {input.dtype}); got {timestep.dtype}. Convert with timestep.to(ScalarType.Int64).",
                nameof(timestep));
        }

        if (context.dtype != input.dtype)
        {
            throw new ArgumentException(
                $"UNET2004: {model} has {input.dtype} parameters and expects a {input.dtype} context; got {context.dtype}. Convert with context.to({input.dtype}).",
                nameof(context));
        }

        CheckDevice(timestep, nameof(timestep), input, model);
        CheckDevice(context, nameof(context), input, model);
    }

    private static void CheckDevice(Tensor tensor, string name, Tensor input, string model)
    {
        if (tensor.device_type != input.device_type || tensor.device_index != input.device_index)
        {
            throw new ArgumentException(
                $"UNET2005: {model} lives on {input.device} and expects its {name} there; got a {name} on {tensor.device}. Move it with {name}.to(model's device).",
                name);
        }
    }
}
