using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

// The autograd function behind CenterCrop for channels-last maps that need a gradient (Layer.Cropping.cs).
public static partial class Layer
{
    /// <summary>A centre crop whose backward keeps the channels-last layout (see <see cref="CenterCrop"/>).</summary>
    private sealed class ChannelsLastCrop : autograd.SingleTensorFunction<ChannelsLastCrop>
    {
        private const string OffsetsKey = "offsets";
        private const string ShapeKey = "shape";

        public override string Name => "UNetDslChannelsLastCrop";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var skip = (Tensor)vars[0];
            var offsets = (long[])vars[1];
            ctx.save_data(OffsetsKey, offsets);
            ctx.save_data(ShapeKey, skip.shape);
            return Narrow(skip, offsets, (long[])vars[2]);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var offsets = (long[])ctx.get_data(OffsetsKey);
            var shape = (long[])ctx.get_data(ShapeKey);
            var rank = shape.Length;
            var toLast = ToLast(rank);
            var back = new long[rank];
            for (var axis = 0; axis < rank; axis++)
            {
                back[toLast[axis]] = axis;
            }

            // Zeros laid out NHWC (NDHWC), viewed as NCHW: the skip's own layout.
            Tensor full;
            using (var packed = torch.zeros(Array.ConvertAll(toLast, axis => shape[axis]), dtype: grad_output.dtype, device: grad_output.device))
            {
                full = packed.permute(back);
            }

            using (var window = Narrow(full, offsets, grad_output.shape))
            {
                window.copy_(grad_output);
            }

            return new List<Tensor> { full, null!, null! };
        }
    }
}
