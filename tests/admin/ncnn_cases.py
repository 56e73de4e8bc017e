"""ncnn models for the registration tests: the real Real-ESRGAN files from
the shared folder, edited copies that must be refused, and tiny graphs
written by hand (numpy only: the API side needs no PyTorch)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.admin.support import bearer
from tests.helpers import NCNN_DIR

SRVGG = "realesr-animevideov3-x4"  # SRVGGNetCompact x4, 1.2 MB
RRDB = "realesrgan-x4plus-anime"  # RRDBNet, 6 blocks, 9 MB


def real_files(stem: str = SRVGG) -> tuple[Path, Path]:
    param, weights = NCNN_DIR / f"{stem}.param", NCNN_DIR / f"{stem}.bin"
    if not (param.is_file() and weights.is_file()):
        pytest.skip(f"the ncnn files of {stem} are not in {NCNN_DIR}")
    return param, weights


def with_layer_type(source: Path, target: Path, old: str, new: str) -> tuple[Path, str]:
    """A copy of a .param whose first `old` layer is of type `new`; returns its name."""
    lines = source.read_text().splitlines()
    for index, line in enumerate(lines):
        parts = line.split()
        if parts and parts[0] == old:
            parts[0] = new
            lines[index] = " ".join(parts)
            target.write_text("\n".join(lines) + "\n")
            return target, parts[1]
    raise AssertionError(f"{source} has no {old} layer")


def truncated(source: Path, target: Path, drop: int = 1000) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[:-drop])
    return target


def _conv_weights(out_ch: int, in_ch: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    weight = rng.normal(0.0, 0.1, out_ch * in_ch * 9).astype(np.float32)
    bias = np.zeros(out_ch, np.float32)
    return struct.pack("<I", 0) + weight.tobytes() + bias.tobytes()


def _write(directory: Path, stem: str, lines: list[str], weights: bytes) -> tuple[Path, Path]:
    blobs = {word for line in lines for word in line.split()[4:] if "=" not in word}
    param = directory / f"{stem}.param"
    param.write_text(f"7767517\n{len(lines)} {len(blobs)}\n" + "\n".join(lines) + "\n")
    path = directory / f"{stem}.bin"
    path.write_bytes(weights)
    return param, path


def one_convolution(directory: Path) -> tuple[Path, Path]:
    """A valid ncnn model that does not upscale: one 3x3 convolution, RGB to RGB."""
    lines = ["Input input 0 1 data", "Convolution conv0 1 1 data output 0=3 1=3 4=1 5=1 6=81"]
    return _write(directory, "one-conv", lines, _conv_weights(3, 3))


def with_inner_product(directory: Path) -> tuple[Path, Path]:
    """A classifier's head: a convolution, then a fully connected layer."""
    lines = [
        "Input input 0 1 data",
        "Convolution conv0 1 1 data features 0=3 1=3 4=1 5=1 6=81",
        "InnerProduct fc 1 1 features output 0=10 1=1 2=30",
    ]
    return _write(directory, "classifier", lines, _conv_weights(3, 3))


def upload_ncnn(
    client: httpx.Client,
    param: Path,
    weights: Path,
    *,
    path: str = "/api/v1/admin/models/ncnn",
    headers: dict[str, str] | None = None,
    param_name: str | None = None,
    bin_name: str | None = None,
    **fields: str,
) -> httpx.Response:
    with param.open("rb") as param_handle, weights.open("rb") as bin_handle:
        return client.post(
            path,
            headers=headers or {},
            files={
                "param": (param_name or param.name, param_handle, "application/octet-stream"),
                "bin": (bin_name or weights.name, bin_handle, "application/octet-stream"),
            },
            data=fields,
        )


def upload_as_admin(
    client: httpx.Client, token: str, param: Path, weights: Path, **fields: Any
) -> httpx.Response:
    return upload_ncnn(client, param, weights, headers=bearer(token), **fields)


def models(client: httpx.Client, token: str) -> dict[str, dict[str, Any]]:
    listed = client.get("/api/v1/admin/models", headers=bearer(token)).json()
    return {m["name"]: m for m in listed}


def stored_files(storage_dir: Path) -> list[str]:
    folder = storage_dir / "models"
    return sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []
