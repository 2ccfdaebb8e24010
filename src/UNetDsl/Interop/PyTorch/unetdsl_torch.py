"""PyTorch building blocks of UNetDsl's generated U-Nets, and TorchSharp's weight-file format.

Every class here mirrors a layer of the UNetDsl runtime library (UNetDsl.Layers): the same submodule names, in the
same registration order, so that a twin's ``state_dict`` keys equal those of the TorchSharp module, and the same
arithmetic, so that both give the same outputs for the same weights. A generated twin (``<Name>.py``) imports this
module and only wires the blocks together.

TorchSharp's ``Module.save`` writes a state dict as: the number of entries, then for each entry its name and its
tensor. Counts, dtypes, ranks and sizes are unsigned LEB128 integers; a name is an LEB128 byte length followed by
UTF-8 bytes (what .NET's ``BinaryWriter.Write(string)`` writes); a tensor is its dtype code (the c10 ScalarType
number), its rank, its sizes and its elements as raw little-endian bytes in row-major order.

Command line::

    python3 -m unetdsl_torch convert IN OUT     # TorchSharp .bin <-> PyTorch .pt state dict, by IN's content
"""

import collections
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "ConvBlock", "ConvNeXtBlock", "UpsampleConv", "AttentionGate", "TimestepEmbedding", "TimeConditionedBlock", "SpatialTransformer",
    "conv", "pointwise", "up_conv", "max_pool", "norm", "activation", "center_crop",
    "load_torchsharp", "save_torchsharp", "read_torchsharp", "write_torchsharp", "convert",
]


# ---------------------------------------------------------------------------------------------------------------
# Layers (UNetDsl.Layers.Layer)
# ---------------------------------------------------------------------------------------------------------------

def _check_dimensions(dimensions):
    if dimensions not in (2, 3):
        raise ValueError("UNetDsl builds 2D and 3D networks only; got %r dimensions." % (dimensions,))


def conv(dimensions, in_channels, out_channels, kernel, padding, bias):
    """A convolution with a per-axis kernel and zero padding, stride 1."""
    _check_dimensions(dimensions)
    cls = nn.Conv2d if dimensions == 2 else nn.Conv3d
    return cls(in_channels, out_channels, tuple(kernel), padding=tuple(padding), bias=bias)


def pointwise(dimensions, in_channels, out_channels):
    """A 1x1 (1x1x1) convolution with bias."""
    return conv(dimensions, in_channels, out_channels, [1] * dimensions, [0] * dimensions, True)


def up_conv(dimensions, in_channels, out_channels, factors):
    """The transposed convolution with kernel = stride = factors that undoes a pooling."""
    _check_dimensions(dimensions)
    cls = nn.ConvTranspose2d if dimensions == 2 else nn.ConvTranspose3d
    return cls(in_channels, out_channels, tuple(factors), stride=tuple(factors))


def max_pool(dimensions, factors=None):
    """Max-pooling with kernel = stride = factors (2 on every axis by default)."""
    _check_dimensions(dimensions)
    factors = tuple(factors) if factors is not None else (2,) * dimensions
    cls = nn.MaxPool2d if dimensions == 2 else nn.MaxPool3d
    return cls(factors, factors)


def upsample(dimensions, factors):
    """Bilinear (trilinear) interpolation by factors per axis, with half-pixel centres (align_corners=False)."""
    _check_dimensions(dimensions)
    mode = "bilinear" if dimensions == 2 else "trilinear"
    return nn.Upsample(scale_factor=tuple(float(f) for f in factors), mode=mode, align_corners=False)


