"""Worker side of model registration by admins.

- `validate_model(name)`: an admin uploaded an ONNX file (the API stored it
  and left the row "validating"; it never opens model files). Fetch it,
  check its digest, load it with ONNX Runtime, require one image input
  (N, 3, H, W) and one output, run a small probe image through it to
  measure the scale, then install it in this worker's model_dir and mark the
  row active — or mark it invalid with the reason.
- An ncnn upload (`details["format"] == "ncnn"`: a .param and a .bin the API
  has already read and recognised): fetch both, convert them to ONNX with the
  export tools (PyTorch + the ncnn runtime, the `export` extra; checked
  against PyTorch and the ncnn runtime), probe the ONNX file as above, store
  it and point the row at it, so that other workers fetch a ready ONNX file
  and need no PyTorch. A worker without the export extra marks it invalid
  saying so (have one with it validate it again).
- `sync_models()`: register the models installed in this worker's model_dir
  (exported from the manifest by `make models`).
- `fetch_missing`: a worker lacking an uploaded model's file fetches it from
  storage on first use (installed as RunnerCache's fetcher).
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dramatiq
import numpy as np

from upscaler.catalog.ncnn_format import NcnnFormatError, load_ncnn
from upscaler.catalog.ncnn_recognise import recognise
from upscaler.catalog.service import get_model
from upscaler.contracts import SYNC_MODELS_ACTOR, VALIDATE_MODEL_ACTOR, ModelStatus, Queue
from upscaler.db.tables import Model
from upscaler.db.types import utcnow
from upscaler.storage import new_key
from upscaler_worker.context import ContextHolder, WorkerContext
from upscaler_worker.errors import PermanentJobError
from upscaler_worker.inference.installed import InstalledModel
from upscaler_worker.lifecycle import register_models
from upscaler_worker.models_sync import cost_details, provenance
from upscaler_worker.runners import RunnerCache

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


def _sha256(path: Path) -> str:
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
        digest = await asyncio.to_thread(_sha256, temporary)
        if model.sha256 and digest != model.sha256:
            raise ModelRejectedError(
                f"the stored file's SHA-256 {digest[:12]}… does not match {model.sha256[:12]}…"
            )
        await asyncio.to_thread(os.replace, temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


async def _set(ctx: WorkerContext, name: str, **values: Any) -> bool:
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


async def validate(ctx: WorkerContext, runners: RunnerCache, name: str) -> str:
    """Validate one uploaded model; returns its new status."""
    async with ctx.sessions() as session:
        model = await get_model(session, name)
    if model is None or model.status != ModelStatus.VALIDATING:
        log.info("model %s is not waiting for validation; nothing to do", name)
        return model.status if model else ModelStatus.MISSING
    if model.details.get("format") == NCNN:
        return await validate_ncnn(ctx, runners, model)
    path = runners.path_of(model)
    try:
        await download_verified(ctx, model, path)
        inspection = await asyncio.to_thread(inspect_onnx, path)
        expected = model.details.get("expected_scale")
        if expected and int(expected) != inspection.scale:
            raise ModelRejectedError(
                f"it scales by {inspection.scale}, but {expected} was expected"
            )
    except ModelRejectedError as error:
        path.unlink(missing_ok=True)
        log.warning("model %s is invalid: %s", name, error)
        await _set(ctx, name, status=ModelStatus.INVALID, status_reason=str(error))
        return ModelStatus.INVALID
    except Exception as error:  # storage or database trouble: say so, do not guess
        path.unlink(missing_ok=True)
        log.exception("validating model %s failed", name)
        await _set(
            ctx,
            name,
            status=ModelStatus.INVALID,
            status_reason=f"validation could not finish ({type(error).__name__}: {error})"[:500],
        )
        return ModelStatus.INVALID
    details = dict(model.details) | inspection.as_details() | {"validated_at": utcnow().isoformat()}
    await _set(
        ctx,
        name,
        status=ModelStatus.ACTIVE,
        scale=inspection.scale,
        status_reason=f"validated by {ctx.worker_id}",
        details=details,
    )
    log.info("model %s validated: x%d", name, inspection.scale)
    return ModelStatus.ACTIVE


NCNN = "ncnn"
NO_EXPORT_EXTRA = (
    "this worker cannot convert ncnn models: the export extra (PyTorch and the ncnn "
    "runtime) is not installed here; validate it again once a worker has it"
)


@dataclass(frozen=True)
class NcnnSource:
    storage_key: str
    filename: str
    sha256: str
    size_bytes: int


def ncnn_sources(model: Model) -> tuple[NcnnSource, NcnnSource]:
    """The stored .param and .bin the API recorded in the row's details."""
    recorded = model.details.get(NCNN)
    try:
        assert isinstance(recorded, dict)
        found = tuple(
            NcnnSource(
                storage_key=str(recorded[part]["storage_key"]),
                filename=str(recorded[part].get("filename") or f"model.{part}"),
                sha256=str(recorded[part]["sha256"]),
                size_bytes=int(recorded[part]["size_bytes"]),
            )
            for part in ("param", "bin")
        )
    except (AssertionError, KeyError, TypeError, ValueError) as error:
        raise ModelRejectedError("the row does not say where its .param and .bin are") from error
    return found[0], found[1]


