"""The worker's side of an ncnn registration: it fetches the .param and
.bin, converts them to ONNX with the export tools (checked against PyTorch
and the ncnn runtime), probes the ONNX file, stores it and points the row at
it; another worker then fetches the ready ONNX file and runs a job with it.
Any failure leaves the row invalid with the reason and no files behind."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.admin.ncnn_cases import RRDB, models, real_files, stored_files, upload_as_admin
from tests.admin.support import AdminServer, bearer, seed_job
from upscaler.contracts import Queue
from upscaler_worker.actors.models import make_fetcher, validate
from upscaler_worker.context import ContextHolder
from upscaler_worker.runners import RunnerCache

pytestmark = pytest.mark.export
pytest.importorskip("torch")
pytest.importorskip("ncnn")


def _holder(server: AdminServer, model_dir: Path) -> ContextHolder:
    settings = server.settings.model_copy(update={"model_dir": model_dir})
    return ContextHolder(settings, (Queue.CPU,), server.broker, shared_bus=server.context.bus)


async def _validate(server: AdminServer, model_dir: Path, name: str) -> str:
    holder = _holder(server, model_dir)
    try:
        return await validate(await holder.get(), RunnerCache(model_dir), name)
    finally:
        await holder.close()


def _register(client: httpx.Client, token: str, name: str, param: Path, weights: Path) -> None:
    response = upload_as_admin(client, token, param, weights, name=name, presets="art")
    assert response.status_code == 202, response.text


def _left_in(model_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(model_dir)) for p in model_dir.rglob("*") if p.is_file())


def test_an_ncnn_model_is_converted_validated_and_runs_a_job_on_another_worker(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    param, weights = real_files()
    _register(admin_client, token, "anime-ncnn", param, weights)
    first = tmp_path / "first-worker"
    assert asyncio.run(_validate(admin_server, first, "anime-ncnn")) == "active"

    model = models(admin_client, token)["anime-ncnn"]
    assert model["status"] == "active"
    assert model["scale"] == 4
    assert model["arch"] == "SRVGGNetCompact"
    details = model["details"]
    assert details["format"] == "ncnn"
    assert details["measured_scale"] == 4
    assert details["precision"] == "fp16-rounded"
    assert details["source_format"] == "ncnn"
    assert details["ncnn_parity"]["psnr_db"] >= 50
    assert details["ncnn_parity_psnr_db"] >= 50
    assert details["arch_params"]["num_conv"] == 16
    assert details["cost_source"] == "architecture"
    assert details["macs_per_pixel"] > 500_000
    # The row points at the exported ONNX file in storage, not at the ncnn files.
    stored = admin_server.settings.local_storage_dir / "models"
    onnx_files = list(stored.glob("*.onnx"))
    assert len(onnx_files) == 1
    digest = hashlib.sha256(onnx_files[0].read_bytes()).hexdigest()
    assert model["sha256"] == digest
    assert model["size_bytes"] == onnx_files[0].stat().st_size
    # The validating worker has it installed (with its fp16 copy and the
    # graph as exported, for OpenVINO), nothing else.
    assert _left_in(first) == [
        f"registered/anime-ncnn.{digest[:12]}.fp16.onnx",
        f"registered/anime-ncnn.{digest[:12]}.onnx",
        f"registered/anime-ncnn.{digest[:12]}.openvino.onnx",
    ]
    # A second message for it changes nothing.
    assert asyncio.run(_validate(admin_server, first, "anime-ncnn")) == "active"

    # Another worker, with nothing installed, fetches the ONNX file and runs a job.
    job_id = seed_job(
        admin_server,
        status="queued",
        model="anime-ncnn",
        params={"factor": "4x", "preset": "art", "denoise": "none"},
    )
    second = tmp_path / "second-worker"

    async def run_job() -> None:
        from upscaler_worker.actors.upscale_job import process

        holder = _holder(admin_server, second)
        try:
            runners = RunnerCache(second)
            runners.fetcher = make_fetcher(holder)
            await process(await holder.get(), runners, job_id, can_retry=False)
        finally:
            await holder.close()

    asyncio.run(run_job())
    job = admin_client.get(f"/api/v1/admin/jobs/{job_id}", headers=bearer(token)).json()
    assert job["status"] == "completed", job
    assert job["model"] == "anime-ncnn"
    assert (job["result"]["width"], job["result"]["height"]) == (96, 64)
    assert job["engine"]["model"] == "anime-ncnn"
    assert _left_in(second) == [f"registered/anime-ncnn.{digest[:12]}.onnx"]


def test_validating_again_replaces_the_onnx_file(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    param, weights = real_files()
    _register(admin_client, token, "again-ncnn", param, weights)
    worker = tmp_path / "worker"
    assert asyncio.run(_validate(admin_server, worker, "again-ncnn")) == "active"
    first_key = models(admin_client, token)["again-ncnn"]["details"]
    before = stored_files(admin_server.settings.local_storage_dir)
    again = admin_client.post("/api/v1/admin/models/again-ncnn/validate", headers=bearer(token))
    assert again.status_code == 202
    assert again.json()["status"] == "validating"
    assert asyncio.run(_validate(admin_server, worker, "again-ncnn")) == "active"
    after = stored_files(admin_server.settings.local_storage_dir)
    assert len(after) == len(before)  # the new ONNX file replaced the old one
    assert first_key["ncnn"] == models(admin_client, token)["again-ncnn"]["details"]["ncnn"]
    # the model, its fp16 copy and the graph as exported
    assert len([p for p in _left_in(worker) if p.endswith(".onnx")]) == 3


def test_a_worker_without_the_export_extra_marks_it_invalid_saying_so(
    admin_server: AdminServer,
    admin_client: httpx.Client,
    token: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    param, weights = real_files()
    _register(admin_client, token, "no-tools-ncnn", param, weights)
    before = stored_files(admin_server.settings.local_storage_dir)
    monkeypatch.setitem(sys.modules, "ncnn", None)  # import ncnn -> ImportError
    monkeypatch.setitem(sys.modules, "upscaler_worker.export.ncnn_install", None)
    worker = tmp_path / "worker"
    assert asyncio.run(_validate(admin_server, worker, "no-tools-ncnn")) == "invalid"
    model = models(admin_client, token)["no-tools-ncnn"]
    assert model["status"] == "invalid"
    assert "export extra" in str(model["status_reason"])
    assert "PyTorch" in str(model["status_reason"])
    assert _left_in(worker) == []
    assert stored_files(admin_server.settings.local_storage_dir) == before


def _swap_a_concat(source: Path, target: Path) -> Path:
    """Swapping a Concat's inputs keeps every shape and weight, so the
    recogniser (and the API) accept it; only the ncnn runtime's parity tells."""
    lines = source.read_text().splitlines()
    for index, line in enumerate(lines):
        parts = line.split()
        if parts and parts[0] == "Concat" and parts[2] == "2":
            parts[4], parts[5] = parts[5], parts[4]
            lines[index] = " ".join(parts)
            break
    target.write_text("\n".join(lines) + "\n")
    return target


@pytest.mark.slow  # exports an RRDBNet (~30 s on two cores) before the parity refuses it
def test_a_conversion_that_does_not_match_ncnn_is_invalid_and_leaves_nothing(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    param, weights = real_files(RRDB)
    edited = _swap_a_concat(param, tmp_path / f"{RRDB}.param")
    _register(admin_client, token, "swapped-ncnn", edited, weights)
    before = stored_files(admin_server.settings.local_storage_dir)
    worker = tmp_path / "worker"
    assert asyncio.run(_validate(admin_server, worker, "swapped-ncnn")) == "invalid"
    model: dict[str, Any] = models(admin_client, token)["swapped-ncnn"]
    assert model["status"] == "invalid"
    assert "differs from the ncnn runtime" in str(model["status_reason"])
    assert model["sha256"] is None
    assert _left_in(worker) == []
    assert stored_files(admin_server.settings.local_storage_dir) == before
