"""Validating an admin's ncnn upload (`details["format"] == "ncnn"`: a .param
and a .bin the API has already read and recognised): fetch both, convert them
to ONNX with the export tools (PyTorch + the ncnn runtime, the `export` extra;
checked against PyTorch and the ncnn runtime), probe the ONNX file, store it and
point the row at it, so that other workers fetch a ready ONNX file and need no
PyTorch. A worker without the export extra marks it invalid saying so."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from upscaler.catalog.ncnn_format import NcnnFormatError, load_ncnn
from upscaler.catalog.ncnn_recognise import recognise
from upscaler.contracts import ModelStatus
from upscaler.db.tables import Model
from upscaler.db.types import utcnow
from upscaler.storage import new_key
from upscaler_worker.actors.model_files import (
    Inspection,
    ModelRejectedError,
    inspect_onnx,
    set_fields,
    sha256_of,
)
from upscaler_worker.context import WorkerContext
from upscaler_worker.inference.installed import COMPANIONS, InstalledModel
from upscaler_worker.models_sync import cost_details, provenance
from upscaler_worker.runners import RunnerCache

log = logging.getLogger(__name__)

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
    digest = await asyncio.to_thread(sha256_of, destination)
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
    #: Exported with its companions beside it (``<name><suffix>``, COMPANIONS).
    onnx: Path


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
    return Converted(installed, inspection, onnx)


def _place(converted: Converted, final: Path) -> list[Path]:
    """Move the proven files into place (the companions first: a reader that
    sees the model sees them too)."""
    placed: list[Path] = []
    for suffix in COMPANIONS.values():
        companion = converted.onnx.with_suffix(suffix)
        if companion.is_file():
            os.replace(companion, final.with_suffix(suffix))
            placed.append(final.with_suffix(suffix))
    os.replace(converted.onnx, final)
    placed.append(final)
    return placed


def _ncnn_details(model: Model, converted: Converted) -> dict[str, Any]:
    installed = converted.installed
    parity = installed.extra.get("ncnn_parity")
    cost = cost_details(installed)
    details = dict(model.details) | converted.inspection.as_details() | cost | provenance(installed)
    if "macs_per_pixel" in cost:
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
            updated = await set_fields(
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
        await set_fields(ctx, name, status=ModelStatus.INVALID, status_reason=reason)
        return ModelStatus.INVALID
    # A model validated again replaces its earlier ONNX file.
    old_key, old_path = previous
    if old_key and old_key != stored_key:
        await ctx.storage.delete(old_key)
    if old_path not in placed:
        await asyncio.to_thread(old_path.unlink, True)
        for suffix in COMPANIONS.values():
            await asyncio.to_thread(old_path.with_suffix(suffix).unlink, True)
    log.info("ncnn model %s converted and validated: x%d", name, converted.inspection.scale)
    return ModelStatus.ACTIVE