async def _fetch_source(ctx: WorkerContext, source: NcnnSource, destination: Path) -> Path:
    await ctx.storage.download_to(source.storage_key, destination)
    digest = await asyncio.to_thread(_sha256, destination)
    if digest != source.sha256:
        raise ModelRejectedError(
            f"the stored {source.filename}'s SHA-256 {digest[:12]}… does not match "
            f"{source.sha256[:12]}…"
        )
    return destination


@dataclass(frozen=True)
class Converted:
    installed: InstalledModel
    inspection: Inspection
    onnx: Path
    half: Path | None


def convert_ncnn(
    name: str,
    description: str,
    param: Path,
    weights: Path,
    sources: tuple[NcnnSource, ...],
    export_dir: Path,
) -> Converted:
    """Convert to ONNX with the export tools and probe the result (blocking).
    Raises ModelRejectedError with the reason."""
    try:
        importlib.import_module("ncnn")  # the parity check's reference runtime
        from upscaler_worker.export.fetch import FetchedFile, FetchedNcnn
        from upscaler_worker.export.install import ExportCheckError
        from upscaler_worker.export.ncnn_install import install_from_ncnn, spec_for_custom
    except ImportError as error:
        raise ModelRejectedError(f"{NO_EXPORT_EXTRA} ({error})") from error
    param_source, bin_source = sources
    fetched = FetchedNcnn(
        param=FetchedFile(
            param, f"storage:{param_source.storage_key}", param_source.sha256, param.stat().st_size
        ),
        bin=FetchedFile(
            weights, f"storage:{bin_source.storage_key}", bin_source.sha256, weights.stat().st_size
        ),
    )
    try:
        recognised = recognise(load_ncnn(param, weights))
        spec = spec_for_custom(name, recognised, description)
        installed = install_from_ncnn(
            spec, fetched, model_dir=export_dir, verification="unverified", exporter="torchscript"
        )
    except (NcnnFormatError, ExportCheckError) as error:
        raise ModelRejectedError(f"the conversion to ONNX was refused: {error}"[:500]) from error
    onnx = export_dir / installed.file
    inspection = inspect_onnx(onnx)
    if inspection.scale != recognised.scale:
        raise ModelRejectedError(
            f"the converted model scales by {inspection.scale}, but the graph is a "
            f"x{recognised.scale} {recognised.arch}"
        )
    half_name = installed.extra.get("fp16_file")
    half = export_dir / str(half_name) if half_name else None
    return Converted(installed, inspection, onnx, half if half and half.is_file() else None)


def _place(converted: Converted, final: Path) -> list[Path]:
    """Move the proven files into place (fp16 copy first: a reader that sees
    the model sees its copy too)."""
    placed: list[Path] = []
    if converted.half is not None:
        half = final.with_suffix(".fp16.onnx")
        os.replace(converted.half, half)
        placed.append(half)
    os.replace(converted.onnx, final)
    placed.append(final)
    return placed


def _ncnn_details(model: Model, converted: Converted) -> dict[str, Any]:
    installed = converted.installed
    parity = installed.extra.get("ncnn_parity")
    details = (
        dict(model.details)
        | converted.inspection.as_details()
        | cost_details(installed)
        | provenance(installed)
    )
    if "macs_per_pixel" in cost_details(installed):
        details["cost_source"] = "architecture"
    return details | {
        "arch": installed.arch,
        "arch_params": dict(installed.arch_params),
        "precision": installed.weights_precision,
        "ncnn_parity": parity if isinstance(parity, dict) else None,
        "onnx_parity_max_abs_error": installed.parity_max_abs_error,
        "fp16_max_abs_error": installed.extra.get("fp16_max_abs_error"),
        "exporter": installed.exporter,
        "validated_at": utcnow().isoformat(),
    }


