"""`make models` end to end: fetch from a mirror, verify, export, install,
record; skip what is unreachable; interpolate the denoise variants."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.helpers import ANIME, MIRROR, REPO_ROOT
from tests.worker.export.support import random_checkpoint
from upscaler_worker.export.make_models import Report, main, run, variant_name
from upscaler_worker.export.manifest import Manifest
from upscaler_worker.export.weights import interpolate_weights, load_network, read_state_dict
from upscaler_worker.inference import (
    ModelRunner,
    UpscaleOptions,
    best_installed,
    denoise_variant,
    read_installed,
    upscale_file,
)

pytestmark = pytest.mark.export

GENERAL = "realesr-general-x4v3"
WEAK = "realesr-general-wdn-x4v3"
LEVELS = {"none": 0.0, "low": 0.25, "med": 0.5, "high": 1.0}


@dataclass
class Installed:
    mirror: Path
    model_dir: Path
    report: Report
    failure_output: str


@pytest.fixture(scope="module")
def installed(
    manifest: Manifest, anime_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory
) -> Installed:
    """A mirror holding the real animevideov3, random general/wdn checkpoints,
    and a RealESRGAN_x4plus.pth that is not the official file."""
    mirror = tmp_path_factory.mktemp("mirror")
    shutil.copy(anime_checkpoint, mirror / f"{ANIME}.pth")
    random_checkpoint(manifest.get(GENERAL), mirror / f"{GENERAL}.pth", seed=10)
    random_checkpoint(manifest.get(WEAK), mirror / f"{WEAK}.pth", seed=11)
    (mirror / "RealESRGAN_x4plus.pth").write_bytes(b"not the released checkpoint")
    model_dir = tmp_path_factory.mktemp("models")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        report = run(model_dir=model_dir, mirror=mirror.as_uri(), manifest=manifest)
    return Installed(mirror, model_dir, report, printed.getvalue())


def test_reachable_models_are_installed_and_the_rest_reported(installed: Installed) -> None:
    report = installed.report
    variants = [variant_name(GENERAL, level) for level in LEVELS]
    assert sorted(report.installed) == sorted([ANIME, GENERAL, WEAK, *variants])
    assert sorted(report.unreachable) == [
        "RealESRGAN_x2plus",
        "RealESRGAN_x4plus_anime_6B",
        "realesrgan-x4fast",
    ], "no ncnn/ folder on this mirror"
    assert report.failed == ["RealESRGAN_x4plus"], "a wrong hash is a failure, not a skip"
    assert installed.failure_output.count("matches neither the official hash") == 1
    assert not (installed.model_dir / "RealESRGAN_x4plus.onnx").exists()
    files = sorted(p.name for p in installed.model_dir.glob("*.onnx"))
    expected = [
        f"{name}{suffix}"
        for name in report.installed
        for suffix in (".onnx", ".fp16.onnx", ".openvino.onnx")
    ]
    assert files == sorted(expected), "each model with its fp16 copy and the graph as exported"


def test_installed_json_describes_each_model(installed: Installed) -> None:
    document = json.loads((installed.model_dir / "installed.json").read_text())
    assert document["format"] == 1
    records = {record.name: record for record in read_installed(installed.model_dir)}
    anime = records[ANIME]
    assert anime.file == f"{ANIME}.onnx" and anime.scale == 4 and anime.arch == "SRVGGNetCompact"
    assert anime.verification == "local-exception-sha256+tensor-sha256"
    assert anime.source_url == (installed.mirror / f"{ANIME}.pth").as_uri()
    assert anime.parity_max_abs_error is not None and anime.parity_max_abs_error < 1e-4
    assert anime.presets == ("art", "standard") and anime.variant_of is None
    assert anime.exporter == "torchscript+nchwc2"
    assert anime.extra["fp16_file"] == f"{ANIME}.fp16.onnx"
    assert anime.extra["fp16_max_abs_error"] < 0.02
    assert anime.extra["openvino_file"] == f"{ANIME}.openvino.onnx"
    assert records[GENERAL].verification == "unverified", "no published hash for general-x4v3"
    for level, strength in LEVELS.items():
        record = records[variant_name(GENERAL, level)]
        assert (record.variant_of, record.denoise, record.denoise_strength) == (
            GENERAL,
            level,
            strength,
        )
        assert record.presets == ()
        assert (
            record.source_sha256
            == f"{records[GENERAL].source_sha256}+{records[WEAK].source_sha256}"
        )


def test_denoise_variants_interpolate_the_weights(installed: Installed, manifest: Manifest) -> None:
    """Each variant is the network whose weights are s*general + (1-s)*wdn
    (Real-ESRGAN's dni), not a blend of two networks' outputs."""
    spec = manifest.get(GENERAL)
    strong = read_state_dict(installed.mirror / f"{GENERAL}.pth")
    weak = read_state_dict(installed.mirror / f"{WEAK}.pth")
    sample = np.random.default_rng(0).random((1, 3, 24, 20), dtype=np.float32)

    def onnx_output(name: str) -> np.ndarray:
        return ModelRunner.load(installed.model_dir / f"{name}.onnx").run(sample)

    for level, strength in LEVELS.items():
        network = load_network(spec, interpolate_weights(strong, weak, strength))
        with torch.no_grad():
            expected = network(torch.from_numpy(sample)).numpy()
        assert np.abs(onnx_output(variant_name(GENERAL, level)) - expected).max() < 1e-4
    # And the variant is not a mix of the endpoints' outputs.
    mix = 0.5 * onnx_output(GENERAL) + 0.5 * onnx_output(WEAK)
    assert np.abs(onnx_output(variant_name(GENERAL, "med")) - mix).max() > 1e-3
    assert np.abs(onnx_output(variant_name(GENERAL, "high")) - onnx_output(GENERAL)).max() < 1e-5
    assert np.abs(onnx_output(variant_name(GENERAL, "none")) - onnx_output(WEAK)).max() < 1e-5


def test_interpolation_formula() -> None:
    strong = {"w": torch.tensor([1.0, 2.0])}
    weak = {"w": torch.tensor([3.0, 6.0])}
    assert torch.allclose(interpolate_weights(strong, weak, 0.25)["w"], torch.tensor([2.5, 5.0]))
    with pytest.raises(ValueError, match="same parameters"):
        interpolate_weights(strong, {"v": torch.zeros(2)}, 0.5)


def test_the_engine_reports_the_dni_path(installed: Installed, tmp_path: Path) -> None:
    from upscaler_worker.inference.encode import encode_image

    source = tmp_path / "in.png"
    encode_image(source, np.full((16, 16, 3), 100, np.uint8), None, fmt="png")
    runner = ModelRunner.load(installed.model_dir / f"{variant_name(GENERAL, 'med')}.onnx")
    assert (runner.variant_of, runner.denoise) == (GENERAL, "med")
    result = upscale_file(source, tmp_path / "out", runner, UpscaleOptions())
    assert (result.denoise_path, result.denoise_level) == ("dni", "med")
    assert result.model == variant_name(GENERAL, "med")


def test_model_choice_helpers(installed: Installed) -> None:
    models = read_installed(installed.model_dir)
    assert best_installed(models, "photo").name == GENERAL  # type: ignore[union-attr]
    assert best_installed(models, "art").name == ANIME  # type: ignore[union-attr]
    assert best_installed(models, "face").name == GENERAL, "falls back to the best installed"  # type: ignore[union-attr]
    variant = denoise_variant(models, GENERAL, "high")
    assert variant is not None and variant.denoise_strength == 1.0
    assert denoise_variant(models, ANIME, "high") is None


def test_a_second_run_skips_what_is_up_to_date(installed: Installed, manifest: Manifest) -> None:
    model_dir = installed.model_dir
    stamps = {p.name: p.stat().st_mtime_ns for p in model_dir.glob("*.onnx")}
    installed_models = 3 + len(LEVELS)  # anime, general, wdn and the denoise variants
    assert len(stamps) == 3 * installed_models  # each with its fp16 copy and graph as exported
    again = run(model_dir=model_dir, mirror=installed.mirror.as_uri(), manifest=manifest)
    assert again.installed == []
    assert len(again.up_to_date) == installed_models
    assert {p.name: p.stat().st_mtime_ns for p in model_dir.glob("*.onnx")} == stamps

    # A changed source file is exported again, with the variants made from it.
    random_checkpoint(manifest.get(WEAK), installed.mirror / f"{WEAK}.pth", seed=12)
    changed = run(
        model_dir=model_dir,
        mirror=installed.mirror.as_uri(),
        manifest=manifest,
        only=[WEAK, GENERAL],
    )
    assert sorted(changed.installed) == sorted(
        [WEAK, *(variant_name(GENERAL, level) for level in LEVELS)]
    )
    assert changed.up_to_date == [GENERAL]

    # A model installed before the graph as exported was kept is exported again.
    (model_dir / f"{ANIME}.openvino.onnx").unlink()
    refreshed = run(
        model_dir=model_dir, mirror=installed.mirror.as_uri(), manifest=manifest, only=[ANIME]
    )
    assert refreshed.installed == [ANIME]
    assert (model_dir / f"{ANIME}.openvino.onnx").is_file()


def test_tampered_weights_are_refused(
    manifest: Manifest, anime_checkpoint: Path, tmp_path: Path
) -> None:
    state = read_state_dict(anime_checkpoint)
    state["body.0.bias"] = state["body.0.bias"] + 0.01
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    torch.save({"params": state}, mirror / f"{ANIME}.pth")
    report = run(
        model_dir=tmp_path / "models", mirror=mirror.as_uri(), manifest=manifest, only=[ANIME]
    )
    assert report.failed == [ANIME] and report.installed == []


@pytest.fixture
def http_mirror(anime_checkpoint: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(anime_checkpoint, served / f"{ANIME}.pth")
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/releases", served
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        return super().translate_path(path.replace("/releases", "", 1))

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_http_mirror_is_downloaded_once(
    http_mirror: tuple[str, Path], manifest: Manifest, tmp_path: Path
) -> None:
    url, served = http_mirror
    model_dir = tmp_path / "models"
    first = run(model_dir=model_dir, mirror=url, manifest=manifest, only=[ANIME, GENERAL])
    assert first.installed == [ANIME]
    assert first.unreachable == [GENERAL], "a 404 is reported and skipped"
    assert (model_dir / "cache" / f"{ANIME}.pth").is_file()
    (served / f"{ANIME}.pth").unlink()  # the cached, verified copy is enough now
    second = run(model_dir=model_dir, mirror=url, manifest=manifest, only=[ANIME])
    assert second.up_to_date == [ANIME]


def test_cli_exit_codes(anime_checkpoint: Path, tmp_path: Path) -> None:
    env = dict(
        os.environ, UPSCALER_MODEL_MIRROR=MIRROR.as_uri(), UPSCALER_MODEL_DIR=str(tmp_path / "m")
    )
    command = [sys.executable, "-m", "upscaler_worker.export.make_models"]
    done = subprocess.run(
        [*command, "--only", ANIME, "--only", "RealESRGAN_x4plus"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stderr
    assert "installed: local-exception-sha256+tensor-sha256, max abs error" in done.stdout
    assert "RealESRGAN_x4plus" in done.stdout and "unreachable" in done.stdout
    listing = subprocess.run(
        [*command, "--list"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert f"{ANIME}" in listing.stdout and "installed" in listing.stdout

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["--mirror", empty.as_uri(), "--model-dir", str(tmp_path / "none")]) == 2
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / f"{ANIME}.pth").write_bytes(b"corrupt")
    assert (
        main(["--mirror", bad.as_uri(), "--model-dir", str(tmp_path / "m"), "--only", ANIME]) == 1
    )
