"""RRDBNet in two parts: the body at input resolution, the upsampling tail apart.

RRDBNet spends ~92 % (x4plus) to ~75 % (anime_6B) of its arithmetic in the
body (the residual blocks at input resolution, ~2.8 KB of activations per input
pixel) and the rest in the tail (two nearest 2x upsamplings and four
convolutions with 64 channels at 2x and 4x resolution, ~10.6 KB per *input*
pixel). Run as one graph, the tail's memory sets the tile size: under a 512 MiB
budget a 512² image ran as four 181² tiles, each with 32 px of context on every
side, so every pixel's body ran about 2.3 times.

Run apart, the body takes a tile 3.7 times larger for the same memory, and the
tail runs over the body's features in horizontal bands. The tail's receptive
field is two feature pixels (3x3 convolutions at 2x and 4x after nearest
upsampling: ±1 at 2x → ±1 at 1x, ±3 at 4x → ±2 at 2x → ±1 at 1x), so bands
read ``TAIL_CONTEXT`` feature rows above and below and their cores give exactly
what the whole graph gives (measured: identical to the bit at 512², anime_6B).

The split is made when a model is loaded, with the ``onnx`` package (no second
file to export, install or keep in step with the int8 copy). Without ``onnx``
the runner runs the whole graph, and plans its tiles for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Feature rows a tail band reads on each side of its core (see above).
TAIL_CONTEXT = 2
#: Feature pixels in one tail band's core (rows = this / the tile's width). The
#: tail needs ~10.5 KB per feature pixel (measured on OpenVINO bf16, which keeps
#: every intermediate at once; ONNX Runtime's arena needs less), so a band holds
#: about 45 MiB whatever the tile's size, while the body takes ~2.4-2.9 KB per
#: pixel of the whole tile. Small bands leave that memory to the body: with
#: 16k-pixel bands a 512² x4plus input on OpenVINO needed 855 MiB and ran as two
#: tiles under the 768 MiB default, with 4k-pixel bands 723 MiB and it runs
#: whole; the extra context rows cost 0.4 % of its time (30.76 s against 30.63 s,
#: AMD EPYC Zen 4, 2026-12-06).
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
    boundary = next((node.input[0] for node in model.graph.node if node.op_type == "Resize"), None)
    graph_input, graph_output = model.graph.input[0], model.graph.output[0]
    if boundary is None or boundary == graph_input.name:
        return None
    element = graph_input.type.tensor_type.elem_type
    # The extractor needs a type for every tensor it cuts at; the exporter
    # records types for graph inputs and outputs only.
    model.graph.value_info.append(onnx.helper.make_tensor_value_info(boundary, element, None))
    extractor = Extractor(model)
    body = extractor.extract_model([graph_input.name], [boundary])
    tail = extractor.extract_model([boundary], [graph_output.name])
    # The runner reads name, scale and architecture from the body's metadata.
    onnx.helper.set_model_props(body, metadata)
    return SplitGraphs(body.SerializeToString(), tail.SerializeToString(), boundary)


@dataclass(frozen=True)
class Band:
    """Feature rows a tail band reads, and the rows of its core (half-open)."""

    read_start: int
    read_stop: int
    core_start: int
    core_stop: int


def tail_bands(feature_rows: int, width: int) -> list[Band]:
    """Horizontal bands covering ``feature_rows`` of ``width`` columns, each
    core about TAIL_BAND_PIXELS with TAIL_CONTEXT rows of context (clamped to
    the features)."""
    if feature_rows <= 0 or width <= 0:
        raise ValueError("no features")
    step = max(MIN_BAND_ROWS, TAIL_BAND_PIXELS // width)
    if feature_rows <= step + 2 * TAIL_CONTEXT:
        return [Band(0, feature_rows, 0, feature_rows)]
    return [
        Band(
            read_start=max(0, start - TAIL_CONTEXT),
            read_stop=min(feature_rows, start + step + TAIL_CONTEXT),
            core_start=start,
            core_stop=min(feature_rows, start + step),
        )
        for start in range(0, feature_rows, step)
    ]
