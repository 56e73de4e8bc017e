"""Receiving an ncnn model (``.param`` + ``.bin``) from an admin and judging
it at once.

The body is streamed part by part by `upscaler.receive` (the receiver of
image uploads, with this form's fields, limits and wording): each file goes straight to disk,
hashed on the way, and the request is refused with 413 the moment a file
passes its limit. The files are then read with the pure-numpy ncnn reader and
recogniser (`upscaler.catalog.ncnn_*`): a layer we cannot map, weights that do
not fit the graph, or a graph that is not one of our upscalers is refused with
422 naming the reason, before anything is stored. PyTorch and ONNX Runtime are
never needed here; a worker converts and proves the model afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from upscaler.catalog import ncnn_format
from upscaler.catalog.ncnn_format import NcnnFormatError, NcnnModel, UnsupportedLayerError
from upscaler.catalog.ncnn_recognise import MappingError, Recognised, recognise
from upscaler.errors import APIError, FieldError
from upscaler.receive import (
    ENVELOPE_SLACK_BYTES,
    PartRules,
    ReceivedFile,
    ReceivedParts,
    receive_parts,
)

log = logging.getLogger(__name__)

PARAM_FIELD, BIN_FIELD = "param", "bin"
#: One ncnn file is judged at a time per API process: reading the weights
#: holds them in memory as float32 for a moment (up to twice the .bin's size).
_JUDGE_LOCK = threading.Lock()


def limits() -> dict[str, int]:
    """The largest .param and .bin accepted (read at call time, so tests can lower them)."""
    return {PARAM_FIELD: ncnn_format.MAX_PARAM_BYTES, BIN_FIELD: ncnn_format.MAX_BIN_BYTES}


def _problem(status: int, code: str, message: str, field_name: str) -> APIError:
    return APIError(status, code, message, fields=[FieldError(field_name, message)])


def too_large(field_name: str, limit: int) -> APIError:
    what = {PARAM_FIELD: "the .param file", BIN_FIELD: "the .bin file"}.get(field_name, "a file")
    return _problem(
        413,
        "file_too_large",
        f"{what} is larger than the {limit / (1024 * 1024):.1f} MiB limit",
        field_name,
    )


async def receive_files(
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
    *,
    file_limits: Mapping[str, int],
    spool_dir: Path,
) -> ReceivedParts:
    """Parse a multipart body with several file fields (`upscaler.receive`);
    the caller owns (and must discard) the spooled files."""
    total = sum(file_limits.values()) + ENVELOPE_SLACK_BYTES
    rules = PartRules(
        file_limits=file_limits,
        spool_prefix="model-",
        not_multipart="send the files as multipart/form-data",
        too_large=too_large,
        body_too_large=lambda: APIError(
            413,
            "file_too_large",
            f"the files are larger than the {total / (1024 * 1024):.1f} MiB limit",
        ),
        duplicate=lambda name: _problem(400, "invalid_request", f"send one {name!r} file", name),
        refuse_other_files=True,
    )
    return await receive_parts(content_type, content_length, body, rules=rules, spool_dir=spool_dir)


@dataclass(frozen=True)
class Judged:
    """What the API learnt from the files: the architecture and the graph's ends."""

    recognised: Recognised
    precision: str
    parameter_count: int
    layer_count: int
    input_blob: str
    output_blob: str

    def as_details(self) -> dict[str, Any]:
        return {
            "arch": self.recognised.arch,
            "arch_params": dict(self.recognised.arch_params),
            "expected_scale": self.recognised.scale,
            "weights_precision": self.precision,
            "parameter_count": self.parameter_count,
            "layers": self.layer_count,
            "input_blob": self.input_blob,
            "output_blob": self.output_blob,
        }


def check_names(files: Mapping[str, ReceivedFile]) -> tuple[ReceivedFile, ReceivedFile]:
    """Both files are there, non-empty and named as ncnn names them."""
    found: list[ReceivedFile] = []
    for name, suffix in ((PARAM_FIELD, ".param"), (BIN_FIELD, ".bin")):
        received = files.get(name)
        if received is None or received.size_bytes == 0:
            raise _problem(400, "invalid_request", f"no {suffix} file was sent", name)
        if not received.filename.lower().endswith(suffix):
            raise _problem(
                415, "unsupported_media_type", f"the {name} file must be a {suffix} file", name
            )
        found.append(received)
    return found[0], found[1]


def _read_weights(graph: ncnn_format.Graph, path: Path, source: str) -> ncnn_format.Weights:
    with path.open("rb") as handle:
        # The reader only indexes the buffer (np.frombuffer), so a mapped
        # file serves as bytes without a second copy in memory.
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            return ncnn_format.read_weights(graph, cast(bytes, data), source=source)
        finally:
            # A view that still refers to the map keeps it until the view goes.
            with contextlib.suppress(BufferError):
                data.close()


def judge(param: ReceivedFile, weights: ReceivedFile) -> Judged:
    """Read both files strictly and recognise the network. Raises APIError
    (422) naming the layer, the byte or the rule that does not fit."""
    param_name = Path(param.filename).name[:200] or "model.param"
    bin_name = Path(weights.filename).name[:200] or "model.bin"
    try:
        text = param.path.read_bytes().decode("ascii")
    except UnicodeDecodeError:
        raise _problem(
            422,
            "invalid_param",
            f"{param_name}: not a text .param file (a binary .param.bin is not supported)",
            PARAM_FIELD,
        ) from None
    try:
        graph = ncnn_format.parse_param(text, source=param_name)
        ends = (graph.input_blob, graph.output_blob)
    except UnsupportedLayerError as error:
        raise _problem(422, "unsupported_layer", str(error), PARAM_FIELD) from None
    except NcnnFormatError as error:
        raise _problem(422, "invalid_param", str(error), PARAM_FIELD) from None
    with _JUDGE_LOCK:
        try:
            read = _read_weights(graph, weights.path, bin_name)
        except NcnnFormatError as error:
            raise _problem(422, "invalid_weights", str(error), BIN_FIELD) from None
        try:
            recognised = recognise(NcnnModel(graph, read))
        except MappingError as error:
            raise _problem(422, "not_an_upscaler", str(error), PARAM_FIELD) from None
        except NcnnFormatError as error:
            raise _problem(422, "not_an_upscaler", str(error), PARAM_FIELD) from None
        except (IndexError, KeyError, ValueError) as error:  # a graph the rules did not foresee
            log.warning("ncnn graph %s not recognised: %r", param_name, error)
            raise _problem(
                422,
                "not_an_upscaler",
                f"{param_name}: the graph is not an ESRGAN (RRDBNet) or SRVGGNetCompact network",
                PARAM_FIELD,
            ) from None
        return Judged(
            recognised=recognised,
            precision=read.precision,
            parameter_count=read.parameter_count,
            layer_count=len(graph.layers),
            input_blob=ends[0],
            output_blob=ends[1],
        )
