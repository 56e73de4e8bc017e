"""An admin's uploaded model file on a worker: fetched and checked against its
digest, inspected and probed with ONNX Runtime; and the row's update."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from upscaler.catalog.service import get_model
from upscaler.db.tables import Model
from upscaler.db.types import utcnow
from upscaler_worker.context import WorkerContext

log = logging.getLogger(__name__)

SCALES = (1, 2, 3, 4, 8)
#: Probe sizes tried in turn (some networks need multiples of 4 or 8).
PROBE_SIDES = (32, 64)
CHUNK = 1024 * 1024
#: An uploaded network's architecture is unknown, so its cost per pixel is
#: taken from the probe's time at one thread, at what one modern core achieves.
#: The probe's first run includes its set-up, so this errs heavy: estimates
#: come out long (a refusal a smaller image avoids), never short (a timeout).
PROBE_CORE_MACS_PER_SECOND = 25e9


class ModelRejectedError(Exception):
    """The file is not a model this service can run; the message says why."""


@dataclass(frozen=True)
class Inspection:
    scale: int
    input_name: str
    input_type: str
    input_shape: list[Any]
    output_name: str
    output_shape: list[Any]
    probe: list[int]
    probe_seconds: float
    providers: list[str] = field(default_factory=list)

    def as_details(self) -> dict[str, Any]:
        return {
            "input": {"name": self.input_name, "type": self.input_type, "shape": self.input_shape},
            "output": {"name": self.output_name, "shape": self.output_shape},
            "probe": self.probe,
            "probe_seconds": round(self.probe_seconds, 3),
            "measured_scale": self.scale,
            "providers": self.providers,
            "macs_per_pixel": round(self.macs_per_pixel_estimate()),
            "cost_source": "probe",
        }

    def macs_per_pixel_estimate(self) -> float:
        pixels = self.probe[2] * self.probe[3]
        return self.probe_seconds * PROBE_CORE_MACS_PER_SECOND / max(pixels, 1)


def _dim(value: Any) -> Any:
    return value if isinstance(value, int) else str(value)


def inspect_onnx(path: Path) -> Inspection:
    """Load the file with ONNX Runtime (CPU) and probe it. Raises
    ModelRejectedError with a message an admin can act on."""
    import onnxruntime as ort  # the worker's dependency, never the API's

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:
        raise ModelRejectedError(f"ONNX Runtime cannot load it: {error}"[:500]) from error
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1:
        raise ModelRejectedError(f"it must have exactly one input; it has {len(inputs)}")
    if len(outputs) != 1:
        raise ModelRejectedError(f"it must have exactly one output; it has {len(outputs)}")
    source, result = inputs[0], outputs[0]
    shape = list(source.shape)
    if len(shape) != 4:
        raise ModelRejectedError(f"its input must be an image batch (N, C, H, W), not {shape}")
    if isinstance(shape[1], int) and shape[1] != 3:
        raise ModelRejectedError(f"its input must have 3 (RGB) channels, not {shape[1]}")
    if source.type not in ("tensor(float)", "tensor(float16)"):
        raise ModelRejectedError(f"its input must be float32 or float16, not {source.type}")
    dtype = np.float16 if source.type == "tensor(float16)" else np.float32
    fixed_h = shape[2] if isinstance(shape[2], int) and shape[2] > 0 else None
    fixed_w = shape[3] if isinstance(shape[3], int) and shape[3] > 0 else None
    last_error: Exception | None = None
    for side in PROBE_SIDES:
        height, width = fixed_h or side, fixed_w or side
        # A smooth gradient: a real picture's statistics, not an all-zero tensor.
        ramp = np.linspace(0.0, 1.0, height * width, dtype=np.float32).reshape(height, width)
        probe = np.stack([ramp, ramp[::-1, ::-1], np.full_like(ramp, 0.5)])
        batch = probe[np.newaxis].astype(dtype)
        started = time.monotonic()
        try:
            (output,) = session.run(None, {source.name: batch})
        except Exception as error:
            last_error = error
            continue
        elapsed = time.monotonic() - started
        output = np.asarray(output)
        if output.ndim != 4 or output.shape[0] != 1 or output.shape[1] != 3:
            raise ModelRejectedError(
                "its output must be one RGB image (1, 3, H, W); "
                f"the probe gave {list(output.shape)}"
            )
        out_h, out_w = int(output.shape[2]), int(output.shape[3])
        if out_h % height or out_w % width or out_h // height != out_w // width:
            raise ModelRejectedError(
                f"a {width}x{height} probe came out {out_w}x{out_h}: not a whole, even scale"
            )
        scale = out_h // height
        if scale not in SCALES:
            raise ModelRejectedError(f"it scales by {scale}; supported: {list(SCALES)}")
        if not np.isfinite(output.astype(np.float32)).all():
            raise ModelRejectedError("the probe image produced NaN or infinite values")
        return Inspection(
            scale=scale,
            input_name=source.name,
            input_type=source.type,
            input_shape=[_dim(d) for d in shape],
            output_name=result.name,
            output_shape=[_dim(d) for d in result.shape],
            probe=[1, 3, height, width],
            probe_seconds=elapsed,
            providers=list(session.get_providers()),
        )
    raise ModelRejectedError(f"the probe image could not be run through it: {last_error}"[:500])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


async def download_verified(ctx: WorkerContext, model: Model, destination: Path) -> None:
    """Fetch the stored file next to `destination`, check its digest, move it
    into place atomically (a concurrent reader sees no half file)."""
    if not model.storage_key:
        raise ModelRejectedError("the model has no stored file")
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(f".{destination.name}.{os.getpid()}.{id(model)}.part")
    try:
        await ctx.storage.download_to(model.storage_key, temporary)
        digest = await asyncio.to_thread(sha256_of, temporary)
        if model.sha256 and digest != model.sha256:
            raise ModelRejectedError(
                f"the stored file's SHA-256 {digest[:12]}… does not match {model.sha256[:12]}…"
            )
        await asyncio.to_thread(os.replace, temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


async def set_fields(ctx: WorkerContext, name: str, **values: Any) -> bool:
    """Update the row; False if it is gone (removed meanwhile)."""
    async with ctx.sessions() as session:
        model = await get_model(session, name)
        if model is None:
            return False
        for key, value in values.items():
            setattr(model, key, value)
        model.updated_at = utcnow()
        session.add(model)
        await session.commit()
    return True
