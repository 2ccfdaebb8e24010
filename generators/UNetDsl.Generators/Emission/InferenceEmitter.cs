using System.Linq;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Shapes;

namespace UNetDsl.Generators.Emission;

/// <summary>
/// Writes the members that switch a generated network between training and inference: <c>PrepareForInference</c>
/// (batch norms folded, and a bfloat16 copy where that is the precision), <c>PrepareForTraining</c>, <c>Predict</c>,
/// and the bfloat16 copy's plumbing. Pure: spec and graph in, source text out.
/// </summary>
internal static class InferenceEmitter
{
    /// <summary>The field holding the bfloat16 inference copy.</summary>
    public const string CopyField = "_bfloat16Copy";

    /// <summary>The method evaluation-mode forward delegates to while a bfloat16 copy exists.</summary>
    public const string CopyForward = "ForwardInBFloat16";

    private const string Tensor = TorchSharpLayers.Tensor;
    private const string Precision = "global::UNetDsl.ComputePrecision";

    /// <summary>The names these members take in the network class.</summary>
    public static readonly string[] MemberNames =
    {
        "PrepareForInference", "PrepareForTraining", "InferencePrecision", "CreateSibling", CopyField, CopyForward, "DropBFloat16Copy", "train", "_toEpilog",
    };

    public static void Write(SourceWriter w, UNetSpec spec, LayerGraph graph)
    {
        var conditioned = graph.Network.Conditioning is not null;
        WriteCopyState(w, spec, conditioned);
        WritePrepareForInference(w, spec, graph, conditioned);
        WritePrepareForTraining(w);
        WriteCreateSibling(w, spec);
        if (!conditioned)
        {
            WritePredict(w);
            WriteCopyForward(w, spec);
        }
    }

    /// <summary>
    /// The statement at the top of <c>forward</c> (after the input check) that hands evaluation-mode calls to the
    /// bfloat16 copy; <paramref name="condition"/> narrows it (deep supervision: only when no heads are asked for).
    /// </summary>
    public static void WriteForwardDelegation(SourceWriter w, string? condition = null)
    {
        w.Open("if (" + (condition is null ? string.Empty : condition + " && ") + CopyField + " is not null && !training)");
        w.Line("return " + CopyForward + "(input);");
        w.Close();
        w.Line();
    }

