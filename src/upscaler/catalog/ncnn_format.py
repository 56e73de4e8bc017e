"""Reading an ncnn model (``.param`` graph + ``.bin`` weights) with numpy alone.

This is the format of the Real-ESRGAN-ncnn-vulkan releases and of Upscayl's
model folders. Only what the two Real-ESRGAN families use is understood; any
other layer is refused by name, so a model we cannot map faithfully is never
half-converted.

``.param`` (text): a magic line ``7767517``, a line ``<layers> <blobs>``, then
one line a layer: ``Type Name n_in n_out in... out... key=value...``. A key
below -23300 is an array: ``-233KK=count,v1,v2,...`` holds key ``KK``.

``.bin``: the layers' weights back to back, in ``.param`` order, no header.
A Convolution stores a 4-byte storage tag and ``6=`` weights (the tag says
fp16 or fp32; fp16 data is padded to 4 bytes), then ``0=`` fp32 biases when
``5=1``. A PReLU stores ``0=`` fp32 slopes with no tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = 7767517
#: Storage tags of ncnn's ModelBin for tagged weights.
TAG_FP32 = 0x00000000
TAG_FP16 = 0x01306B47
TAG_INT8 = 0x000D4B38
_ARRAY_BASE = -23300

#: Layers whose meaning we know; anything else is refused by name.
SUPPORTED_LAYERS = frozenset(
    {
        "Input",
        "Split",
        "Convolution",
        "PReLU",
        "Concat",
        "Eltwise",
        "BinaryOp",
        "Interp",
        "PixelShuffle",
    }
)
#: ncnn Convolution activation types (param 9).
ACTIVATIONS = {0: "none", 1: "relu", 2: "leakyrelu"}

ParamValue = int | float | tuple[float, ...]


class NcnnFormatError(ValueError):
    """The files are not a readable ncnn model; the message says where and why."""


class UnsupportedLayerError(NcnnFormatError):
    """A layer type the project cannot map onto its architectures."""


@dataclass(frozen=True)
class Layer:
    type: str
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: dict[int, ParamValue] = field(default_factory=dict)

    def int_param(self, key: int, default: int) -> int:
        value = self.params.get(key, default)
        if not isinstance(value, int):
            raise NcnnFormatError(f"layer {self.name}: parameter {key} must be an integer")
        return value

    def float_param(self, key: int, default: float) -> float:
        value = self.params.get(key, default)
        if isinstance(value, tuple):
            raise NcnnFormatError(f"layer {self.name}: parameter {key} must be a number")
        return float(value)

    def array_param(self, key: int) -> tuple[float, ...]:
        value = self.params.get(key, ())
        if not isinstance(value, tuple):
            raise NcnnFormatError(f"layer {self.name}: parameter {key} must be an array")
        return value


@dataclass(frozen=True)
class Graph:
    layers: tuple[Layer, ...]

    def of_type(self, kind: str) -> list[Layer]:
        return [layer for layer in self.layers if layer.type == kind]

    @property
    def input_blob(self) -> str:
        inputs = self.of_type("Input")
        if len(inputs) != 1:
            raise NcnnFormatError(f"the graph must have one Input layer, not {len(inputs)}")
        return inputs[0].outputs[0]

    @property
    def output_blob(self) -> str:
        consumed = {blob for layer in self.layers for blob in layer.inputs}
        produced = [blob for layer in self.layers for blob in layer.outputs]
        outputs = [blob for blob in produced if blob not in consumed]
        if len(outputs) != 1:
            raise NcnnFormatError(f"the graph must have one output blob, not {outputs}")
        return outputs[0]


@dataclass(frozen=True)
class Convolution:
    """One convolution's geometry, activation and weights (fp32 arrays)."""

    name: str
    out_channels: int
    in_channels: int
    kernel: int
    activation: str
    activation_slope: float
    weight: np.ndarray  # (out, in, k, k), float32
    bias: np.ndarray | None  # (out,), float32
    stored_as: str  # "fp16" or "fp32"


@dataclass(frozen=True)
class Weights:
    """Per-layer tensors in graph order: convolutions and PReLU slopes by layer name."""

    convolutions: tuple[Convolution, ...]
    prelu_slopes: dict[str, np.ndarray]

    @property
    def precision(self) -> str:
        kinds = {conv.stored_as for conv in self.convolutions}
        return "fp16-rounded" if "fp16" in kinds else "fp32"

    @property
    def parameter_count(self) -> int:
        count = sum(
            conv.weight.size + (0 if conv.bias is None else conv.bias.size)
            for conv in self.convolutions
        )
        return count + sum(slopes.size for slopes in self.prelu_slopes.values())


