"""`upscaler` as a user runs it: the installed command, in its own process,
against a live embedded service (a real server, worker and model)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.admin.support import admin_token
from tests.helpers import IMAGES, TEST_TILE_SIZE, LiveServer, embedded_server, make_settings
from tests.web.live import live_settings
from upscaler_cli.ledger import LEDGER_NAME

UPSCALER = Path(sys.executable).with_name("upscaler")
SET5 = IMAGES / "set5"
SMALL = ("bird_GT.bmp", "butterfly_GT.bmp", "head_GT.bmp", "woman_GT.bmp")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("cli-data"), model_dir, tile_size=TEST_TILE_SIZE
    )
    with embedded_server(settings) as live:
        yield live


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def upscaler(
    *args: str | Path, state: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(UPSCALER), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"UPSCALER_CLI_STATE": str(state)},
        check=False,
    )


def report(run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert run.stdout, run.stderr
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in document["files"]}


def folder_of_images(root: Path) -> Path:
    """set5 images in a tree of folders, plus a JPEG."""
    for index, name in enumerate(SMALL[:3]):
        target = root / ("" if index == 0 else f"sub{index}") / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SET5 / name, target)
    shutil.copy(IMAGES / "realesrgan" / "0014.jpg", root / "sub1" / "0014.jpg")
    return root


def sizes(out: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name != LEDGER_NAME:
            with Image.open(path) as image:
                found[path.relative_to(out).as_posix()] = image.size
    return found


def source_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def test_a_folder_upscales_keeping_its_structure_then_skips(
    server: LiveServer, tmp_path: Path, state: Path
) -> None:
    source = folder_of_images(tmp_path / "in")
    out = tmp_path / "out"
    run = upscaler(
        "up", source, "--factor", "2x", "--out", out, "--server", server.url, "--json", state=state
    )
    assert run.returncode == 0, run.stdout + run.stderr
    files = by_name(report(run))
    assert set(files) == {
        "bird_GT.bmp",
        "sub1/butterfly_GT.bmp",
        "sub1/0014.jpg",
        "sub2/head_GT.bmp",
    }
    assert {entry["result"] for entry in files.values()} == {"done"}
    expected = {}
    for name in files:
        width, height = source_size(source / name)
        expected[str(Path(name).with_suffix(".png"))] = (2 * width, 2 * height)
    assert sizes(out) == expected
    assert not list(out.rglob(".*partial*"))
    assert json.loads((out / LEDGER_NAME).read_text())["items"] == {}

    # Run again: nothing is redone, the files are untouched.
    stamps = {path: path.stat().st_mtime_ns for path in out.rglob("*.png")}
    again = upscaler(
        "up", source, "--factor", "2x", "--out", out, "--server", server.url, "--json", state=state
    )
    assert again.returncode == 0, again.stderr
    assert {entry["result"] for entry in report(again)["files"]} == {"skipped"}
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*.png")} == stamps

    # The jobs it started are listed, newest first, with their state on the server.
    jobs = upscaler("jobs", "--server", server.url, "--json", state=state)
    assert jobs.returncode == 0, jobs.stderr
    listed = json.loads(jobs.stdout)
    assert {row["job_id"] for row in listed} == {entry["job_id"] for entry in files.values()}
    assert {row["status"] for row in listed} == {"completed"}


def test_an_interrupted_run_resumes_its_jobs(
    server: LiveServer, tmp_path: Path, state: Path
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    for name in SMALL:
        shutil.copy(SET5 / name, source / name)
    out = tmp_path / "out"
    command = [
        str(UPSCALER),
        "up",
        str(source),
        "--factor",
        "2x",
        "--out",
        str(out),
        "--server",
        server.url,
        "--concurrency",
        "2",
        "--json",
    ]
    with live_settings(server, queue_paused=True, workers=True):
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | {"UPSCALER_CLI_STATE": str(state)},
        )
        ledger = out / LEDGER_NAME
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if ledger.exists() and len(json.loads(ledger.read_text())["items"]) == 2:
                break
            time.sleep(0.1)
        started = json.loads(ledger.read_text())["items"]
        assert len(started) == 2, started  # two uploaded, waiting on the paused queue
        process.send_signal(signal.SIGINT)  # Ctrl-C
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stdout + stderr
    assert "run the same command again" in stderr
    assert not [p for p in out.rglob("*") if p.name != LEDGER_NAME]  # nothing half-written

    rerun = upscaler(*command[1:], state=state)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    files = by_name(report(rerun))
    assert {entry["result"] for entry in files.values()} == {"done"}
    # The jobs uploaded before the interruption were followed, not uploaded again.
    for key, entry in started.items():
        assert files[str(Path(key).with_suffix(".bmp"))]["job_id"] == entry["job_id"]
    assert set(sizes(out)) == {str(Path(name).with_suffix(".png")) for name in SMALL}


def test_a_failed_file_gives_a_non_zero_exit_and_a_summary(
    server: LiveServer, tmp_path: Path, state: Path
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(SET5 / "bird_GT.bmp", source / "bird.bmp")
    (source / "broken.png").write_text("not an image at all\n" * 50)
    out = tmp_path / "out"
    run = upscaler(
        "up", source, "--factor", "2x", "--out", out, "--server", server.url, "--json", state=state
    )
    assert run.returncode == 1, run.stdout + run.stderr
    files = by_name(report(run))
    assert files["bird.bmp"]["result"] == "done"
    assert files["broken.png"]["result"] == "failed"
    assert files["broken.png"]["error"].startswith("415 unsupported_media_type")
    assert set(sizes(out)) == {"bird.png"}

    # Without --json, the table names the failure for a person.
    table = upscaler(
        "up", source, "--factor", "2x", "--out", out, "--server", server.url, state=state
    )
    assert table.returncode == 1
    assert "broken.png" in table.stdout and "failed" in table.stdout
    assert "1 skipped, 1 failed" in table.stdout


def test_local_runs_the_same_engine_without_a_server(
    server: LiveServer, model_dir: Path, tmp_path: Path, state: Path
) -> None:
    image = SET5 / "head_GT.bmp"
    local = upscaler(
        "up",
        image,
        "--local",
        "--model-dir",
        model_dir,
        "--factor",
        "2x",
        "--out",
        tmp_path / "local",
        "--json",
        state=state,
    )
    assert local.returncode == 0, local.stdout + local.stderr
    (entry,) = report(local)["files"]
    assert entry["result"] == "done" and entry["job_id"] is None
    served = upscaler(
        "up",
        image,
        "--factor",
        "2x",
        "--out",
        tmp_path / "served",
        "--server",
        server.url,
        "--json",
        state=state,
    )
    assert served.returncode == 0, served.stderr
    assert by_name(report(served))["head_GT.bmp"]["model"] == entry["model"]
    with (
        Image.open(tmp_path / "local" / "head_GT.png") as a,
        Image.open(tmp_path / "served" / "head_GT.png") as b,
    ):
        assert a.size == b.size == (560, 560)
        difference = np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16))
    # The same model and engine; tiles of other sizes move a few values by one.
    assert difference.max() <= 2, difference.max()

    missing = upscaler(
        "up",
        image,
        "--local",
        "--model-dir",
        model_dir,
        "--model",
        "nope",
        "--out",
        tmp_path / "x",
        state=state,
    )
    assert missing.returncode == 2
    assert "is not installed" in missing.stderr


def test_status_and_cancel(server: LiveServer, tmp_path: Path, state: Path) -> None:
    from upscaler_client import Client
    from upscaler_client.api.uploads import create_upload
    from upscaler_client.models import CreateUploadBody, Factor, UploadAccepted
    from upscaler_client.types import File

    with live_settings(server, queue_paused=True, workers=True):
        with (IMAGES / "realesrgan" / "0014.jpg").open("rb") as handle:
            accepted = create_upload.sync(
                client=Client(base_url=server.url),
                body=CreateUploadBody(
                    file=File(payload=handle, file_name="0014.jpg"), factor=Factor("2x")
                ),
            )
        assert isinstance(accepted, UploadAccepted)
        job_id = accepted.job_id
        status = upscaler("status", job_id, "--server", server.url, "--json", state=state)
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["status"] == "queued"
        canceled = upscaler("cancel", job_id, "--server", server.url, state=state)
        assert canceled.returncode == 0, canceled.stderr
        assert f"{job_id}: canceled" in canceled.stdout
    again = upscaler("cancel", job_id, "--server", server.url, state=state)
    assert again.returncode == 1
    assert "already canceled" in again.stderr
    table = upscaler("status", job_id, "--server", server.url, state=state)
    assert "canceled" in table.stdout and "0014.jpg" in table.stdout
    unknown = upscaler("status", "job_nope", "--server", server.url, state=state)
    assert unknown.returncode == 1 and "no job" in unknown.stderr
    unreachable = upscaler("status", job_id, "--server", "http://127.0.0.1:9", state=state)
    assert unreachable.returncode == 2 and "cannot reach the server" in unreachable.stderr

    # Every job on the server is for an admin's bearer token only.
    refused = upscaler("jobs", "--all", "--server", server.url, state=state)
    assert refused.returncode == 2 and "admin bearer token" in refused.stderr
    with server.client() as client:
        token = admin_token(client)
    listed = upscaler(
        "jobs", "--all", "--token", token, "--server", server.url, "--json", state=state
    )
    assert listed.returncode == 0, listed.stderr
    rows = {row["job_id"]: row for row in json.loads(listed.stdout)}
    assert rows[job_id]["status"] == "canceled" and rows[job_id]["file"] == "0014.jpg"
    wrong = upscaler("jobs", "--all", "--token", "nope", "--server", server.url, state=state)
    assert wrong.returncode == 1


def test_an_exact_size_instead_of_a_factor(server: LiveServer, tmp_path: Path, state: Path) -> None:
    image = SET5 / "woman_GT.bmp"  # 228 x 344
    run = upscaler(
        "up",
        image,
        "--width",
        "800",
        "--height",
        "600",
        "--fit",
        "cover",
        "--out",
        tmp_path / "out",
        "--server",
        server.url,
        "--json",
        state=state,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert sizes(tmp_path / "out") == {"woman_GT.png": (800, 600)}
    both = upscaler(
        "up",
        image,
        "--factor",
        "2x",
        "--width",
        "300",
        "--out",
        tmp_path / "x",
        "--server",
        server.url,
        state=state,
    )
    assert both.returncode == 2 and "not both" in both.stderr
    local = upscaler("up", image, "--local", "--width", "300", "--out", tmp_path / "y", state=state)
    assert local.returncode == 2 and "sizes need a server" in local.stderr
