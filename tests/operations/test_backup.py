"""Backup of a running service with jobs, restored into an empty deployment
elsewhere (SQLite and PostgreSQL, and across them): every job, row and file
comes back, byte for byte, and a second restore over it is refused."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import (
    IMAGES,
    TEST_TILE_SIZE,
    embedded_server,
    fresh_postgres_database,
    make_settings,
    settings_env,
    upload,
    wait_for_job,
)
from upscaler.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
POSTGRES = pytest.mark.postgres


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "postgres":
        with fresh_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{folder / 'upscaler.db'}"


def admin(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "upscaler.admin.cli", *args],
        env=settings_env(settings), cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def fetch(client: httpx.Client, path: str) -> bytes:
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200, (path, response.status_code)
    return response.content


def run_jobs(client: httpx.Client) -> dict[str, dict[str, Any]]:
    """Two finished jobs and what a user sees of them."""
    seen = {}
    for source, fields in (
        (IMAGES / "realesrgan" / "0014.jpg", {"factor": "2x"}),
        (IMAGES / "realesrgan" / "children-alpha.png", {"factor": "2x", "output_format": "webp"}),
    ):
        accepted = upload(client, source, **fields)
        assert accepted.status_code == 202, accepted.text
        job = wait_for_job(client, accepted.json()["job_id"])
        assert job["status"] == "completed", job
        seen[job["job_id"]] = {
            "job": job,
            "result": fetch(client, f"/api/v1/jobs/{job['job_id']}/result"),
            "original": fetch(client, job["original_url"]),
        }
    return seen


@pytest.mark.parametrize(
    ("source_kind", "target_kind"),
    [
        ("sqlite", "sqlite"),
        pytest.param("postgres", "postgres", marks=POSTGRES),
        pytest.param("sqlite", "postgres", marks=POSTGRES),
    ],
)
def test_backup_of_a_running_service_restores_elsewhere(
    tmp_path: Path, model_dir: Path, source_kind: str, target_kind: str
) -> None:
    source_dir, target_dir, folder = tmp_path / "source", tmp_path / "target", tmp_path / "backup"
    with (
        database(source_kind, source_dir) as source_url,
        database(target_kind, target_dir) as target_url,
    ):
        source = make_settings(
            source_dir, model_dir, tile_size=TEST_TILE_SIZE, database_url=source_url
        )
        with embedded_server(source) as live, live.client() as client:
            seen = run_jobs(client)
            saved = admin(source, "backup", str(folder))  # while it serves
            assert saved.returncode == 0, saved.stderr
            assert "6 stored objects (6 copied)" in saved.stdout

        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["tables"]["jobs"] == 2 and manifest["tables"]["uploads"] == 2
        assert all(entry["found"] and entry["sha256"] for entry in manifest["objects"])
        assert manifest["schema_revision"]

        target = make_settings(
            target_dir, model_dir, tile_size=TEST_TILE_SIZE, database_url=target_url
        )
        restored = admin(target, "restore", str(folder))
        assert restored.returncode == 0, restored.stderr
        assert "6 of 6 objects are in storage" in restored.stdout

        with embedded_server(target) as live, live.client() as client:
            for job_id, before in seen.items():
                job = client.get(f"/api/v1/jobs/{job_id}").json()
                for field in ("status", "params", "model", "result", "original", "created_at"):
                    assert job[field] == before["job"][field], field
                assert fetch(client, f"/api/v1/jobs/{job_id}/result") == before["result"]
                assert fetch(client, job["original_url"]) == before["original"]
            # The deployment goes on: new jobs get new ids and rows.
            assert len(run_jobs(client)) == 2

        again = admin(target, "restore", str(folder))
        assert again.returncode == 2
        assert "restore into an empty one" in again.stderr


def test_a_backup_goes_into_a_new_folder_only(tmp_path: Path, model_dir: Path) -> None:
    settings = make_settings(tmp_path / "data", model_dir)
    with embedded_server(settings):
        pass  # migrated
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "something").write_text("x")
    refused = admin(settings, "backup", str(folder))
    assert refused.returncode == 2
    assert "not empty" in refused.stderr
    missing = admin(settings, "restore", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert "not a backup" in missing.stderr