def norm(dimensions, kind, channels, groups):
    """The normalisation after a convolution, or None. kind: 'None', 'Batch', 'Instance' or 'Group'."""
    _check_dimensions(dimensions)
    if kind == "None":
        return None
    if kind == "Batch":
        return (nn.BatchNorm2d if dimensions == 2 else nn.BatchNorm3d)(channels)
    if kind == "Instance":
        # TorchSharp's instance norm keeps no running statistics either: it normalises with each sample's own.
        return (nn.InstanceNorm2d if dimensions == 2 else nn.InstanceNorm3d)(channels, affine=True)
    if kind == "Group":
        return nn.GroupNorm(groups, channels)
    raise ValueError("Unknown normalisation %r." % (kind,))


def activation(kind):
    """The activation module. kind: 'ReLU', 'LeakyReLU', 'SiLU' or 'GELU'."""
    if kind == "ReLU":
        return nn.ReLU(inplace=True)
    if kind == "LeakyReLU":
        return nn.LeakyReLU(0.01, inplace=True)
    if kind == "SiLU":
        return nn.SiLU()
    if kind == "GELU":
        return nn.GELU()
    raise ValueError("Unknown activation %r." % (kind,))


def _activate(kind, x):
    """The activation as a function, for the blocks that apply it functionally."""
    if kind == "ReLU":
        return F.relu(x)
    if kind == "LeakyReLU":
        return F.leaky_relu(x, 0.01)
    if kind == "SiLU":
        return F.silu(x)
    if kind == "GELU":
        return F.gelu(x)
    raise ValueError("Unknown activation %r." % (kind,))


