"""Tell the database which models this worker has installed.

The API lists and chooses models from the `models` table, never from files;
workers are the ones that have the files. A row an admin changed (demoted,
default, notes, GPU routing) keeps those choices: only what describes the
artifact is refreshed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.contracts import ModelStatus
from upscaler.db.tables import Model
from upscaler.db.types import utcnow
from upscaler_worker.export.macs import architecture_macs
from upscaler_worker.inference.installed import InstalledModel

log = logging.getLogger(__name__)


def _default_params(installed: InstalledModel) -> dict[str, object]:
    params: dict[str, object] = {}
    if installed.variant_of:
        params["variant_of"] = installed.variant_of
    if installed.denoise:
        params["denoise"] = installed.denoise
    return params


#: The input side the cost is counted on: a multiple of 4, so RRDBNet's pixel
#: unshuffle (x2 and x1 models) divides it evenly.
COST_PROBE_SIDE = 64


def cost_details(installed: InstalledModel) -> dict[str, object]:
    """What the API's estimates need: MACs per input pixel, from the architecture."""
    details: dict[str, object] = {"gpu_recommended": installed.gpu_recommended}
    try:
        macs = architecture_macs(
            installed.arch, installed.arch_params, COST_PROBE_SIDE, COST_PROBE_SIDE
        )
    except (ValueError, KeyError):  # an architecture the counter does not know
        log.warning("model %s: no MAC count for %r", installed.name, installed.arch)
        return details
    details["macs_per_pixel"] = round(macs / COST_PROBE_SIDE**2)
    return details


def provenance(installed: InstalledModel) -> dict[str, object]:
    """Where the weights came from and how they were proven, for operators."""
    details: dict[str, object] = {
        "source_format": installed.source_format,
        "weights_precision": installed.weights_precision,
        "verification": installed.verification,
        "source_url": installed.source_url,
    }
    parity = installed.extra.get("ncnn_parity")
    if isinstance(parity, dict):
        details["ncnn_parity_psnr_db"] = parity.get("psnr_db")
    if "pth_vs_ncnn_psnr_db" in installed.extra:
        details["pth_vs_ncnn_psnr_db"] = installed.extra["pth_vs_ncnn_psnr_db"]
    return details


async def register_installed(session: AsyncSession, installed: Sequence[InstalledModel]) -> None:
    existing = {m.name: m for m in (await session.exec(select(Model))).all()}
    for item in installed:
        row = existing.get(item.name)
        if row is not None and row.source == "uploaded":
            log.warning("installed model %s has the name of an uploaded one; skipped", item.name)
            continue
        if row is None:
            row = Model(
                name=item.name,
                artifact_path=item.file,
                presets=list(item.presets),
                quality_rank=item.quality_rank,
                gpu_required=False,
            )
            log.info("registering model %s", item.name)
        row.type = "esrgan"
        row.arch = item.arch
        row.artifact_path = item.file
        row.scale = item.scale
        row.sha256 = item.onnx_sha256
        row.size_bytes = item.onnx_size_bytes
        row.default_params = _default_params(item)
        row.details = dict(row.details) | cost_details(item) | provenance(item)
        if row.status == ModelStatus.MISSING:
            row.status = ModelStatus.ACTIVE
        row.updated_at = utcnow()
        session.add(row)
    await session.commit()
