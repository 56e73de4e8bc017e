"""The worker's side of model registration: ONNX Runtime loads and probes
the uploaded file, the row becomes active (file installed in the worker's
model_dir) or invalid with the reason; a worker without the file fetches it
on first use."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.admin.onnx_files import resize_model, two_input_model
from tests.admin.support import AdminServer, bearer
from upscaler.contracts import Queue
from upscaler_worker.actors.model_files import ModelRejectedError, inspect_onnx
from upscaler_worker.actors.models import make_fetcher, validate
from upscaler_worker.context import ContextHolder
from upscaler_worker.runners import RunnerCache


def test_inspect_measures_the_scale(tmp_path: Path) -> None:
    found = inspect_onnx(resize_model(tmp_path / "x4.onnx", scale=4))
    assert found.scale == 4
    assert found.input_name == "input"
    assert found.input_shape == [1, 3, "h", "w"]
    assert found.probe[2:] == [32, 32]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: two_input_model(p), "exactly one input"),
        (lambda p: resize_model(p, channels=1), "must have 3 .RGB. channels"),
        (lambda p: p.write_bytes(b"\x08\x07garbage") and p, "ONNX Runtime cannot load it"),
    ],
)
def test_inspect_refuses_what_is_not_an_image_upscaler(
    tmp_path: Path, make: object, reason: str
) -> None:
    path = tmp_path / "bad.onnx"
    make(path)  # type: ignore[operator]
    with pytest.raises(ModelRejectedError, match=reason):
        inspect_onnx(path)


def _upload(client: httpx.Client, token: str, path: Path, **fields: str) -> dict[str, object]:
    with path.open("rb") as handle:
        response = client.post(
            "/api/v1/admin/models",
            headers=bearer(token),
            files={"file": (path.name, handle)},
            data=fields,
        )
    assert response.status_code == 202, response.text
    body: dict[str, object] = response.json()
    return body


async def _validate(server: AdminServer, model_dir: Path, name: str) -> str:
    settings = server.settings.model_copy(update={"model_dir": model_dir})
    holder = ContextHolder(settings, (Queue.CPU,), server.broker, shared_bus=server.context.bus)
    try:
        return await validate(await holder.get(), RunnerCache(model_dir), name)
    finally:
        await holder.close()


def _model(client: httpx.Client, token: str, name: str) -> dict[str, object]:
    models = client.get("/api/v1/admin/models", headers=bearer(token)).json()
    found: dict[str, object] = next(m for m in models if m["name"] == name)
    return found


def test_a_worker_validates_and_installs_an_uploaded_model(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    _upload(admin_client, token, resize_model(tmp_path / "ok.onnx"), name="probe-x2")
    model_dir = tmp_path / "worker-models"
    assert asyncio.run(_validate(admin_server, model_dir, "probe-x2")) == "active"
    model = _model(admin_client, token, "probe-x2")
    assert model["status"] == "active"
    assert model["scale"] == 2
    assert model["details"]["measured_scale"] == 2  # type: ignore[index]
    installed = list((model_dir / "registered").glob("probe-x2.*.onnx"))
    assert len(installed) == 1
    # A second message for it changes nothing.
    assert asyncio.run(_validate(admin_server, model_dir, "probe-x2")) == "active"


def test_a_bad_upload_is_marked_invalid_with_the_reason(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    _upload(admin_client, token, two_input_model(tmp_path / "two.onnx"), name="two-inputs")
    model_dir = tmp_path / "worker-models"
    assert asyncio.run(_validate(admin_server, model_dir, "two-inputs")) == "invalid"
    model = _model(admin_client, token, "two-inputs")
    assert model["status"] == "invalid"
    assert "exactly one input" in str(model["status_reason"])
    assert not list(model_dir.rglob("two-inputs*"))
    # An unexpected scale is refused too.
    _upload(
        admin_client,
        token,
        resize_model(tmp_path / "x2.onnx"),
        name="wrong-scale",
        expected_scale="4",
    )
    assert asyncio.run(_validate(admin_server, model_dir, "wrong-scale")) == "invalid"
    assert "but 4 was expected" in str(_model(admin_client, token, "wrong-scale")["status_reason"])
    # "Validate again" puts it back in the queue.
    again = admin_client.post("/api/v1/admin/models/wrong-scale/validate", headers=bearer(token))
    assert again.status_code == 202
    assert again.json()["status"] == "validating"


def test_a_worker_lacking_the_file_fetches_it_on_first_use(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    _upload(admin_client, token, resize_model(tmp_path / "f.onnx"), name="fetched-x2")
    asyncio.run(_validate(admin_server, tmp_path / "first-worker", "fetched-x2"))

    async def first_use(model_dir: Path) -> Path:
        from upscaler.catalog.service import get_model

        holder = ContextHolder(
            admin_server.settings,
            (Queue.CPU,),
            admin_server.broker,
            shared_bus=admin_server.context.bus,
        )
        try:
            ctx = await holder.get()
            async with ctx.sessions() as session:
                model = await get_model(session, "fetched-x2")
            assert model is not None
            runners = RunnerCache(model_dir)
            runners.fetcher = make_fetcher(holder)
            loaded = await runners.get(model)
            assert loaded.runner.scale == 2
            return loaded.path
        finally:
            await holder.close()

    path = asyncio.run(first_use(tmp_path / "second-worker"))
    assert path.is_file()
    assert path.parent.name == "registered"
