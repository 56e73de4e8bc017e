"""Batches in both modes: files and a ZIP (folders kept) in one request, one
aggregate status and event stream, one ZIP of results with a manifest; the
dangerous archives refused fast with their reason and nothing created;
images that cannot be taken reported while the rest proceed; cancel."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.helpers import IMAGES, SLOW_IMAGE, Service

SMALL = IMAGES / "realesrgan" / "0014.jpg"  # 179 x 179
BMP = IMAGES / "set5" / "baby_GT.bmp"


@pytest.fixture
def client(service: Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=60) as client:
        yield client


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def post_batch(
    client: httpx.Client, files: list[tuple[str, bytes]], **fields: str
) -> httpx.Response:
    fields.setdefault("factor", "2x")
    parts = [("file", (name, data)) for name, data in files]
    return client.post("/api/v1/batches", files=parts, data=fields)


def wait_for_batch(client: httpx.Client, url: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(url).json()
        if body["status"] not in ("queued", "running"):
            return body
        assert time.monotonic() < deadline, f"batch still {body['status']}: {body['counts']}"
        time.sleep(0.3)


def stored_files(service: Service) -> int | None:
    """How many objects the embedded service stores (None with S3)."""
    if service.settings.storage_backend == "s3":
        return None
    root = service.settings.local_storage_dir
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def test_files_and_a_zip_become_one_batch_and_one_zip(client: httpx.Client) -> None:
    archive = zip_of(
        {
            "holiday/": b"",
            "holiday/beach.png": png(64, 48, (200, 180, 40)),
            "holiday/days/sea.png": png(40, 40, (20, 90, 200)),
            "holiday/notes.txt": b"not an image",
            "__MACOSX/holiday/._beach.png": b"junk",
        }
    )
    response = post_batch(
        client,
        [
            ("0014.jpg", SMALL.read_bytes()),
            ("baby_GT.bmp", BMP.read_bytes()),
            ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
            ("photos.zip", archive),
        ],
    )
    assert response.status_code == 202, response.text
    started = response.json()
    names = sorted(job["name"] for job in started["jobs"])
    assert names == ["0014.jpg", "baby_GT.bmp", "holiday/beach.png", "holiday/days/sea.png"]
    refused = {entry["name"]: entry["code"] for entry in started["rejected"]}
    assert refused == {"broken.png": "unprocessable_image", "holiday/notes.txt": "skipped"}
    assert response.headers["Location"] == started["status_url"]

    # One event stream for the whole batch, ending when it has finished.
    seen = []
    with client.stream("GET", started["events_url"], timeout=240) as events:
        for line in events.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
    assert seen and seen[-1]["status"] == "completed", seen[-1:]
    progress = [event["progress"] for event in seen]
    assert progress == sorted(progress) and progress[-1] == 100

    done = wait_for_batch(client, started["status_url"])
    assert done["counts"]["completed"] == 4 and done["total"] == 4
    assert all(job["thumbnail_url"] and job["result_url"] for job in done["jobs"])

    download = client.get(done["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as results:
        assert results.testzip() is None
        assert sorted(results.namelist()) == [
            "0014.png",
            "baby_GT.png",
            "holiday/beach.png",
            "holiday/days/sea.png",
            "manifest.json",
        ]
        with Image.open(io.BytesIO(results.read("holiday/beach.png"))) as beach:
            assert beach.size == (128, 96)
        with Image.open(io.BytesIO(results.read("baby_GT.png"))) as baby:
            assert baby.size == (1024, 1024)
        manifest = json.loads(results.read("manifest.json"))
    assert manifest["status"] == "completed"
    assert {image["result"] for image in manifest["images"]} == {
        "0014.png",
        "baby_GT.png",
        "holiday/beach.png",
        "holiday/days/sea.png",
    }
    assert {entry["name"] for entry in manifest["refused"]} == {"broken.png", "holiday/notes.txt"}


def traversal() -> bytes:
    return zip_of({"ok.png": png(8, 8, (1, 2, 3)), "../../etc/evil.png": png(8, 8, (0, 0, 0))})


def nested() -> bytes:
    return zip_of({"a.png": png(8, 8, (1, 2, 3)), "more.zip": zip_of({"b.png": b"x"})})


def ten_thousand() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(10_000):
            archive.writestr(f"tiny/{index}.png", b"x")
    return buffer.getvalue()


def bomb() -> bytes:
    """A small file whose directory claims an image of 4 GB."""
    data = bytearray(zip_of({"huge.png": png(8, 8, (9, 9, 9))}))
    claimed = struct.pack("<I", 4_000_000_000)
    local = data.index(b"PK\x03\x04")
    data[local + 22 : local + 26] = claimed
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = claimed
    return bytes(data)


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (traversal, 422, "path_traversal"),
        (nested, 422, "nested_archive"),
        (ten_thousand, 422, "too_many_entries"),
        (bomb, 413, "too_large_uncompressed"),
    ],
)
def test_dangerous_archives_are_refused_fast_and_create_nothing(
    client: httpx.Client, service: Service, make: Any, status: int, code: str
) -> None:
    archive = make()
    before = stored_files(service)
    started = time.monotonic()
    response = post_batch(client, [("photos.zip", archive), ("0014.jpg", SMALL.read_bytes())])
    took = time.monotonic() - started
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    # The bound: refused from the directory, never by unpacking.
    assert took < 1.0, f"refusing took {took:.2f} s"
    assert stored_files(service) == before


def test_no_image_at_all_is_a_422(client: httpx.Client) -> None:
    response = post_batch(client, [("a.txt", b"hello"), ("b.pdf", b"%PDF-1.4")])
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "no_images"
    assert post_batch(client, []).status_code == 400
    assert client.get("/api/v1/batches/bat_nothing").status_code == 404


def test_a_batch_is_canceled_as_a_whole(client: httpx.Client) -> None:
    response = post_batch(
        client,
        [("big.jpg", SLOW_IMAGE.read_bytes()), ("small.jpg", SMALL.read_bytes())],
        factor="4x",
    )
    assert response.status_code == 202, response.text
    url = response.json()["status_url"]
    canceled = client.post(f"{url}/cancel")
    assert canceled.status_code == 200, canceled.text
    done = wait_for_batch(client, url, timeout=60)
    assert done["status"] in ("canceled", "completed_with_errors"), done
    assert done["counts"]["canceled"] >= 1
    assert client.post(f"{url}/cancel").status_code == 409
    # What finished before the cancel can still be downloaded, with the manifest.
    with zipfile.ZipFile(io.BytesIO(client.get(done["download_url"]).content)) as results:
        assert "manifest.json" in results.namelist()