def parse_param(text: str, *, source: str = ".param") -> Graph:
    """The graph of a ``.param`` file; NcnnFormatError names the first problem."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != str(MAGIC):
        raise NcnnFormatError(f"{source}: not an ncnn .param file (no {MAGIC} magic line)")
    try:
        layer_count, blob_count = (int(part) for part in lines[1].split())
    except (IndexError, ValueError):
        raise NcnnFormatError(f"{source}: line 2 must be '<layer count> <blob count>'") from None
    body = lines[2:]
    if len(body) != layer_count:
        raise NcnnFormatError(f"{source}: declares {layer_count} layers but has {len(body)}")
    layers = tuple(_parse_layer(line, number, source) for number, line in enumerate(body, 3))
    blobs = {blob for layer in layers for blob in (*layer.inputs, *layer.outputs)}
    if len(blobs) != blob_count:
        raise NcnnFormatError(f"{source}: declares {blob_count} blobs but uses {len(blobs)}")
    for layer in layers:
        if layer.type not in SUPPORTED_LAYERS:
            raise UnsupportedLayerError(
                f"{source}: layer {layer.name!r} is of type {layer.type}, which is not part of "
                f"an ESRGAN (RRDBNet) or SRVGGNetCompact network; supported: "
                f"{', '.join(sorted(SUPPORTED_LAYERS))}"
            )
    return Graph(layers)


def _parse_layer(line: str, number: int, source: str) -> Layer:
    parts = line.split()
    where = f"{source} line {number}"
    if len(parts) < 4:
        raise NcnnFormatError(f"{where}: a layer needs type, name and blob counts")
    kind, name = parts[0], parts[1]
    try:
        n_in, n_out = int(parts[2]), int(parts[3])
    except ValueError:
        raise NcnnFormatError(f"{where}: blob counts must be integers") from None
    blobs = parts[4 : 4 + n_in + n_out]
    if len(blobs) != n_in + n_out:
        raise NcnnFormatError(f"{where}: layer {name} lists fewer blobs than it declares")
    params: dict[int, ParamValue] = {}
    for item in parts[4 + n_in + n_out :]:
        key_text, sep, value_text = item.partition("=")
        try:
            key = int(key_text)
            if not sep:
                raise ValueError
            if key <= _ARRAY_BASE:
                count_text, *values = value_text.split(",")
                if int(count_text) != len(values):
                    raise ValueError
                params[_ARRAY_BASE - key] = tuple(float(value) for value in values)
            elif any(mark in value_text for mark in ".eE") and not value_text.lstrip("-").isdigit():
                params[key] = float(value_text)
            else:
                params[key] = int(value_text)
        except ValueError:
            raise NcnnFormatError(f"{where}: cannot read parameter {item!r}") from None
    return Layer(kind, name, tuple(blobs[:n_in]), tuple(blobs[n_in:]), params)


class _Reader:
    def __init__(self, data: bytes, source: str) -> None:
        self.data = data
        self.offset = 0
        self.source = source

    def take(self, count: int, dtype: type[np.generic], what: str) -> np.ndarray:
        size = count * np.dtype(dtype).itemsize
        if self.offset + size > len(self.data):
            raise NcnnFormatError(
                f"{self.source}: ends at byte {len(self.data)} inside {what} "
                f"(needs {self.offset + size}): the file is truncated or belongs to another .param"
            )
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.offset)
        self.offset += size
        return values.astype(np.float32) if dtype is not np.uint32 else values

    def align(self) -> None:
        self.offset += -self.offset % 4


def read_weights(graph: Graph, data: bytes, *, source: str = ".bin") -> Weights:
    """Every weight the graph needs, read strictly: the file must end exactly
    where the last layer's weights do."""
    reader = _Reader(data, source)
    convolutions: list[Convolution] = []
    slopes: dict[str, np.ndarray] = {}
    for layer in graph.layers:
        if layer.type == "Convolution":
            convolutions.append(_read_convolution(layer, reader))
        elif layer.type == "PReLU":
            count = layer.int_param(0, 1)
            slopes[layer.name] = reader.take(count, np.float32, f"{layer.name}'s slopes")
    if reader.offset != len(data):
        raise NcnnFormatError(
            f"{source}: {len(data) - reader.offset} bytes are left after the last layer's "
            f"weights ({reader.offset} expected in all): the .bin does not match the .param"
        )
    for conv in convolutions:
        for array in (conv.weight, conv.bias):
            if array is not None and not np.isfinite(array).all():
                raise NcnnFormatError(f"{source}: {conv.name} holds NaN or infinite weights")
    return Weights(tuple(convolutions), slopes)


