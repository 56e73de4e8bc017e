"""Registering an ncnn model (.param + .bin) through the admin API and the
models page: read and recognised at once by the API (numpy only), refused
with the reason and nothing stored when it cannot be converted, otherwise
stored and left "validating" for a worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.admin.ncnn_cases import (
    RRDB,
    models,
    one_convolution,
    real_files,
    stored_files,
    truncated,
    upload_as_admin,
    upload_ncnn,
    with_inner_product,
    with_layer_type,
)
from tests.admin.support import ADMIN_PASSWORD, AdminServer, bearer, browser_login
from upscaler.catalog import ncnn_format
from upscaler.config import DEFAULT_SEED_USER


def _audit(client: httpx.Client, token: str, name: str) -> list[dict[str, object]]:
    items = client.get(
        "/api/v1/admin/audit", params={"action": "model.register"}, headers=bearer(token)
    ).json()["items"]
    return [item for item in items if item["entity_id"] == name]


def _spool(server: AdminServer) -> list[Path]:
    spool = server.settings.data_dir / "spool"
    return list(spool.iterdir()) if spool.is_dir() else []


def test_an_ncnn_model_is_recognised_stored_and_waits_for_a_worker(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    param, weights = real_files()
    before = len(admin_server.queued_messages())
    response = upload_as_admin(
        admin_client,
        token,
        param,
        weights,
        name="anime-ncnn",
        presets="art,standard",
        note="Upscayl custom model",
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "validating"
    assert body["source"] == "uploaded"
    assert body["arch"] == "SRVGGNetCompact"
    assert body["scale"] == 4
    assert body["presets"] == ["art", "standard"]
    assert body["note"] == "Upscayl custom model"
    assert body["size_bytes"] == param.stat().st_size + weights.stat().st_size
    details = body["details"]
    assert details["format"] == "ncnn"
    assert details["expected_scale"] == 4
    assert details["arch_params"] == {
        "num_in_ch": 3,
        "num_out_ch": 3,
        "num_feat": 64,
        "num_conv": 16,
        "upscale": 4,
        "act_type": "prelu",
    }
    assert details["weights_precision"] == "fp16-rounded"
    assert details["ncnn"]["param"]["filename"] == param.name
    assert details["ncnn"]["bin"]["size_bytes"] == weights.stat().st_size
    # Both files are stored; the row gets its ONNX file from the worker.
    names = stored_files(admin_server.settings.local_storage_dir)
    assert sorted(Path(n).suffix for n in names) == [".bin", ".param"]
    assert body["sha256"] is None
    message = admin_server.queued_messages()[before]
    assert message.actor_name == "validate_model"
    assert message.args == ("anime-ncnn",)
    (entry,) = _audit(admin_client, token, "anime-ncnn")
    assert entry["details"]["format"] == "ncnn"  # type: ignore[index]
    assert entry["details"]["arch"] == "SRVGGNetCompact"  # type: ignore[index]
    assert not _spool(admin_server)


def test_an_esrgan_model_is_recognised_with_its_blocks(
    admin_client: httpx.Client, token: str
) -> None:
    param, weights = real_files(RRDB)
    response = upload_as_admin(admin_client, token, param, weights, name="rrdb-ncnn")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["arch"] == "RRDBNet"
    assert body["details"]["arch_params"]["num_block"] == 6
    assert body["details"]["expected_scale"] == 4


def _refused(
    server: AdminServer,
    client: httpx.Client,
    token: str,
    param: Path,
    weights: Path,
    name: str,
    **fields: str,
) -> dict[str, object]:
    before = stored_files(server.settings.local_storage_dir)
    queued = len(server.queued_messages())
    response = upload_as_admin(client, token, param, weights, name=name, **fields)
    assert 400 <= response.status_code < 500, response.text
    assert name not in models(client, token)
    assert stored_files(server.settings.local_storage_dir) == before
    assert len(server.queued_messages()) == queued
    assert not _audit(client, token, name)
    assert not _spool(server)
    error: dict[str, object] = response.json()["error"]
    error["status_code"] = response.status_code
    return error


def test_a_layer_of_an_unknown_type_is_refused_by_name(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    param, weights = real_files()
    edited, layer = with_layer_type(param, tmp_path / "softmax.param", "PReLU", "Softmax")
    error = _refused(admin_server, admin_client, token, edited, weights, "softmax-ncnn")
    assert error["status_code"] == 422
    assert error["code"] == "unsupported_layer"
    assert f"layer {layer!r} is of type Softmax" in str(error["message"])
    assert error["fields"] == [{"field": "param", "message": error["message"]}]


def test_weights_of_the_wrong_size_are_refused(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    param, weights = real_files()
    short = truncated(weights, tmp_path / "short.bin")
    error = _refused(admin_server, admin_client, token, param, short, "short-ncnn")
    assert error["status_code"] == 422
    assert error["code"] == "invalid_weights"
    assert "truncated" in str(error["message"])
    assert error["fields"][0]["field"] == "bin"  # type: ignore[index]
    # Extra bytes at the end are refused as well: the .bin belongs to another .param.
    longer = tmp_path / "long.bin"
    longer.write_bytes(weights.read_bytes() + b"\0" * 64)
    error = _refused(admin_server, admin_client, token, param, longer, "long-ncnn")
    assert error["code"] == "invalid_weights"
    assert "64 bytes are left" in str(error["message"])


def test_a_model_that_does_not_upscale_is_refused(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, tmp_path: Path
) -> None:
    param, weights = one_convolution(tmp_path)
    error = _refused(admin_server, admin_client, token, param, weights, "one-conv")
    assert error["status_code"] == 422
    assert error["code"] == "not_an_upscaler"
    assert "neither an ESRGAN/RRDBNet" in str(error["message"])
    param, weights = with_inner_product(tmp_path)
    error = _refused(admin_server, admin_client, token, param, weights, "classifier")
    assert error["status_code"] == 422
    assert error["code"] == "unsupported_layer"
    assert "layer 'fc' is of type InnerProduct" in str(error["message"])


def test_a_scale_other_than_the_graphs_is_refused(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    param, weights = real_files()
    error = _refused(
        admin_server, admin_client, token, param, weights, "wrong-x2", expected_scale="2"
    )
    assert error["status_code"] == 422
    assert "x4 SRVGGNetCompact, not x2" in str(error["message"])


def test_files_over_the_limits_are_refused_while_they_stream(
    admin_server: AdminServer,
    admin_client: httpx.Client,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    param, weights = real_files()
    monkeypatch.setattr(ncnn_format, "MAX_BIN_BYTES", 64 * 1024)
    error = _refused(admin_server, admin_client, token, param, weights, "big-bin")
    assert error["status_code"] == 413
    assert error["fields"][0]["field"] == "bin"  # type: ignore[index]
    assert "the .bin file is larger than" in str(error["message"])
    monkeypatch.setattr(ncnn_format, "MAX_PARAM_BYTES", 1024)
    monkeypatch.setattr(ncnn_format, "MAX_BIN_BYTES", 4 * 1024 * 1024)
    error = _refused(admin_server, admin_client, token, param, weights, "big-param")
    assert error["status_code"] == 413
    assert error["fields"][0]["field"] == "param"  # type: ignore[index]


@pytest.mark.parametrize(
    ("param_name", "bin_name", "fields", "status", "field"),
    [
        ("m.param", "m.bin", {"name": "Bad Name"}, 400, "name"),
        ("m.txt", "m.bin", {}, 415, "param"),
        ("m.param", "m.weights", {}, 415, "bin"),
        ("m.param", "m.bin", {"presets": "cats"}, 400, "presets"),
        ("m.param", "m.bin", {"quality_rank": "many"}, 400, "quality_rank"),
    ],
)
def test_fields_and_names_that_are_not_acceptable_are_refused(
    admin_server: AdminServer,
    admin_client: httpx.Client,
    token: str,
    param_name: str,
    bin_name: str,
    fields: dict[str, str],
    status: int,
    field: str,
) -> None:
    param, weights = real_files()
    before = stored_files(admin_server.settings.local_storage_dir)
    response = upload_ncnn(
        admin_client,
        param,
        weights,
        headers=bearer(token),
        param_name=param_name,
        bin_name=bin_name,
        **({"name": "fine-name"} | fields),
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["fields"][0]["field"] == field
    assert stored_files(admin_server.settings.local_storage_dir) == before
    assert not _spool(admin_server)


def test_a_missing_file_and_a_taken_name_are_refused(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    param, _weights = real_files()
    with param.open("rb") as handle:
        response = admin_client.post(
            "/api/v1/admin/models/ncnn",
            headers=bearer(token),
            files={"param": (param.name, handle)},
            data={"name": "no-bin"},
        )
    assert response.status_code == 400
    assert response.json()["error"]["fields"][0]["field"] == "bin"
    param, weights = real_files()
    first = upload_as_admin(admin_client, token, param, weights, name="taken-ncnn")
    assert first.status_code == 202
    again = upload_as_admin(admin_client, token, param, weights, name="taken-ncnn")
    assert again.status_code == 409


def test_removing_an_ncnn_model_removes_its_stored_files(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    param, weights = real_files()
    before = stored_files(admin_server.settings.local_storage_dir)
    created = upload_as_admin(admin_client, token, param, weights, name="removable-ncnn")
    assert created.status_code == 202
    assert len(stored_files(admin_server.settings.local_storage_dir)) == len(before) + 2
    removed = admin_client.delete("/api/v1/admin/models/removable-ncnn", headers=bearer(token))
    assert removed.status_code == 204
    assert stored_files(admin_server.settings.local_storage_dir) == before


def test_the_models_page_has_an_ncnn_form_that_registers_and_refuses_inline(
    admin_server: AdminServer, token: str, tmp_path: Path
) -> None:
    param, weights = real_files()
    with admin_server.client() as browser:
        csrf = browser_login(browser, DEFAULT_SEED_USER, ADMIN_PASSWORD)
        page = browser.get("/admin/models")
        assert page.status_code == 200
        assert 'id="ncnn-upload"' in page.text
        assert 'hx-post="/admin/models/ncnn"' in page.text
        assert 'name="param"' in page.text and 'name="bin"' in page.text
        # Without the CSRF token a cookie session changes nothing.
        refused = upload_ncnn(browser, param, weights, path="/admin/models/ncnn", name="page-x")
        assert refused.status_code == 403
        headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        ok = upload_ncnn(
            browser,
            param,
            weights,
            path="/admin/models/ncnn",
            headers=headers,
            name="page-ncnn",
            preset_art="art",
        )
        assert ok.status_code == 202, ok.text
        assert 'id="models-message"' in ok.text
        assert "page-ncnn (SRVGGNetCompact x4, from ncnn) was uploaded" in ok.text
        assert 'data-model="page-ncnn"' in ok.text
        assert "(ncnn)</span>" in ok.text
        edited, layer = with_layer_type(param, tmp_path / "bad.param", "PReLU", "Softmax")
        bad = upload_ncnn(
            browser, edited, weights, path="/admin/models/ncnn", headers=headers, name="page-bad"
        )
        assert bad.status_code == 422
        assert "flash-error" in bad.text
        assert "is of type Softmax" in bad.text and layer in bad.text
        assert 'data-model="page-bad"' not in bad.text
    with admin_server.client() as client:
        listed = models(client, token)
    assert listed["page-ncnn"]["presets"] == ["art"]
    assert "page-bad" not in listed


def test_the_route_is_documented_and_the_api_opens_no_runtime(
    admin_client: httpx.Client,
) -> None:
    spec = admin_client.get("/openapi.json").json()
    route = spec["paths"]["/api/v1/admin/models/ncnn"]["post"]
    assert "multipart/form-data" in route["requestBody"]["content"]
    assert {"400", "409", "413", "415", "422"} <= set(route["responses"])
    # Reading and recognising ncnn files takes numpy only: the API's modules
    # pull in neither the worker, nor ONNX Runtime, nor PyTorch, nor ncnn.
    script = (
        "import sys, upscaler.admin.api, upscaler.admin.pages.models\n"
        "import upscaler.catalog.ncnn_upload\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('upscaler_worker', 'onnxruntime', 'torch', 'ncnn')]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_an_ncnn_file_sent_to_the_onnx_route_is_pointed_to_the_ncnn_one(
    admin_client: httpx.Client, token: str
) -> None:
    param, _weights = real_files()
    with param.open("rb") as handle:
        response = admin_client.post(
            "/api/v1/admin/models",
            headers=bearer(token),
            files={"file": (param.name, handle)},
            data={"name": "onnx-route"},
        )
    assert response.status_code == 415
    assert "/api/v1/admin/models/ncnn" in response.json()["error"]["message"]
