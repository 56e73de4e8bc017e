"""RRDBNet in two parts: the body at input resolution, the upsampling tail apart.

RRDBNet spends ~92 % (x4plus) to ~75 % (anime_6B) of its arithmetic in the
body (the residual blocks at input resolution, ~2.8 KB of activations per input
pixel) and the rest in the tail (two nearest 2x upsamplings and four
convolutions with 64 channels at 2x and 4x resolution, ~10.6 KB per *input*
pixel). Run as one graph, the tail's memory sets the tile size: under a 512 MiB
budget a 512² image ran as four 181² tiles, each with 32 px of context on every
side, so every pixel's body ran about 2.3 times.

Run apart, the body takes a tile 3.7 times larger for the same memory, and the
tail runs over the body's features in bands (horizontal, and cut into columns
too where the tile is wide). The tail's receptive field is two feature pixels
(3x3 convolutions at 2x and 4x after nearest upsampling: ±1 at 2x → ±1 at 1x,
±3 at 4x → ±2 at 2x → ±1 at 1x), so bands read ``TAIL_CONTEXT`` feature rows
and columns around their cores, which give exactly what the whole graph gives
(measured: identical to the bit at 512², anime_6B).

The split is made when a model is loaded, with the ``onnx`` package (no second
file to export, install or keep in step with the int8 copy). Without ``onnx``
the runner runs the whole graph, and plans its tiles for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Feature rows a tail band reads on each side of its core (see above).
TAIL_CONTEXT = 2
#: Feature pixels in one tail band's core (rows = this / the tile's width). The
#: tail needs ~10.5 KB per feature pixel (measured in an OpenVINO session, which
#: then ran the tail on ONNX Runtime's CPU provider: see split_rrdbnet), so a
#: band holds about 45 MiB whatever the tile's size, while the body takes
#: ~2.4-3.1 KB per pixel of the whole tile. Small bands leave that memory to the
#: body: with 16k-pixel bands a 512² x4plus input on OpenVINO needed 855 MiB and
#: ran as two tiles under the 768 MiB default, with 4k-pixel bands 723 MiB and
#: it runs whole (AMD EPYC Zen 4, 2026-12-06). With the tail on OpenVINO itself
#: (AMX Xeon, 2026-12-07) a 512² tile took 769 MiB (788 before), and larger
#: bands would be faster: the tail of a 512² input took 0.82 s in 4k-pixel
#: bands, 0.69 in 16k, 0.59 whole, out of 8.4 s in all.
TAIL_BAND_PIXELS = 4096
#: A band's core has at least this many rows: below it the context rows
#: (2 x TAIL_CONTEXT) would cost more of the tail's arithmetic than they save
#: in memory.
MIN_BAND_ROWS = 8


@dataclass(frozen=True)
class SplitGraphs:
    """Serialised ONNX graphs: input → features, features → output."""

    body: bytes
    tail: bytes
    #: The tensor between them (the body's output, the tail's input).
    boundary: str


def split_rrdbnet(model_path: Path) -> SplitGraphs | None:
    """Body and tail of an RRDBNet export, cut at the input of its first
    upsampling (Resize); ``None`` for another architecture or without ``onnx``."""
    try:
        import onnx
        from onnx.utils import Extractor
    except ImportError:
        return None
    model = onnx.load(str(model_path))
    metadata = {prop.key: prop.value for prop in model.metadata_props}
    if metadata.get("upscaler.arch") != "RRDBNet":
        return None
    resize = next((node for node in model.graph.node if node.op_type == "Resize"), None)
    boundary = resize.input[0] if resize is not None else None
    graph_input, graph_output = model.graph.input[0], model.graph.output[0]
    if boundary is None or boundary == graph_input.name:
        return None
    element = graph_input.type.tensor_type.elem_type
    # The extractor needs a type for every tensor it cuts at; the exporter
    # records types for graph inputs and outputs only. The shape matters too:
    # OpenVINO takes no input of unknown rank, and without one the whole tail
    # ran on ONNX Runtime's CPU provider in fp32 (on an AMX Xeon a third of
    # x4plus's time at 256², at a fifth of the body's speed).
    model.graph.value_info.append(
        onnx.helper.make_tensor_value_info(boundary, element, _feature_shape(model, resize))
    )
    extractor = Extractor(model)
    body = extractor.extract_model([graph_input.name], [boundary])
    tail = extractor.extract_model([boundary], [graph_output.name])
    # The runner reads name, scale and architecture from the body's metadata.
    onnx.helper.set_model_props(body, metadata)
    return SplitGraphs(body.SerializeToString(), tail.SerializeToString(), boundary)


def _feature_shape(model: Any, resize: Any) -> list[int | str | None]:
    """The body's output (what the first upsampling, ``resize``, reads) as
    NCHW: the input's batch, the channels the tail's first convolution takes
    (unknown if it is not found), and a height and width of their own (a 2x
    model's body runs at half the input's size)."""
    graph = model.graph
    weights = {initializer.name: initializer for initializer in graph.initializer}
    conv = next(
        (
            node
            for node in graph.node
            if node.op_type == "Conv" and node.input[0] == resize.output[0]
        ),
        None,
    )
    weight = weights.get(conv.input[1]) if conv is not None else None
    channels = int(weight.dims[1]) if weight is not None else None
    batch = graph.input[0].type.tensor_type.shape.dim[0]
    batch_size = int(batch.dim_value) if batch.HasField("dim_value") else (batch.dim_param or None)
    return [batch_size, channels, "feature_height", "feature_width"]


@dataclass(frozen=True)
class Span:
    """Feature rows (or columns) a tail band reads, and those of its core
    (half-open)."""

    read_start: int
    read_stop: int
    core_start: int
    core_stop: int


@dataclass(frozen=True)
class Band:
    """One tail run: its rows and its columns."""

    rows: Span
    columns: Span


def _spans(length: int, step: int) -> list[Span]:
    """Cores of ``step`` partitioning ``length``, each read with TAIL_CONTEXT
    on both sides (clamped to the features); one span when the context would
    cost as much as it saves."""
    if length <= step + 2 * TAIL_CONTEXT:
        return [Span(0, length, 0, length)]
    return [
        Span(
            read_start=max(0, start - TAIL_CONTEXT),
            read_stop=min(length, start + step + TAIL_CONTEXT),
            core_start=start,
            core_stop=min(length, start + step),
        )
        for start in range(0, length, step)
    ]


def tail_bands(feature_rows: int, width: int) -> list[Band]:
    """Bands covering ``feature_rows`` x ``width`` features, each core about
    TAIL_BAND_PIXELS, with TAIL_CONTEXT rows and columns of context, row by
    row. A tile up to TAIL_BAND_PIXELS / MIN_BAND_ROWS columns wide runs in
    full-width bands; a wider one is also cut into columns, so that a band's
    memory stays the same whatever the tile's width. (Full-width bands of at
    least MIN_BAND_ROWS rows held twice the pixels at 1020 columns: a 143x1020
    x4plus tile on OpenVINO took 605 MiB, against 554 with the cut.)"""
    if feature_rows <= 0 or width <= 0:
        raise ValueError("no features")
    pieces = -(-width * MIN_BAND_ROWS // TAIL_BAND_PIXELS)  # ceil
    piece_width = -(-width // pieces)
    step = max(MIN_BAND_ROWS, TAIL_BAND_PIXELS // piece_width)
    columns = _spans(width, piece_width)  # one span when pieces == 1
    return [Band(rows, cols) for rows in _spans(feature_rows, step) for cols in columns]
