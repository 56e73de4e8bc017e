"""The jobs part of the admin API and pages: filters, detail, requeue (same
or overridden parameters, as a new job), bulk requeue by model, cancel,
artifacts, usage export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx
import pytest

from tests.admin.support import AdminServer, bearer, browser_login, seed_job, seed_model
from upscaler.db.types import utcnow


@pytest.fixture(scope="module")
def jobs(admin_server: AdminServer, token: str) -> dict[str, str]:
    seed_model(admin_server, "seeded-model", is_default=True)
    seed_model(admin_server, "better-model", quality_rank=20)
    old = utcnow() - timedelta(days=3)
    return {
        "done": seed_job(
            admin_server,
            filename="holiday.png",
            # As a worker records them: the steps in the order they ran.
            engine={
                "provider": "CPUExecutionProvider",
                "steps": {
                    "prepare": 0.0082,
                    "decode": 0.0041,
                    "inference": 0.351,
                    "encode": 0.0275,
                },
            },
        ),
        "done_old": seed_job(admin_server, filename="archive.png", created_at=old),
        "failed": seed_job(admin_server, status="failed", error='=HYPERLINK("x") boom'),
        "queued": seed_job(admin_server, status="queued", model="better-model"),
        "running": seed_job(admin_server, status="running", model="better-model"),
    }


def test_list_filters_search_and_pagination(
    admin_client: httpx.Client, token: str, jobs: dict[str, str]
) -> None:
    def ids(**params: str | int) -> set[str]:
        response = admin_client.get("/api/v1/admin/jobs", params=params, headers=bearer(token))
        assert response.status_code == 200, response.text
        return {item["job_id"] for item in response.json()["items"]}

    assert {jobs["done"], jobs["failed"], jobs["queued"]} <= ids()
    assert ids(status="failed") == {jobs["failed"]}
    assert ids(model="better-model") == {jobs["queued"], jobs["running"]}
    assert ids(q="holiday") == {jobs["done"]}
    assert ids(q=jobs["queued"][:12]) == {jobs["queued"]}
    assert ids(q="boom") == {jobs["failed"]}
    assert jobs["done_old"] not in ids(since=(utcnow() - timedelta(days=1)).isoformat())
    assert ids(until=(utcnow() - timedelta(days=1)).isoformat()) == {jobs["done_old"]}
    assert jobs["done"] in ids(owner="anonymous")
    assert ids(owner="nobody-of-that-name") == set()
    first = admin_client.get(
        "/api/v1/admin/jobs", params={"per_page": 2, "page": 1}, headers=bearer(token)
    ).json()
    second = admin_client.get(
        "/api/v1/admin/jobs", params={"per_page": 2, "page": 2}, headers=bearer(token)
    ).json()
    assert first["total"] == second["total"] >= 5
    assert not {i["job_id"] for i in first["items"]} & {i["job_id"] for i in second["items"]}
    bad = admin_client.get("/api/v1/admin/jobs", params={"status": "weird"}, headers=bearer(token))
    assert bad.status_code == 400


def test_detail_has_signed_links_that_work(
    admin_client: httpx.Client, token: str, jobs: dict[str, str]
) -> None:
    detail = admin_client.get(f"/api/v1/admin/jobs/{jobs['done']}", headers=bearer(token)).json()
    assert detail["status"] == "completed"
    assert detail["upload"]["filename"] == "holiday.png"
    assert detail["worker_id"] == "test-worker"
    assert detail["attempts"] == 1
    for key in ("original_url", "result_url"):
        fetched = httpx.get(detail[key], timeout=10)
        assert fetched.status_code == 200
        assert fetched.content.startswith(b"\x89PNG")
    missing = admin_client.get("/api/v1/admin/jobs/job_nope", headers=bearer(token))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_requeue_with_an_override_makes_a_new_job_and_keeps_the_original(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, jobs: dict[str, str]
) -> None:
    before = len(admin_server.queued_messages())
    response = admin_client.post(
        f"/api/v1/admin/jobs/{jobs['done']}/requeue",
        json={"denoise": "med"},
        headers=bearer(token),
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["requeued_from"] == jobs["done"]
    assert body["job_id"] != jobs["done"]
    assert body["status"] == "queued"
    assert body["params"]["denoise"] == "med"
    assert body["params"]["factor"] == "4x"  # copied
    original = admin_client.get(f"/api/v1/admin/jobs/{jobs['done']}", headers=bearer(token)).json()
    assert original["status"] == "completed"
    assert original["params"]["denoise"] == "none"
    assert body["job_id"] in original["requeued_as"]
    assert [a["action"] for a in original["audit"]] == ["job.requeue"]
    # Enqueued after the commit, for the worker.
    messages = admin_server.queued_messages()
    assert len(messages) == before + 1
    assert messages[-1].actor_name == "process_job"
    assert messages[-1].args == (body["job_id"],)
    # The public API sees the new job too.
    public = admin_client.get(f"/api/v1/jobs/{body['job_id']}").json()
    assert public["status"] == "queued"


def test_requeue_without_a_body_copies_the_parameters_and_can_pin_a_model(
    admin_client: httpx.Client, token: str, jobs: dict[str, str]
) -> None:
    same = admin_client.post(f"/api/v1/admin/jobs/{jobs['failed']}/requeue", headers=bearer(token))
    assert same.status_code == 202
    assert same.json()["params"]["denoise"] == "none"
    pinned = admin_client.post(
        f"/api/v1/admin/jobs/{jobs['failed']}/requeue",
        json={"model": "better-model"},
        headers=bearer(token),
    )
    assert pinned.json()["model"] == "better-model"


def test_requeue_refuses_bad_overrides_clearly(
    admin_client: httpx.Client, token: str, jobs: dict[str, str]
) -> None:
    bad = admin_client.post(
        f"/api/v1/admin/jobs/{jobs['done']}/requeue",
        json={"denoise": "extreme"},
        headers=bearer(token),
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"][0]["field"] == "denoise"
    unknown_model = admin_client.post(
        f"/api/v1/admin/jobs/{jobs['done']}/requeue",
        json={"model": "ghost"},
        headers=bearer(token),
    )
    assert unknown_model.status_code == 400
    faces = admin_client.post(
        f"/api/v1/admin/jobs/{jobs['done']}/requeue",
        json={"refine_faces": True},
        headers=bearer(token),
    )
    assert faces.status_code == 400
    assert "face" in faces.json()["error"]["message"]


def test_cancel_a_queued_job_and_refuse_a_finished_one(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    job_id = seed_job(admin_server, status="queued")
    canceled = admin_client.post(f"/api/v1/admin/jobs/{job_id}/cancel", headers=bearer(token))
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "canceled"
    again = admin_client.post(f"/api/v1/admin/jobs/{job_id}/cancel", headers=bearer(token))
    assert again.status_code == 409
    audit = admin_client.get(
        "/api/v1/admin/audit", params={"entity_id": job_id}, headers=bearer(token)
    ).json()
    assert [i["action"] for i in audit["items"]] == ["job.cancel"]
    assert audit["items"][0]["details"] == {"previous_status": "queued"}


def test_bulk_requeue_by_model_skips_what_was_already_requeued(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    seed_model(admin_server, "bad-model")
    produced = {seed_job(admin_server, model="bad-model") for _ in range(3)}
    seed_job(admin_server, model="bad-model", status="failed")
    first = admin_client.post(
        "/api/v1/admin/jobs/requeue-by-model",
        json={"model": "bad-model", "use_model": "better-model"},
        headers=bearer(token),
    )
    assert first.status_code == 202, first.text
    assert first.json()["count"] == 3
    assert {pair["original"] for pair in first.json()["jobs"]} == produced
    new_ids = [pair["job_id"] for pair in first.json()["jobs"]]
    for job_id in new_ids:
        job = admin_client.get(f"/api/v1/admin/jobs/{job_id}", headers=bearer(token)).json()
        assert job["model"] == "better-model"
        assert job["requeued_from"] in produced
    second = admin_client.post(
        "/api/v1/admin/jobs/requeue-by-model",
        json={"model": "bad-model"},
        headers=bearer(token),
    )
    assert second.json()["count"] == 0
    with_failed = admin_client.post(
        "/api/v1/admin/jobs/requeue-by-model",
        json={"model": "bad-model", "statuses": ["failed"]},
        headers=bearer(token),
    )
    assert with_failed.json()["count"] == 1
    summary = admin_client.get(
        "/api/v1/admin/audit", params={"action": "job.requeue_bulk"}, headers=bearer(token)
    ).json()
    assert summary["items"][-1]["details"]["requeued"] == 3


def test_delete_artifacts_then_requeue_is_refused_without_the_original(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    job_id = seed_job(admin_server)
    running = seed_job(admin_server, status="running")
    assert (
        admin_client.delete(
            f"/api/v1/admin/jobs/{running}/artifacts", headers=bearer(token)
        ).status_code
        == 409
    )
    detail = admin_client.get(f"/api/v1/admin/jobs/{job_id}", headers=bearer(token)).json()
    deleted = admin_client.delete(
        f"/api/v1/admin/jobs/{job_id}/artifacts",
        params={"include_original": "true"},
        headers=bearer(token),
    )
    assert deleted.json() == {"job_id": job_id, "deleted_keys": 2}
    assert httpx.get(detail["result_url"], timeout=10).status_code == 404
    after = admin_client.get(f"/api/v1/admin/jobs/{job_id}", headers=bearer(token)).json()
    assert after["result_url"] is None
    refused = admin_client.post(f"/api/v1/admin/jobs/{job_id}/requeue", headers=bearer(token))
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "original_gone"


def test_usage_export_is_csv_and_safe_for_spreadsheets(
    admin_client: httpx.Client, token: str, jobs: dict[str, str]
) -> None:
    response = admin_client.get(
        "/api/v1/admin/jobs/export.csv", params={"status": "failed"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    failed = next(r for r in rows if r["job_id"] == jobs["failed"])
    assert failed["status"] == "failed"
    assert failed["error"].startswith("'=HYPERLINK")  # neutralised formula
    assert failed["owner"] == "anonymous"
    assert all(r["status"] == "failed" for r in rows)


def test_the_jobs_pages_list_filter_and_act(
    admin_server: AdminServer, jobs: dict[str, str]
) -> None:
    with admin_server.client() as browser:
        csrf = browser_login(browser, "abdullah", "a long admin passphrase 42")
        page = browser.get("/admin/jobs", params={"status": "failed"})
        assert jobs["failed"] in page.text
        assert jobs["done"] not in page.text
        fragment = browser.get(
            "/admin/jobs",
            params={"q": "holiday"},
            headers={"HX-Request": "true", "HX-Target": "jobs-table"},
        )
        assert fragment.text.lstrip().startswith('<section id="jobs-table"')
        assert jobs["done"] in fragment.text
        detail = browser.get(f"/admin/jobs/{jobs['done']}")
        assert "holiday.png" in detail.text
        assert 'id="requeue-form"' in detail.text
        assert re.findall(r'data-step="(\w+)">\w+ <code>([\d.]+ ms)', detail.text) == [
            ("prepare", "8.2 ms"),
            ("decode", "4.1 ms"),
            ("inference", "351.0 ms"),
            ("encode", "27.5 ms"),
        ]
        requeued = browser.post(
            f"/admin/jobs/{jobs['done']}/requeue",
            data={"csrf_token": csrf, "denoise": "low", "factor": ""},
            follow_redirects=False,
        )
        assert requeued.status_code == 303
        new_page = browser.get(requeued.headers["location"])
        assert "denoise=low" in new_page.text
        assert f"Requeued {jobs['done']}" in new_page.text
        download = browser.get(
            f"/admin/jobs/{jobs['done']}/download/result", follow_redirects=False
        )
        assert download.status_code == 303
        assert "/api/v1/files/" in download.headers["location"]
        status = browser.get(f"/admin/jobs/{jobs['queued']}/status")
        assert 'hx-trigger="every 2s"' in status.text
        finished = browser.get(f"/admin/jobs/{jobs['done']}/status")
        assert finished.headers.get("HX-Refresh") == "true"
