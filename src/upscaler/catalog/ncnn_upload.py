"""Receiving an ncnn model (``.param`` + ``.bin``) from an admin and judging
it at once.

The body is streamed part by part (python-multipart's low-level parser, as
`upscaler.receive` does for images): each file goes straight to disk,
hashed on the way, and the request is refused with 413 the moment a file
passes its limit. The files are then read with the pure-numpy ncnn reader and
recogniser (`upscaler.catalog.ncnn_*`): a layer we cannot map, weights that do
not fit the graph, or a graph that is not one of our upscalers is refused with
422 naming the reason, before anything is stored. PyTorch and ONNX Runtime are
never needed here; a worker converts and proves the model afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import mmap
import os
import tempfile
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from python_multipart.multipart import MultipartParser, parse_options_header

from upscaler.catalog import ncnn_format
from upscaler.catalog.ncnn_format import NcnnFormatError, NcnnModel, UnsupportedLayerError
from upscaler.catalog.ncnn_recognise import MappingError, Recognised, recognise
from upscaler.errors import APIError, FieldError

log = logging.getLogger(__name__)

PARAM_FIELD, BIN_FIELD = "param", "bin"
MAX_FIELD_BYTES = 8 * 1024
MAX_FIELDS = 32
ENVELOPE_SLACK_BYTES = 64 * 1024
#: One ncnn file is judged at a time per API process: reading the weights
#: holds them in memory as float32 for a moment (up to twice the .bin's size).
_JUDGE_LOCK = threading.Lock()


def limits() -> dict[str, int]:
    """The largest .param and .bin accepted (read at call time, so tests can lower them)."""
    return {PARAM_FIELD: ncnn_format.MAX_PARAM_BYTES, BIN_FIELD: ncnn_format.MAX_BIN_BYTES}


@dataclass
class ReceivedFile:
    path: Path
    filename: str
    size_bytes: int = 0
    sha256: str = ""


@dataclass
class ReceivedFiles:
    files: dict[str, ReceivedFile] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        for received in self.files.values():
            received.path.unlink(missing_ok=True)


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


def _disposition(raw: bytes) -> tuple[str, str | None]:
    _value, params = parse_options_header(raw)
    name = params.get(b"name", b"").decode("utf-8", "replace")
    filename = params.get(b"filename")
    return name, filename.decode("utf-8", "replace") if filename is not None else None


class _Collector:
    """python-multipart callbacks: the named file fields go to disk, the rest are text."""

    def __init__(self, file_limits: Mapping[str, int], spool_dir: Path) -> None:
        self.limits = dict(file_limits)
        self.spool_dir = spool_dir
        self.result = ReceivedFiles()
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._current: ReceivedFile | None = None
        self._buffer = bytearray()
        self._file: IO[bytes] | None = None
        self._hash = hashlib.sha256()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._buffer = bytearray()
        self._current = None

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        name, filename = _disposition(self._headers.get(b"content-disposition", b""))
        self._name = name
        if name in self.limits:
            if name in self.result.files:
                raise _problem(400, "invalid_request", f"send one {name!r} file", name)
            fd, path = tempfile.mkstemp(prefix=f"model-{name}-", dir=self.spool_dir)
            self._file = os.fdopen(fd, "wb")
            self._current = ReceivedFile(Path(path), filename or "")
            self._hash = hashlib.sha256()
            self.result.files[name] = self._current
        elif filename is not None and filename != "":
            raise _problem(400, "invalid_request", f"unexpected file field {name!r}", name)
        elif len(self.result.fields) >= MAX_FIELDS:
            raise APIError(400, "invalid_request", "too many form fields")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._current is not None:
            assert self._file is not None
            self._current.size_bytes += len(chunk)
            if self._current.size_bytes > self.limits[self._name]:
                raise too_large(self._name, self.limits[self._name])
            self._hash.update(chunk)
            self._file.write(chunk)
            return
        self._buffer += chunk
        if len(self._buffer) > MAX_FIELD_BYTES:
            raise _problem(
                400, "invalid_request", f"form field {self._name!r} is too long", self._name
            )

    def _part_end(self) -> None:
        if self._current is not None:
            assert self._file is not None
            self._file.close()
            self._file = None
            self._current.sha256 = self._hash.hexdigest()
            self._current = None
        else:
            self.result.fields[self._name] = self._buffer.decode("utf-8", "replace")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


async def receive_files(
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
    *,
    file_limits: Mapping[str, int],
    spool_dir: Path,
) -> ReceivedFiles:
    """Parse a multipart body with several file fields; the caller owns (and
    must discard) the spooled files."""
    mime, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise APIError(400, "invalid_request", "send the files as multipart/form-data")
    total = sum(file_limits.values()) + ENVELOPE_SLACK_BYTES
    if content_length and content_length.isdigit() and int(content_length) > total:
        raise APIError(
            413,
            "file_too_large",
            f"the files are larger than the {total / (1024 * 1024):.1f} MiB limit",
        )
    await asyncio.to_thread(spool_dir.mkdir, parents=True, exist_ok=True)
    collector = _Collector(file_limits, spool_dir)
    parser = MultipartParser(boundary, cast(Any, collector.callbacks()))
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except APIError:
        collector.close()
        collector.result.discard()
        raise
    except Exception as error:  # python-multipart's parse errors
        collector.close()
        collector.result.discard()
        raise APIError(400, "invalid_request", "the multipart body is malformed") from error
    collector.close()
    return collector.result


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