def center_crop(skip, target):
    """The centre of skip with the spatial size of target (a view): the paper's cropping of the encoder map."""
    cropped = skip
    for axis in range(2, skip.dim()):
        want = target.shape[axis]
        have = cropped.shape[axis]
        if have != want:
            cropped = cropped.narrow(axis, (have - want) // 2, want)
    return cropped


# ---------------------------------------------------------------------------------------------------------------
# Blocks (UNetDsl.Layers.ConvBlock, ConvNeXtBlock, UpsampleConv, AttentionGate)
# ---------------------------------------------------------------------------------------------------------------

class ConvBlock(nn.Module):
    """A stack of convolutions, each followed by its normalisation and activation (UNetDsl.Layers.ConvBlock).

    Submodules conv1, norm1, conv2, norm2, ..., then proj and proj_norm for a residual block whose channels change.
    A residual block adds its (projected, centre-cropped) input before the last activation.
    """

    def __init__(self, dimensions, in_channels, channels, kernel, padding, normalization, groups, activation_kind,
                 residual=False):
        super().__init__()
        pad = [(k - 1) // 2 if padding == "Same" else 0 for k in kernel]
        bias = normalization == "None"
        # Plain lists, as in TorchSharp: only convolutions and norms are registered (activations hold no state).
        self._steps = []
        self._final_activation = None
        current = in_channels
        for i, output in enumerate(channels):
            convolution = conv(dimensions, current, output, kernel, pad, bias)
            self.add_module("conv%d" % (i + 1), convolution)
            self._steps.append(convolution)
            normalisation = norm(dimensions, normalization, output, groups)
            if normalisation is not None:
                self.add_module("norm%d" % (i + 1), normalisation)
                self._steps.append(normalisation)
            if residual and i == len(channels) - 1:
                # A residual block's last activation comes after the addition.
                self._final_activation = activation_kind
            else:
                self._steps.append(activation(activation_kind))
            current = output
        self.proj = None
        self.proj_norm = None
        if residual and in_channels != current:
            self.proj = conv(dimensions, in_channels, current, [1] * dimensions, [0] * dimensions, bias)
            self.proj_norm = norm(dimensions, normalization, current, groups)

    def forward(self, x):
        h = x
        for step in self._steps:
            h = step(h)
        if self._final_activation is None:
            return h
        identity = x if self.proj is None else self.proj(x)
        if self.proj_norm is not None:
            identity = self.proj_norm(identity)
        return _activate(self._final_activation, h + center_crop(identity, h))


class ConvNeXtBlock(nn.Module):
    """A stack of ConvNeXt blocks, one per entry of channels (UNetDsl.Layers.ConvNeXtBlock).

    Step j: proj{j} (1x1, only where the channels change), then x = crop(x) + reduce{j}(gelu(expand{j}(norm{j}(
    depthwise{j}(x))))), with norm{j} a layer norm over the channels alone (eps 1e-6) and expand{j} / reduce{j} 1x1
    convolutions to 4x the channels and back. padding: 'Same' or 'Valid'; with 'Valid' the residual is centre-cropped.
    """

    def __init__(self, dimensions, in_channels, channels, kernel, padding):
        super().__init__()
        _check_dimensions(dimensions)
        if padding not in ("Same", "Valid"):
            raise ValueError("Unknown padding %r; expected 'Same' or 'Valid'." % (padding,))
        if len(kernel) != dimensions or not channels:
            raise ValueError("A %dD ConvNeXt block needs %d kernel sizes and at least one step." % (dimensions, dimensions))
        pad = [(k - 1) // 2 if padding == "Same" else 0 for k in kernel]
        cls = nn.Conv2d if dimensions == 2 else nn.Conv3d
        self._count = len(channels)
        current = in_channels
        # Assigned in the order TorchSharp registers them, so that the state_dict keys come in the same order.
        for j, width in enumerate(channels):
            if current != width:
                self.add_module("proj%d" % j, pointwise(dimensions, current, width))
            self.add_module("depthwise%d" % j, cls(width, width, tuple(kernel), padding=tuple(pad), groups=width, bias=True))
            self.add_module("norm%d" % j, nn.LayerNorm(width, eps=1e-6))
            self.add_module("expand%d" % j, pointwise(dimensions, width, 4 * width))
            self.add_module("reduce%d" % j, pointwise(dimensions, 4 * width, width))
            current = width

    def forward(self, x):
        for j in range(self._count):
            if "proj%d" % j in self._modules:
                x = self._modules["proj%d" % j](x)
            h = self._modules["depthwise%d" % j](x)
            # ConvNeXt's channels-first layer norm: channels moved last, normalised, moved back.
            h = self._modules["norm%d" % j](h.movedim(1, -1)).movedim(-1, 1)
            h = self._modules["reduce%d" % j](F.gelu(self._modules["expand%d" % j](h)))
            x = center_crop(x, h) + h
        return x


class UpsampleConv(nn.Module):
    """Bilinear (trilinear) up-sampling, then a 1x1 convolution that sets the channels (UNetDsl.Layers.UpsampleConv)."""

    def __init__(self, dimensions, in_channels, out_channels, factors):
        super().__init__()
        self.upsample = upsample(dimensions, factors)
        self.conv = pointwise(dimensions, in_channels, out_channels)

    def forward(self, x):
        return self.conv(self.upsample(x))


class AttentionGate(nn.Module):
    """The additive attention gate of Oktay et al. 2018 (UNetDsl.Layers.AttentionGate).

    alpha = sigmoid(psi(relu(w_x(x) + w_g(g)))) at g's resolution, resampled (align_corners=False) to x's size;
    returns x * alpha.
    """

    def __init__(self, dimensions, skip_channels, gating_channels, intermediate_channels, factors):
        super().__init__()
        _check_dimensions(dimensions)
        self._dimensions = dimensions
        cls = nn.Conv2d if dimensions == 2 else nn.Conv3d
        self.w_x = cls(skip_channels, intermediate_channels, tuple(factors), stride=tuple(factors), bias=False)
        self.w_g = pointwise(dimensions, gating_channels, intermediate_channels)
        self.psi = pointwise(dimensions, intermediate_channels, 1)

    def coefficients(self, x, g):
        coarse = torch.sigmoid(self.psi(F.relu(self.w_x(x) + self.w_g(g))))
        mode = "trilinear" if self._dimensions == 3 else "bilinear"
        return F.interpolate(coarse, size=tuple(x.shape[2:]), mode=mode, align_corners=False)

    def forward(self, x, g):
        return x * self.coefficients(x, g)


# ---------------------------------------------------------------------------------------------------------------
# Conditioning (UNetDsl.Layers.Conditioning)
# ---------------------------------------------------------------------------------------------------------------

class TimestepEmbedding(nn.Module):
    """Sinusoidal features of the timestep, then linear1, SiLU, linear2 (UNetDsl.Layers.Conditioning.TimestepEmbedding)."""

    def __init__(self, channels):
        super().__init__()
        if channels <= 0 or channels % 2 != 0:
            raise ValueError("The timestep embedding needs an even, positive width.")
        self._channels = channels
        self.linear1 = nn.Linear(channels, channels)
        self.linear2 = nn.Linear(channels, channels)

    @staticmethod
    def sinusoidal(timesteps, channels):
        half = channels // 2
        frequencies = torch.exp(
            torch.arange(half, dtype=torch.float32, device=timesteps.device) * (-math.log(10000.0) / half))
        angles = timesteps.to(torch.float32).unsqueeze(1) * frequencies.unsqueeze(0)
        return torch.cat([torch.cos(angles), torch.sin(angles)], 1)

    def forward(self, timesteps):
        features = self.sinusoidal(timesteps, self._channels).to(self.linear1.weight.dtype)
        return self.linear2(F.silu(self.linear1(features)))


class TimeConditionedBlock(nn.Module):
    """DDPM's residual block (UNetDsl.Layers.Conditioning.TimeConditionedBlock).

    Submodules conv1, norm1, conv2, norm2, ..., time, then proj where the channels change.
    """

    def __init__(self, dimensions, in_channels, channels, kernel, groups, activation_kind, time_channels):
        super().__init__()
        self._dimensions = dimensions
        self._activation = activation_kind
        self._count = len(channels)
        pad = [(k - 1) // 2 for k in kernel]
        current = in_channels
        for i, output in enumerate(channels):
            self.add_module("conv%d" % (i + 1), conv(dimensions, current, output, kernel, pad, False))
            self.add_module("norm%d" % (i + 1), nn.GroupNorm(groups, output))
            current = output
        self.time = nn.Linear(time_channels, channels[0])
        self.proj = pointwise(dimensions, in_channels, current) if in_channels != current else None

    def forward(self, x, time_embedding):
        h = x
        for i in range(self._count):
            h = getattr(self, "norm%d" % (i + 1))(getattr(self, "conv%d" % (i + 1))(h))
            if i == 0:
                shift = self.time(F.silu(time_embedding))
                h = h + shift.reshape(shift.shape + (1,) * self._dimensions)
            if i == self._count - 1:
                h = h + (x if self.proj is None else self.proj(x))
            h = _activate(self._activation, h)
        return h


class SpatialTransformer(nn.Module):
    """Stable Diffusion's transformer block (UNetDsl.Layers.Conditioning.SpatialTransformer)."""

    def __init__(self, channels, context_channels, heads, groups):
        super().__init__()
        if heads <= 0 or channels % heads != 0:
            raise ValueError("%d channels cannot be split into %d attention heads." % (channels, heads))
        self._heads = heads
        self.norm = nn.GroupNorm(groups, channels)
        self.proj_in = nn.Linear(channels, channels)
        self.ln1 = nn.LayerNorm(channels)
        self.self_q = nn.Linear(channels, channels, bias=False)
        self.self_k = nn.Linear(channels, channels, bias=False)
        self.self_v = nn.Linear(channels, channels, bias=False)
        self.self_out = nn.Linear(channels, channels)
        self.ln2 = nn.LayerNorm(channels)
        self.cross_q = nn.Linear(channels, channels, bias=False)
        self.cross_k = nn.Linear(context_channels, channels, bias=False)
        self.cross_v = nn.Linear(context_channels, channels, bias=False)
        self.cross_out = nn.Linear(channels, channels)
        self.ln3 = nn.LayerNorm(channels)
        self.ff1 = nn.Linear(channels, 4 * channels)
        self.ff2 = nn.Linear(4 * channels, channels)
        self.proj_out = nn.Linear(channels, channels)

    def _attend(self, q, k, v, output, tokens, context):
        source = tokens if context is None else context
        batch, _, width = tokens.shape
        head_width = width // self._heads

        def split(t):
            return t.reshape(batch, -1, self._heads, head_width).transpose(1, 2)

        queries, keys, values = split(q(tokens)), split(k(source)), split(v(source))
        weights = torch.softmax(torch.matmul(queries, keys.transpose(-2, -1)) * (1.0 / math.sqrt(head_width)), -1)
        attended = torch.matmul(weights, values).transpose(1, 2).reshape(batch, -1, width)
        return output(attended)

    def forward(self, x, context):
        shape = x.shape
        tokens = self.proj_in(self.norm(x).flatten(2).transpose(1, 2))
        tokens = tokens + self._attend(self.self_q, self.self_k, self.self_v, self.self_out, self.ln1(tokens), None)
        tokens = tokens + self._attend(self.cross_q, self.cross_k, self.cross_v, self.cross_out, self.ln2(tokens), context)
        tokens = tokens + self.ff2(F.gelu(self.ff1(self.ln3(tokens))))
        return self.proj_out(tokens).transpose(1, 2).reshape(shape) + x


# ---------------------------------------------------------------------------------------------------------------
# TorchSharp's state-dict format
# ---------------------------------------------------------------------------------------------------------------

# The c10 ScalarType numbers TorchSharp writes as a tensor's dtype.
_DTYPE_CODES = {
    torch.uint8: 0, torch.int8: 1, torch.int16: 2, torch.int32: 3, torch.int64: 4, torch.float16: 5,
    torch.float32: 6, torch.float64: 7, torch.complex64: 9, torch.complex128: 10, torch.bool: 11, torch.bfloat16: 15,
}
_CODE_DTYPES = {code: dtype for dtype, code in _DTYPE_CODES.items()}


def _write_uleb128(stream, value):
    if value < 0:
        raise ValueError("TorchSharp's format has no negative counts or sizes; got %d." % value)
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            stream.write(bytes((byte | 0x80,)))
        else:
            stream.write(bytes((byte,)))
            return


def _read_uleb128(stream):
    result, shift = 0, 0
    while True:
        raw = stream.read(1)
        if not raw:
            raise EOFError("The TorchSharp weight file ends inside a number.")
        byte = raw[0]
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result
        shift += 7


def _read_exactly(stream, count, what):
    data = stream.read(count)
    if len(data) != count:
        raise EOFError("The TorchSharp weight file ends inside %s (%d of %d bytes)." % (what, len(data), count))
    return data


def write_torchsharp(stream, state_dict):
    """Writes a state dict (name -> tensor) to a binary stream in TorchSharp's format, in the dict's order."""
    _write_uleb128(stream, len(state_dict))
    for name, tensor in state_dict.items():
        encoded = name.encode("utf-8")
        _write_uleb128(stream, len(encoded))
        stream.write(encoded)
        tensor = tensor.detach().to("cpu").contiguous()
        if tensor.dtype not in _DTYPE_CODES:
            raise ValueError("'%s' has dtype %s, which TorchSharp's format does not hold." % (name, tensor.dtype))
        _write_uleb128(stream, _DTYPE_CODES[tensor.dtype])
        _write_uleb128(stream, tensor.dim())
        for size in tensor.shape:
            _write_uleb128(stream, size)
        if tensor.numel() > 0:
            # Raw element bytes, as TorchSharp writes them (little-endian on every platform it runs on).
            stream.write(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())


def read_torchsharp(stream):
    """Reads a state dict written by TorchSharp's Module.save from a binary stream: an OrderedDict name -> tensor."""
    state = collections.OrderedDict()
    count = _read_uleb128(stream)
    for _ in range(count):
        name = _read_exactly(stream, _read_uleb128(stream), "a name").decode("utf-8")
        code = _read_uleb128(stream)
        if code not in _CODE_DTYPES:
            raise ValueError("'%s' has dtype code %d, which this reader does not know." % (name, code))
        dtype = _CODE_DTYPES[code]
        shape = [_read_uleb128(stream) for _ in range(_read_uleb128(stream))]
        numel = 1
        for size in shape:
            numel *= size
        element = torch.empty((), dtype=dtype).element_size()
        data = _read_exactly(stream, numel * element, "the tensor '%s'" % name)
        if numel == 0:
            tensor = torch.empty(shape, dtype=dtype)
        else:
            tensor = torch.frombuffer(bytearray(data), dtype=torch.uint8).view(dtype).reshape(shape).clone()
        state[name] = tensor
    return state


def save_torchsharp(state_dict, path):
    """Saves a state dict to a file TorchSharp's Module.load reads."""
    with open(path, "wb") as stream:
        write_torchsharp(stream, state_dict)


def load_torchsharp(path):
    """Loads a file written by TorchSharp's Module.save: an OrderedDict name -> tensor."""
    with open(path, "rb") as stream:
        state = read_torchsharp(stream)
        if stream.read(1):
            raise ValueError("'%s' has bytes after its last tensor: not a TorchSharp state dict." % path)
    return state


def _is_pytorch_file(path):
    with open(path, "rb") as stream:
        head = stream.read(4)
    # torch.save writes a zip archive (PK..) since 1.6, a bare pickle (protocol 2: 0x80 0x02) before.
    return head[:2] == b"PK" or head[:1] == b"\x80"


def _unwrap(loaded):
    """The state dict inside what torch.load returned: a state dict, or a training checkpoint holding one."""
    if isinstance(loaded, nn.Module):
        loaded = loaded.state_dict()
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
            break
    if not isinstance(loaded, dict) or not all(torch.is_tensor(v) for v in loaded.values()):
        raise ValueError("The file holds no state dict of tensors.")
    # DistributedDataParallel and torch.compile prefix every key; the twin's keys have no prefix.
    for prefix in ("module.", "_orig_mod."):
        if loaded and all(k.startswith(prefix) for k in loaded):
            loaded = collections.OrderedDict((k[len(prefix):], v) for k, v in loaded.items())
    return collections.OrderedDict(loaded)


def convert(source, target):
    """Converts a weight file: a PyTorch .pt state dict becomes TorchSharp's format, anything else the reverse.

    Returns the direction, 'pytorch->torchsharp' or 'torchsharp->pytorch'.
    """
    if _is_pytorch_file(source):
        save_torchsharp(_unwrap(torch.load(source, map_location="cpu")), target)
        return "pytorch->torchsharp"
    torch.save(load_torchsharp(source), target)
    return "torchsharp->pytorch"


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 3 or argv[0] != "convert":
        sys.stderr.write(
            "usage: python3 -m unetdsl_torch convert IN OUT\n"
            "  IN a PyTorch state dict (.pt, torch.save) -> OUT in TorchSharp's format (Module.load)\n"
            "  IN in TorchSharp's format (Module.save)   -> OUT a PyTorch state dict (torch.load)\n")
        return 2
    try:
        direction = convert(argv[1], argv[2])
    except (OSError, ValueError, EOFError) as error:
        sys.stderr.write("error: %s\n" % error)
        return 1
    state = load_torchsharp(argv[2]) if direction.endswith("torchsharp") else torch.load(argv[2], map_location="cpu")
    sys.stdout.write("%s: %d tensors, %s -> %s\n" % (direction, len(state), argv[1], argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
