"""Models: register by uploading an ONNX file (stored, validated by a
worker, never opened by the API), presets, default, promote/demote with
the default's history, notes, removal."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.admin.onnx_files import resize_model
from tests.admin.support import AdminServer, bearer, seed_model
from upscaler.catalog import registry


def _upload(
    client: httpx.Client, token: str, path: Path, filename: str | None = None, **fields: str
) -> httpx.Response:
    with path.open("rb") as handle:
        return client.post(
            "/api/v1/admin/models",
            headers=bearer(token),
            files={"file": (filename or path.name, handle, "application/octet-stream")},
            data=fields,
        )


def _models(client: httpx.Client, token: str) -> dict[str, dict[str, object]]:
    listed = client.get("/api/v1/admin/models", headers=bearer(token)).json()
    return {m["name"]: m for m in listed}


def test_an_uploaded_model_is_stored_and_waits_for_a_worker(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    onnx_file = resize_model(tmp_path / "mine.onnx")
    before = len(admin_server.queued_messages())
    response = _upload(
        admin_client,
        token,
        onnx_file,
        name="mine-x2",
        presets="photo,art",
        note="nearest-neighbour test model",
        expected_scale="2",
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "validating"
    assert body["source"] == "uploaded"
    assert body["presets"] == ["photo", "art"]
    assert body["size_bytes"] == onnx_file.stat().st_size
    stored = admin_server.settings.local_storage_dir / "models"
    assert len(list(stored.glob("*.onnx"))) == 1
    message = admin_server.queued_messages()[before]
    assert message.actor_name == "validate_model"
    assert message.args == ("mine-x2",)
    # Not offered to jobs until a worker has validated it.
    assert _models(admin_client, token)["mine-x2"]["status"] == "validating"
    audit = admin_client.get(
        "/api/v1/admin/audit", params={"action": "model.register"}, headers=bearer(token)
    ).json()
    assert audit["items"][0]["entity_id"] == "mine-x2"


@pytest.mark.parametrize(
    ("filename", "content", "fields", "status", "field"),
    [
        ("x.onnx", b"\x08\x08" + b"\x00" * 100, {"name": "Bad Name"}, 400, "name"),
        ("x.txt", b"\x08\x08" + b"\x00" * 100, {"name": "okname"}, 415, "file"),
        ("x.onnx", b"PK\x03\x04" + b"\x00" * 100, {"name": "okname"}, 415, "file"),
        (
            "x.onnx",
            b"\x08\x08" + b"\x00" * 100,
            {"name": "okname", "presets": "cats"},
            400,
            "presets",
        ),
    ],
)
def test_uploads_that_are_not_acceptable_are_refused(
    admin_client: httpx.Client,
    token: str,
    tmp_path: Path,
    filename: str,
    content: bytes,
    fields: dict[str, str],
    status: int,
    field: str,
) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    response = _upload(admin_client, token, path, filename=filename, **fields)
    assert response.status_code == status, response.text
    assert response.json()["error"]["fields"][0]["field"] == field


def test_an_upload_over_the_size_limit_is_refused_while_it_streams(
    admin_client: httpx.Client, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "MAX_MODEL_BYTES", 4096)
    path = tmp_path / "big.onnx"
    path.write_bytes(b"\x08\x08" + b"\x00" * 20_000)
    response = _upload(admin_client, token, path, name="too-big")
    assert response.status_code == 413
    assert "too-big" not in _models(admin_client, token)


def test_a_duplicate_name_is_refused(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    seed_model(admin_server, "taken-name")
    response = _upload(admin_client, token, resize_model(tmp_path / "m.onnx"), name="taken-name")
    assert response.status_code == 409


def test_default_promote_demote_and_the_default_history(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    for name in ("alpha", "beta", "gamma"):
        seed_model(admin_server, name, presets=["photo"])
    headers = bearer(token)
    for name in ("alpha", "beta", "gamma"):
        response = admin_client.post(f"/api/v1/admin/models/{name}/default", headers=headers)
        assert response.status_code == 200
    models = _models(admin_client, token)
    assert [n for n, m in models.items() if m["is_default"]] == ["gamma"]
    # Demoting the default brings back the previous one...
    demoted = admin_client.post("/api/v1/admin/models/gamma/demote", headers=headers).json()
    assert demoted["model"]["status"] == "demoted"
    assert demoted["restored_default"] == "beta"
    # ...and again, skipping what is no longer active.
    admin_client.post("/api/v1/admin/models/alpha/demote", headers=headers)
    demoted = admin_client.post("/api/v1/admin/models/beta/demote", headers=headers).json()
    assert demoted["restored_default"] is None  # gamma and alpha are demoted
    assert (
        admin_client.post("/api/v1/admin/models/gamma/promote", headers=headers).status_code == 200
    )
    assert (
        admin_client.post("/api/v1/admin/models/gamma/promote", headers=headers).status_code == 409
    )
    refused = admin_client.post("/api/v1/admin/models/alpha/default", headers=headers)
    assert refused.status_code == 409  # demoted: promote it first
    actions = [
        i["action"]
        for i in admin_client.get(
            "/api/v1/admin/audit", params={"action": "model."}, headers=headers
        ).json()["items"]
    ]
    assert {"model.default", "model.demote", "model.promote"} <= set(actions)


def test_the_last_active_model_cannot_be_demoted(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.admin.support import admin_token, start_admin_server

    server, live = start_admin_server(tmp_path_factory.mktemp("lastmodel"))
    with live, server.client() as client:
        token = admin_token(client)
        seed_model(server, "only-one", is_default=True)
        response = client.post("/api/v1/admin/models/only-one/demote", headers=bearer(token))
        assert response.status_code == 409
        assert "last active model" in response.json()["error"]["message"]


def test_presets_notes_and_routing_are_editable(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    seed_model(admin_server, "editable", presets=["photo"])
    response = admin_client.patch(
        "/api/v1/admin/models/editable",
        headers=bearer(token),
        json={"presets": ["face", "art"], "note": "good on faces", "gpu_required": True},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["presets"] == ["art", "face"]  # canonical order
    assert body["note"] == "good on faces"
    assert body["gpu_required"] is True
    bad = admin_client.patch(
        "/api/v1/admin/models/editable", headers=bearer(token), json={"presets": ["cats"]}
    )
    assert bad.status_code == 400


def test_an_uploaded_model_can_be_removed_but_an_installed_one_cannot(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    seed_model(admin_server, "installed-one")
    refused = admin_client.delete("/api/v1/admin/models/installed-one", headers=bearer(token))
    assert refused.status_code == 409
    created = _upload(admin_client, token, resize_model(tmp_path / "r.onnx"), name="removable")
    assert created.status_code == 202
    removed = admin_client.delete("/api/v1/admin/models/removable", headers=bearer(token))
    assert removed.status_code == 204
    assert "removable" not in _models(admin_client, token)