async def validate_ncnn(ctx: WorkerContext, runners: RunnerCache, model: Model) -> str:
    """Convert an uploaded ncnn model, prove it, store the ONNX file, mark it
    active; or mark it invalid with the reason, leaving nothing behind."""
    name = model.name
    registered = runners.model_dir / "registered"
    await asyncio.to_thread(registered.mkdir, parents=True, exist_ok=True)
    workdir = Path(
        await asyncio.to_thread(tempfile.mkdtemp, prefix=f".ncnn-{name}-", dir=registered)
    )
    placed: list[Path] = []
    stored_key: str | None = None
    reason: str | None = None
    previous = (model.storage_key, runners.path_of(model))
    try:
        try:
            sources = ncnn_sources(model)
            param = await _fetch_source(ctx, sources[0], workdir / "model.param")
            weights = await _fetch_source(ctx, sources[1], workdir / "model.bin")
            description = model.note or f"{model.arch} uploaded as ncnn files"
            converted = await asyncio.to_thread(
                convert_ncnn, name, description[:200], param, weights, sources, workdir / "export"
            )
            expected = model.details.get("expected_scale")
            if expected and int(expected) != converted.inspection.scale:
                raise ModelRejectedError(
                    f"it scales by {converted.inspection.scale}, but {expected} was expected"
                )
            installed = converted.installed
            artifact = f"registered/{name}.{installed.onnx_sha256[:12]}.onnx"
            stored_key = new_key("models", "onnx")
            await ctx.storage.put_file(stored_key, converted.onnx, "application/octet-stream")
            placed = await asyncio.to_thread(_place, converted, runners.model_dir / artifact)
            updated = await _set(
                ctx,
                name,
                status=ModelStatus.ACTIVE,
                arch=installed.arch,
                scale=converted.inspection.scale,
                artifact_path=artifact,
                storage_key=stored_key,
                sha256=installed.onnx_sha256,
                size_bytes=installed.onnx_size_bytes,
                status_reason=f"converted from ncnn and validated by {ctx.worker_id}",
                details=_ncnn_details(model, converted),
            )
            if not updated:
                raise ModelRejectedError("the model was removed while it was being validated")
        except ModelRejectedError as error:
            log.warning("ncnn model %s is invalid: %s", name, error)
            reason = str(error)[:1000]
        except Exception as error:  # storage, database or export trouble: say so
            log.exception("validating ncnn model %s failed", name)
            reason = f"validation could not finish ({type(error).__name__}: {error})"[:1000]
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, True)
    if reason is not None:
        for path in placed:
            await asyncio.to_thread(path.unlink, True)
        if stored_key is not None:
            await ctx.storage.delete(stored_key)
        await _set(ctx, name, status=ModelStatus.INVALID, status_reason=reason)
        return ModelStatus.INVALID
    # A model validated again replaces its earlier ONNX file.
    old_key, old_path = previous
    if old_key and old_key != stored_key:
        await ctx.storage.delete(old_key)
    if old_path not in placed:
        await asyncio.to_thread(old_path.unlink, True)
        await asyncio.to_thread(old_path.with_suffix(".fp16.onnx").unlink, True)
    log.info("ncnn model %s converted and validated: x%d", name, converted.inspection.scale)
    return ModelStatus.ACTIVE


def make_fetcher(holder: ContextHolder) -> Any:
    """RunnerCache's hook: fetch an uploaded model this worker lacks."""
    locks: dict[str, asyncio.Lock] = {}

    async def fetch(model: Model, path: Path) -> None:
        lock = locks.setdefault(model.name, asyncio.Lock())
        async with lock:
            if await asyncio.to_thread(path.is_file):
                return
            ctx = await holder.get()
            log.info("fetching uploaded model %s from storage", model.name)
            try:
                await download_verified(ctx, model, path)
            except ModelRejectedError as error:
                raise PermanentJobError(f"model {model.name!r}: {error}") from error

    return fetch


def register(broker: dramatiq.Broker, holder: ContextHolder, runners: RunnerCache) -> None:
    """Register the model actors on the broker and let the runner cache
    fetch uploaded models it lacks."""
    runners.fetcher = make_fetcher(holder)

    async def validate_model(name: str) -> None:
        await validate(await holder.get(), runners, name)

    async def sync_models() -> None:
        await register_models(await holder.get())

    dramatiq.actor(
        broker=broker, actor_name=VALIDATE_MODEL_ACTOR, queue_name=Queue.CPU.value, max_retries=0
    )(validate_model)
    dramatiq.actor(
        broker=broker, actor_name=SYNC_MODELS_ACTOR, queue_name=Queue.CPU.value, max_retries=0
    )(sync_models)