    private static void WriteCopyState(SourceWriter w, UNetSpec spec, bool conditioned)
    {
        w.Line("/// <summary>The bfloat16 copy <see cref=\"PrepareForInference\"/> made, or null; evaluation-mode forward runs it. Not a registered module: the state_dict does not see it.</summary>");
        w.Line("private " + Identifiers.QualifiedType(spec) + "? " + CopyField + ";");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The precision evaluation-mode <see cref=\"forward\"/>" + (conditioned ? string.Empty : " and <see cref=\"Predict\"/>") + " compute in, as the last");
        w.Line("/// <see cref=\"PrepareForInference\"/> chose it: Float32 until then, and again after training mode or a move.");
        w.Line("/// </summary>");
        w.Line("public " + Precision + " InferencePrecision { get; private set; } = " + Precision + ".Float32;");
        w.Line();
        w.Line("/// <inheritdoc />");
        w.Line("/// <remarks>Training mode drops the bfloat16 inference copy, which further training would leave stale.</remarks>");
        w.Open("public override void train(bool on = true)");
        w.Open("if (on)");
        w.Line("DropBFloat16Copy();");
        w.Close();
        w.Line();
        w.Line("base.train(on);");
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc />");
        w.Line("/// <remarks>A move or cast drops the bfloat16 inference copy, which would stay behind; prepare again afterwards.</remarks>");
        w.Open("protected override void _toEpilog(global::TorchSharp.torch.ScalarType? dtype, global::TorchSharp.torch.Device? device, bool non_blocking)");
        w.Line("DropBFloat16Copy();");
        w.Line("base._toEpilog(dtype, device, non_blocking);");
        w.Close();
        w.Line();
        w.Open("private void DropBFloat16Copy()");
        w.Line(CopyField + "?.Dispose();");
        w.Line(CopyField + " = null;");
        w.Line("InferencePrecision = " + Precision + ".Float32;");
        w.Close();
        w.Line();
    }

    private static void WritePrepareForInference(SourceWriter w, UNetSpec spec, LayerGraph graph, bool conditioned)
    {
        w.Line("/// <summary>");
        w.Line("/// Prepares the network for inference: evaluation mode, every batch norm folded into the convolution before");
        w.Line("/// it (one convolution where there were a convolution and a norm), and inference copies of the blocks' convolutions");
        w.Line("/// in channels-last strides, the layout oneDNN runs fastest here. In bfloat16 the folds are computed in float32 and");
        w.Line("/// rounded once into a bfloat16 copy of the network, which evaluation-mode forward then runs on bfloat16 inputs,");
        w.Line("/// returning float32 scores. The parameters and state_dict do not change; training mode drops the copies. Call");
        w.Line("/// again after further training.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"precision\">Auto: bfloat16 where the CPU has native bfloat16 (avx512_bf16 or AMX), else float32;");
        w.Line("/// the environment variable UNETDSL_PRECISION (fp32, bf16, auto) overrides Auto." + (conditioned ? " A conditioned network computes in float32." : string.Empty) + "</param>");
        w.Line("/// <returns>The number of batch norms folded.</returns>");
        if (conditioned)
        {
            w.Line("/// <exception cref=\"global::System.NotSupportedException\">BFloat16 was asked for explicitly.</exception>");
        }

        w.Open("public int PrepareForInference(" + Precision + " precision = " + Precision + ".Auto)");
        w.Line(Precision + " resolved = global::UNetDsl.PrecisionChoice.Resolve(precision" + (conditioned ? ", " + Identifiers.StringLiteral(spec.TypeName) + ", bfloat16Supported: false" : string.Empty) + ");");
        w.Line("DropBFloat16Copy();");
        w.Line("eval();");
        var folds = TorchSharpLayers.Modules(graph).Where(TorchSharpLayers.FoldsBatchNorm).Select(node => node.Name + ".FoldBatchNorm()").ToList();
        var foldAll = folds.Count == 0 ? "0" : string.Join(" + ", folds);
        if (conditioned)
        {
            w.Line("return " + foldAll + ";");
            w.Close();
            w.Line();
            return;
        }

        w.Open("if (resolved != " + Precision + ".BFloat16)");
        w.Line("return " + foldAll + ";");
        w.Close();
        w.Line();
        w.Line("// The copy folds from exact float32 weights, then casts: each weight is rounded to bfloat16 once.");
        var type = Identifiers.QualifiedType(spec);
        w.Line(type + " copy = new " + type + "(head.weight!.device);");
        w.Open("try");
        w.Line("global::UNetDsl.Layers.PrecisionCopies.CopyWeights(this, copy);");
        w.Line("int folded = copy.PrepareForInference(" + Precision + ".Float32);");
        w.Line("global::TorchSharp.ModuleExtensionMethods.to(copy, global::TorchSharp.torch.ScalarType.BFloat16);");
        w.Line(CopyField + " = copy;");
        w.Line("InferencePrecision = resolved;");
        w.Line("return folded;");
        w.Close();
        w.Open("catch");
        w.Line("copy.Dispose();");
        w.Line("throw;");
        w.Close();
        w.Close();
        w.Line();
    }

    private static void WritePrepareForTraining(SourceWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// Prepares the network for training: training mode, and every convolution weight (with its gradient and");
        w.Line("/// <paramref name=\"optimizer\"/>'s state) in channels-last strides where that trains faster (see");
        w.Line("/// <see cref=\"global::UNetDsl.Layers.Layer.UseChannelsLastForTraining\"/>). Same parameter objects, values, outputs");
        w.Line("/// and gradients. <see cref=\"global::UNetDsl.Training.Checkpoint\"/> saves and loads it as it is; call");
        w.Line("/// <see cref=\"global::UNetDsl.Layers.Layer.UseContiguousLayout\"/> before TorchSharp's Module.save or load.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"optimizer\">The optimiser, when it exists already, so that its state is laid out too; or null.</param>");
        w.Line("/// <returns>True when the convolutions now train channels-last.</returns>");
        w.Open("public bool PrepareForTraining(global::TorchSharp.torch.optim.Optimizer? optimizer = null)");
        w.Line("train();");
        w.Line("return global::UNetDsl.Layers.Layer.UseChannelsLastForTraining(this, optimizer);");
        w.Close();
        w.Line();
    }

    private static void WriteCreateSibling(SourceWriter w, UNetSpec spec)
    {
        w.Line("/// <summary>A new network of the same declaration with freshly initialised parameters, e.g. a compute copy in another precision.</summary>");
        w.Line("/// <param name=\"device\">Where its parameters live; null for the default device.</param>");
        w.Line("/// <param name=\"dtype\">Its parameters' type; null for float32.</param>");
        w.Line("public global::TorchSharp.torch.nn.Module CreateSibling(global::TorchSharp.torch.Device? device = null, global::TorchSharp.torch.ScalarType? dtype = null) => new "
            + Identifiers.QualifiedType(spec) + "(device, dtype);");
        w.Line();
    }

    private static void WritePredict(SourceWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// Runs <see cref=\"forward\"/> in inference mode (no autograd bookkeeping), on a channels-last view of the input,");
        w.Line("/// in <see cref=\"InferencePrecision\"/>; the result is an ordinary contiguous float32 tensor.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\">As for <see cref=\"forward\"/>.</param>");
        w.Open("public " + Tensor + " Predict(" + Tensor + " input)");
        w.Line("using (global::TorchSharp.torch.inference_mode())");
        w.Line("using (" + Tensor + " packed = global::UNetDsl.Layers.Layer.ToChannelsLast(input))");
        w.Open("using (" + Tensor + " output = forward(packed))");
        w.Line("return output.contiguous();");
        w.Close();
        w.Close();
        w.Line();
    }

    private static void WriteCopyForward(SourceWriter w, UNetSpec spec)
    {
        w.Line("/// <summary>The bfloat16 copy's forward on a float32 input (checked by forward): bfloat16 in, float32 scores out.</summary>");
        w.Open("private " + Tensor + " " + CopyForward + "(" + Tensor + " input)");
        w.Line("using " + Tensor + " reduced = input.to(global::TorchSharp.torch.ScalarType.BFloat16);");
        w.Line("using " + Tensor + " output = " + CopyField + "!.forward(reduced);");
        w.Line("return output.to(global::TorchSharp.torch.ScalarType.Float32);");
        w.Close();
        w.Line();
    }
}
