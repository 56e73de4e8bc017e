"""`make run`'s own process: recovery after SIGKILL, and a large upload
refused without the server holding it in memory."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import IMAGES, StandaloneProcess, upload, wait_for_job

pytestmark = pytest.mark.slow


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_a_job_survives_sigkill_of_the_service(
    tmp_path: Path, model_dir: Path, long_job_image: Path
) -> None:
    server = StandaloneProcess(tmp_path, model_dir, UPSCALER_TILE_SIZE="64").start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            job_id = upload(client, long_job_image, factor="4x").json()["job_id"]
            deadline = time.monotonic() + 60
            while (job := client.get(f"/api/v1/jobs/{job_id}").json())["progress"] < 10:
                assert job["status"] in ("queued", "running"), job
                assert time.monotonic() < deadline
                time.sleep(0.05)
            os.kill(server.pid, signal.SIGKILL)
            server.process.wait(timeout=10)  # type: ignore[union-attr]

        server.start()  # the same data directory: SQLite and local files
        with httpx.Client(base_url=server.url, timeout=60) as client:
            job = wait_for_job(client, job_id, timeout=180)
            assert job["status"] == "completed", job
            assert job["attempts"] == 2
            result = client.get(job["result_url"])
            assert result.status_code == 200
            assert job["result"]["width"] == 1344 * 4
    finally:
        server.stop()


def test_oversized_upload_is_refused_while_streaming(tmp_path: Path, model_dir: Path) -> None:
    server = StandaloneProcess(tmp_path, model_dir).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert client.get("/api/v1/health").status_code == 200
            before = peak_rss_kib(server.pid)
            response = send_chunked(server.port, 20 * 1024 * 1024)
            after = peak_rss_kib(server.pid)
            assert response.startswith(b"HTTP/1.1 413"), response[:200]
            assert b'"file_too_large"' in response
            grew_mib = (after - before) / 1024
            print(f"peak RSS grew {grew_mib:.1f} MiB for a 20 MiB upload")
            assert grew_mib < 8, "the server buffered the upload"
            # The service is fine afterwards.
            assert upload(client, IMAGES / "realesrgan" / "0014.jpg").status_code == 202
    finally:
        server.stop()


def send_chunked(port: int, size: int) -> bytes:
    """Send a multipart upload with chunked encoding (no Content-Length, so the
    server cannot refuse it up front) and return what the server answers."""
    boundary = "----chunked"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="factor"\r\n\r\n4x\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + b"\xff\xd8\xff"
    chunk = b"\0" * (256 * 1024)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Content-Type: multipart/form-data; boundary={boundary}\r\n".encode()
            + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )

        def send(data: bytes) -> None:
            sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")

        send(head)
        sent = len(head)
        try:
            while sent < size:
                send(chunk)
                sent += len(chunk)
            send(f"\r\n--{boundary}--\r\n".encode())
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading and answered: that's the point
        answer = b""
        while True:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            answer += data
        return answer
