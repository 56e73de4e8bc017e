"""Batches in the admin: the jobs list filtered by batch (API and page), the
batch on a job's page, and requeueing a batch's failures (API and the jobs
page's button), which keeps the new jobs in their batch."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import insert, update
from sqlmodel import col, select

from tests.admin.support import (
    ADMIN_PASSWORD,
    AdminServer,
    bearer,
    browser_login,
    seed_job,
    seed_model,
)
from upscaler.config import DEFAULT_SEED_USER
from upscaler.db.tables import Batch, Job, Upload
from upscaler.db.types import utcnow


@dataclass(frozen=True)
class SeededBatch:
    batch_id: str
    completed: str
    failed: str
    failed_upload: str
    unrelated: str


@pytest.fixture(scope="module", autouse=True)
def models(admin_server: AdminServer) -> None:
    seed_model(admin_server, "seeded-model", is_default=True)


def new_batch(server: AdminServer, accepted: int = 2) -> str:
    batch_id = f"bat_{secrets.token_hex(8)}"
    row = {"id": batch_id, "params": {}, "accepted": accepted, "rejected": []}
    server.sql(insert(Batch).values(**row, created_at=utcnow()))
    return batch_id


def seed_batch(server: AdminServer) -> SeededBatch:
    """A batch of two images (one job completed, one failed) and a job of no batch."""
    batch_id = new_batch(server)
    completed = seed_job(server, filename="beach.png", batch_id=batch_id)
    failed = seed_job(server, status="failed", filename="dune.png", batch_id=batch_id, error="x")
    paths = {completed: "holiday/beach.png", failed: "holiday/desert/dune.png"}
    uploads = {}
    for job_id, path in paths.items():
        upload_id = server.sql(select(Job.upload_id).where(Job.job_id == job_id)).one()
        server.sql(update(Upload).where(col(Upload.id) == upload_id).values(batch_path=path))
        uploads[job_id] = upload_id
    unrelated = seed_job(server, status="failed", filename="alone.png")
    return SeededBatch(batch_id, completed, failed, uploads[failed], unrelated)


def _ids(client: httpx.Client, token: str, **params: str) -> set[str]:
    response = client.get("/api/v1/admin/jobs", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return {item["job_id"] for item in response.json()["items"]}


def _requeue(client: httpx.Client, token: str, batch_id: str) -> httpx.Response:
    return client.post(f"/api/v1/admin/batches/{batch_id}/requeue-failures", headers=bearer(token))


def test_the_batch_filter_lists_only_that_batchs_jobs(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    seeded = seed_batch(admin_server)
    other = seed_batch(admin_server)
    assert _ids(admin_client, token, batch=seeded.batch_id) == {seeded.completed, seeded.failed}
    assert _ids(admin_client, token, batch=seeded.batch_id, status="failed") == {seeded.failed}
    assert _ids(admin_client, token, batch="bat_nothing") == set()
    listed = admin_client.get(
        "/api/v1/admin/jobs", params={"batch": other.batch_id}, headers=bearer(token)
    ).json()
    assert {item["batch_id"] for item in listed["items"]} == {other.batch_id}
    assert seeded.unrelated in _ids(admin_client, token, status="failed")
    detail = admin_client.get(f"/api/v1/admin/jobs/{seeded.failed}", headers=bearer(token)).json()
    assert detail["batch_id"] == seeded.batch_id
    assert detail["upload"]["batch_path"] == "holiday/desert/dune.png"
    alone = admin_client.get(f"/api/v1/admin/jobs/{seeded.unrelated}", headers=bearer(token)).json()
    assert alone["batch_id"] is None
    assert alone["upload"]["batch_path"] is None


def test_requeue_failures_makes_one_new_job_in_the_batch_and_audits_it(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    seeded = seed_batch(admin_server)
    before = len(admin_server.queued_messages())
    response = _requeue(admin_client, token, seeded.batch_id)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["batch_id"] == seeded.batch_id
    assert len(body["requeued"]) == 1
    new_id = body["requeued"][0]
    assert new_id not in (seeded.failed, seeded.completed)
    job = admin_client.get(f"/api/v1/admin/jobs/{new_id}", headers=bearer(token)).json()
    assert job["status"] == "queued"
    assert job["batch_id"] == seeded.batch_id
    assert job["upload"]["upload_id"] == seeded.failed_upload
    assert job["requeued_from"] == seeded.failed
    assert _ids(admin_client, token, batch=seeded.batch_id) == {
        seeded.completed,
        seeded.failed,
        new_id,
    }
    # The unrelated failure was left alone.
    unrelated = admin_client.get(
        f"/api/v1/admin/jobs/{seeded.unrelated}", headers=bearer(token)
    ).json()
    assert unrelated["requeued_as"] == []
    messages = admin_server.queued_messages()
    assert len(messages) == before + 1
    assert messages[-1].args == (new_id,)
    audit = admin_client.get(
        "/api/v1/admin/audit",
        params={"action": "batch.requeue_failures", "entity_id": seeded.batch_id},
        headers=bearer(token),
    ).json()
    assert len(audit["items"]) == 1
    entry = audit["items"][0]
    assert entry["entity_type"] == "batch"
    assert entry["details"]["count"] == 1
    assert entry["details"]["job_ids"] == [new_id]

    # Once the new job has completed, nothing of the batch has failed any more.
    admin_server.sql(update(Job).where(col(Job.job_id) == new_id).values(status="completed"))
    again = _requeue(admin_client, token, seeded.batch_id)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "conflict"
    assert _ids(admin_client, token, batch=seeded.batch_id, status="queued") == set()


def test_canceled_images_run_again_and_those_without_an_original_are_skipped(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    batch_id = new_batch(admin_server)
    gone = seed_job(admin_server, status="failed", batch_id=batch_id)
    canceled = seed_job(admin_server, status="canceled", batch_id=batch_id)
    deleted = admin_client.delete(
        f"/api/v1/admin/jobs/{gone}/artifacts",
        params={"include_original": "true"},
        headers=bearer(token),
    )
    assert deleted.status_code == 200, deleted.text
    response = _requeue(admin_client, token, batch_id)
    assert response.status_code == 202, response.text
    body = response.json()
    assert list(body["skipped"]) == [gone]
    assert len(body["requeued"]) == 1
    job = admin_client.get(f"/api/v1/admin/jobs/{body['requeued'][0]}", headers=bearer(token))
    assert job.json()["requeued_from"] == canceled
    # Only the image without its original is left: it cannot run again.
    admin_server.sql(
        update(Job).where(col(Job.job_id) == body["requeued"][0]).values(status="completed")
    )
    again = _requeue(admin_client, token, batch_id)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "original_gone"


def test_requeue_failures_of_an_unknown_batch_is_404(
    admin_client: httpx.Client, token: str
) -> None:
    response = _requeue(admin_client, token, "bat_doesnotexist")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_jobs_pages_show_the_batch_and_requeue_its_failures(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    seeded = seed_batch(admin_server)
    with admin_server.client() as browser:
        csrf = browser_login(browser, DEFAULT_SEED_USER, ADMIN_PASSWORD)
        unfiltered = browser.get("/admin/jobs")
        assert f'href="/admin/jobs?batch={seeded.batch_id}"' in unfiltered.text
        assert 'id="batch-requeue"' not in unfiltered.text
        page = browser.get("/admin/jobs", params={"batch": seeded.batch_id})
        assert page.status_code == 200
        assert seeded.failed in page.text
        assert seeded.unrelated not in page.text
        assert f'value="{seeded.batch_id}"' in page.text
        assert "Requeue this batch" in page.text
        detail = browser.get(f"/admin/jobs/{seeded.failed}")
        assert seeded.batch_id in detail.text
        assert "holiday/desert/dune.png" in detail.text

        requeued = browser.post(
            "/admin/jobs/requeue-batch-failures",
            data={"csrf_token": csrf, "batch": seeded.batch_id},
            follow_redirects=False,
        )
        assert requeued.status_code == 303
        assert requeued.headers["location"] == f"/admin/jobs?batch={seeded.batch_id}"
        after = browser.get(requeued.headers["location"])
        assert f"Requeued 1 failed job of batch {seeded.batch_id}" in after.text
        queued = _ids(admin_client, token, batch=seeded.batch_id, status="queued")
        assert len(queued) == 1
        new_id = queued.pop()
        job = admin_client.get(f"/api/v1/admin/jobs/{new_id}", headers=bearer(token)).json()
        assert job["requeued_from"] == seeded.failed
        assert job["upload"]["upload_id"] == seeded.failed_upload
        assert "batch.requeue_failures" in browser.get("/admin/audit").text

        nothing = browser.post(
            "/admin/jobs/requeue-batch-failures",
            data={"csrf_token": csrf, "batch": seeded.batch_id},
            follow_redirects=False,
        )
        # The new job is queued, not failed: nothing to do, said as an error.
        assert nothing.status_code == 303
        refused = browser.get(nothing.headers["location"])
        assert "no image of this batch failed" in refused.text