def _read_convolution(layer: Layer, reader: _Reader) -> Convolution:
    out_channels = layer.int_param(0, 0)
    kernel_w = layer.int_param(1, 0)
    kernel_h = layer.int_param(11, kernel_w)
    weight_count = layer.int_param(6, 0)
    for key, default, what in ((2, 1, "dilation"), (3, 1, "stride")):
        if layer.int_param(key, default) != 1 or layer.int_param(10 + key, 1) != 1:
            raise NcnnFormatError(f"layer {layer.name}: {what} other than 1 is not supported")
    if kernel_w != kernel_h or kernel_w <= 0 or out_channels <= 0:
        raise NcnnFormatError(f"layer {layer.name}: needs a square kernel and output channels")
    pad = layer.int_param(4, 0)
    if pad != kernel_w // 2 or layer.int_param(14, pad) != pad:
        raise NcnnFormatError(f"layer {layer.name}: padding {pad} does not keep the size")
    if layer.int_param(8, 0) != 0:
        raise NcnnFormatError(f"layer {layer.name}: int8-quantised convolutions are not supported")
    in_channels, remainder = divmod(weight_count, out_channels * kernel_w * kernel_h)
    if remainder or in_channels <= 0:
        raise NcnnFormatError(
            f"layer {layer.name}: {weight_count} weights do not divide into "
            f"{out_channels} outputs of {kernel_w}x{kernel_h}"
        )
    activation_type = layer.int_param(9, 0)
    if activation_type not in ACTIVATIONS:
        raise UnsupportedLayerError(
            f"layer {layer.name}: fused activation type {activation_type} is not supported"
        )
    slope_params = layer.array_param(10)
    slope = slope_params[0] if activation_type == 2 and slope_params else 0.0
    (tag,) = reader.take(1, np.uint32, f"{layer.name}'s storage tag")
    if tag == TAG_FP16:
        weight = reader.take(weight_count, np.float16, f"{layer.name}'s weights")
        reader.align()
        stored_as = "fp16"
    elif tag == TAG_FP32:
        weight = reader.take(weight_count, np.float32, f"{layer.name}'s weights")
        stored_as = "fp32"
    elif tag == TAG_INT8:
        raise NcnnFormatError(f"layer {layer.name}: int8 weights are not supported")
    else:
        raise NcnnFormatError(
            f"layer {layer.name}: unknown weight storage tag 0x{int(tag):08X} "
            "(the .bin does not match the .param, or is damaged)"
        )
    bias = None
    if layer.int_param(5, 0):
        bias = reader.take(out_channels, np.float32, f"{layer.name}'s biases")
    return Convolution(
        name=layer.name,
        out_channels=out_channels,
        in_channels=in_channels,
        kernel=kernel_w,
        activation=ACTIVATIONS[activation_type],
        activation_slope=slope,
        weight=weight.reshape(out_channels, in_channels, kernel_h, kernel_w),
        bias=bias,
        stored_as=stored_as,
    )


@dataclass(frozen=True)
class NcnnModel:
    graph: Graph
    weights: Weights


#: Largest files accepted; the biggest official model is 33 MB of weights.
MAX_PARAM_BYTES = 4 * 1024 * 1024
MAX_BIN_BYTES = 512 * 1024 * 1024


def load_ncnn(param_path: Path, bin_path: Path) -> NcnnModel:
    for path, limit in ((param_path, MAX_PARAM_BYTES), (bin_path, MAX_BIN_BYTES)):
        if path.stat().st_size > limit:
            raise NcnnFormatError(f"{path.name}: larger than {limit // (1024 * 1024)} MiB")
    try:
        text = param_path.read_text(encoding="ascii")
    except UnicodeDecodeError:
        raise NcnnFormatError(
            f"{param_path.name}: not a text .param file (a binary .param.bin is not supported)"
        ) from None
    graph = parse_param(text, source=param_path.name)
    return NcnnModel(graph, read_weights(graph, bin_path.read_bytes(), source=bin_path.name))
