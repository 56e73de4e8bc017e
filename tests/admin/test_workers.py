"""Engine paths as the workers report them: health lists the paths the online
workers chose, the admin's workers API and page show each model's choice with
what was measured and why the other candidates were turned down, and every
job names its provider and precision."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest

from tests.admin.support import AdminServer, bearer, browser_login, seed_job, seed_worker
from tests.web.html import parse

OPENVINO = "OpenVINOExecutionProvider"

#: What a worker on an AMX machine writes: bf16 through OpenVINO won, int8 was
#: under the quality floor, OpenVINO's int8 failed to start.
MEASURED: dict[str, Any] = {
    "realesr-animevideov3": {
        "path": "openvino-bf16",
        "provider": OPENVINO,
        "precision": "bf16",
        "forced": False,
        "trials": [
            {
                "path": "cpu-fp32",
                "seconds": 0.41,
                "psnr_db": None,
                "accepted": True,
                "error": None,
            },
            {
                "path": "openvino-bf16",
                "seconds": 0.08,
                "psnr_db": 52.3,
                "accepted": True,
                "error": None,
            },
            {
                "path": "cpu-int8",
                "seconds": 0.12,
                "psnr_db": 33.1,
                "accepted": False,
                "error": None,
            },
            {
                "path": "openvino-int8",
                "seconds": None,
                "psnr_db": None,
                "accepted": False,
                "error": "no int8 model installed",
            },
        ],
    },
    "realesr-general-x4v3": {
        "path": "cpu-fp32",
        "provider": "CPUExecutionProvider",
        "precision": "fp32",
        "forced": True,
        "trials": [],
    },
}


@pytest.fixture(scope="module")
def workers(admin_server: AdminServer) -> None:
    seed_worker(admin_server, "host-a:1", provider=OPENVINO, precision="bf16", engines=MEASURED)
    seed_worker(
        admin_server,
        "host-b:1",
        provider="CPUExecutionProvider",
        precision="fp32",
        # One entry the page cannot read: it is left out, the rest still shows.
        engines={"realesr-general-x4v3": {"path": "cpu-fp32", "trials": []}, "odd": "nope"},
    )
    seed_worker(
        admin_server,
        "gpu-old:1",
        seen_ago=600,
        queues=["gpu"],
        provider="CUDAExecutionProvider",
        precision="fp16",
        engines={"realesr-animevideov3": {"path": "cuda-fp16", "trials": []}},
    )


def test_health_lists_the_engine_paths_of_the_online_workers(
    admin_client: httpx.Client, workers: None
) -> None:
    health = admin_client.get("/api/v1/health").json()
    assert health["workers_online"] == 2
    assert health["providers"] == ["CPUExecutionProvider", OPENVINO]
    # The stale GPU worker's cuda-fp16 is not counted.
    assert health["engine_paths"] == ["cpu-fp32", "openvino-bf16"]
    assert health["precisions"] == ["bf16", "fp32"]


def test_the_workers_api_reports_each_models_choice_and_its_trials(
    admin_client: httpx.Client, token: str, workers: None
) -> None:
    response = admin_client.get("/api/v1/admin/workers", headers=bearer(token))
    assert response.status_code == 200, response.text
    by_id = {w["id"]: w for w in response.json()}
    a = by_id["host-a:1"]
    assert (a["provider"], a["precision"]) == (OPENVINO, "bf16")
    choice = a["engines"]["realesr-animevideov3"]
    assert (choice["path"], choice["provider"], choice["precision"]) == (
        "openvino-bf16",
        OPENVINO,
        "bf16",
    )
    assert choice["forced"] is False
    assert [t["path"] for t in choice["trials"]] == [
        "cpu-fp32",
        "openvino-bf16",
        "cpu-int8",
        "openvino-int8",
    ]
    assert choice["trials"][2] == MEASURED["realesr-animevideov3"]["trials"][2]
    assert a["engines"]["realesr-general-x4v3"]["forced"] is True
    assert a["engines"]["realesr-general-x4v3"]["trials"] == []
    # The entry that does not parse is left out; the good one stays.
    assert list(by_id["host-b:1"]["engines"]) == ["realesr-general-x4v3"]


def test_the_workers_page_shows_the_chosen_path_and_the_rejected_candidates(
    admin_server: AdminServer, workers: None
) -> None:
    with admin_server.client() as browser:
        browser_login(browser, "abdullah", "a long admin passphrase 42")
        page = browser.get("/admin/workers")
        fragment = browser.get("/admin/workers/table")
    assert page.status_code == fragment.status_code == 200
    assert not re.search(r"\sstyle\s*=", page.text), "style attribute"
    for html in (page.text, fragment.text):
        root = parse(html)
        (engines,) = root.find_all("tr", data_worker_engines="host-a:1")
        (anime,) = engines.find_all("li", data_model="realesr-animevideov3")
        text = anime.text()
        assert text.startswith("realesr-animevideov3: openvino-bf16 0.08 s · PSNR 52.3 dB")
        assert "also passed: cpu-fp32 0.41 s" in text
        rejected = {
            span.attrs["data-path"]: span.text()
            for span in anime.find_all("span")
            if "data-path" in span.attrs
        }
        assert rejected == {
            "cpu-int8": "cpu-int8 (below the quality floor, PSNR 33.1 dB, 0.12 s)",
            "openvino-int8": "openvino-int8 (no int8 model installed)",
        }
        (general,) = engines.find_all("li", data_model="realesr-general-x4v3")
        assert general.text() == "realesr-general-x4v3: cpu-fp32 forced by settings"
        (row,) = root.find_all("tr", data_worker_id="host-a:1")
        assert f"{OPENVINO} · bf16" in row.text()
        (other,) = root.find_all("tr", data_worker_engines="host-b:1")
        assert [li.attrs["data-model"] for li in other.find_all("li")] == ["realesr-general-x4v3"]


def test_a_job_names_its_provider_and_precision(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    job_id = seed_job(admin_server, provider=OPENVINO, precision="bf16")
    public = admin_client.get(f"/api/v1/jobs/{job_id}")
    assert public.status_code == 200, public.text
    assert (public.json()["provider"], public.json()["precision"]) == (OPENVINO, "bf16")
    admin = admin_client.get(f"/api/v1/admin/jobs/{job_id}", headers=bearer(token)).json()
    assert (admin["provider"], admin["precision"]) == (OPENVINO, "bf16")
    export = admin_client.get("/api/v1/admin/jobs/export.csv", headers=bearer(token))
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    row = next(r for r in rows if r["job_id"] == job_id)
    assert (row["provider"], row["precision"]) == (OPENVINO, "bf16")
    with admin_server.client() as browser:
        browser_login(browser, "abdullah", "a long admin passphrase 42")
        detail = parse(browser.get(f"/admin/jobs/{job_id}").text)
    assert detail.by_id("job-provider").text() == f"{OPENVINO} · bf16"


def test_a_job_from_before_engine_paths_has_no_precision(
    admin_server: AdminServer, admin_client: httpx.Client
) -> None:
    job_id = seed_job(admin_server, provider="CPUExecutionProvider")
    body = admin_client.get(f"/api/v1/jobs/{job_id}").json()
    assert (body["provider"], body["precision"]) == ("CPUExecutionProvider", None)
