"""ncnn as a model source: strict mapping onto our architectures, installs
through `make models`' own code, and parity with the ncnn runtime itself."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import torch

from tests.helpers import ANIME, MIRROR, NCNN_DIR
from tests.worker.export.ncnn_files import small_srvgg, write_srvgg
from upscaler.catalog.ncnn_format import load_ncnn
from upscaler.catalog.ncnn_recognise import MappingError, recognise
from upscaler_worker.export.fetch import SourceUnavailableError, fetch_ncnn
from upscaler_worker.export.make_models import Report, run
from upscaler_worker.export.manifest import Manifest, ModelSpec, NcnnFile
from upscaler_worker.export.ncnn_arch import check_matches, to_state_dict
from upscaler_worker.export.ncnn_install import network_from_ncnn
from upscaler_worker.export.ncnn_parity import MIN_PSNR_DB, psnr, run_ncnn, run_onnx
from upscaler_worker.inference import read_installed

pytestmark = pytest.mark.export

NCNN_MODELS = ["RealESRGAN_x4plus", "RealESRGAN_x4plus_anime_6B", "realesrgan-x4fast"]
PHOTO = (
    Path(__file__).resolve().parents[3] / ".." / "shared" / "images" / "faces" / "10045.png"
).resolve()


@pytest.fixture(scope="module")
def all_models(manifest: Manifest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    """Everything the shared mirror offers, installed by `make models`' code."""
    if not NCNN_DIR.is_dir():
        pytest.skip(f"the shared ncnn models are not at {NCNN_DIR}")
    model_dir = tmp_path_factory.mktemp("all-models")
    with contextlib.redirect_stdout(io.StringIO()):
        report = run(model_dir=model_dir, mirror=MIRROR.as_uri(), manifest=manifest)
    return model_dir, report


def test_the_four_models_install_from_the_mirror(all_models: tuple[Path, Report]) -> None:
    model_dir, report = all_models
    assert sorted(report.installed) == sorted([*NCNN_MODELS, ANIME])
    assert report.failed == []
    records = {record.name: record for record in read_installed(model_dir)}
    for name in NCNN_MODELS:
        record = records[name]
        assert (record.source_format, record.weights_precision) == ("ncnn", "fp16-rounded")
        assert record.verification == "sha256", "both files carry the distributed hashes"
        assert record.extra["ncnn_parity"]["psnr_db"] >= MIN_PSNR_DB
        assert record.source_url is not None and record.source_url.endswith(".bin")
    anime = records[ANIME]
    assert anime.source_format == "pth", "the official .pth is preferred where reachable"
    # The ncnn weights are the .pth's rounded to fp16: close, not equal.
    assert MIN_PSNR_DB <= anime.extra["pth_vs_ncnn_psnr_db"] < 100


def _photo_crop(height: int, width: int) -> np.ndarray:
    if not PHOTO.is_file():
        pytest.skip(f"no test photo at {PHOTO}")
    image = cv2.imread(str(PHOTO), cv2.IMREAD_COLOR)
    assert image is not None
    top, left = image.shape[0] // 3, image.shape[1] // 3
    crop = image[top : top + height, left : left + width, ::-1]  # BGR -> RGB
    return np.ascontiguousarray(crop.transpose(2, 0, 1), dtype=np.float32) / 255.0


@pytest.mark.parametrize("name", NCNN_MODELS)
def test_every_installed_ncnn_model_matches_the_ncnn_runtime_on_a_photo(
    name: str, all_models: tuple[Path, Report], manifest: Manifest
) -> None:
    """Independently of the install's own probe: a real photo crop, ncnn
    running the original files against ONNX Runtime running our export."""
    model_dir, _ = all_models
    spec = manifest.get(name)
    assert spec.ncnn is not None
    param, weights = NCNN_DIR / spec.ncnn.param.file, NCNN_DIR / spec.ncnn.bin.file
    graph = load_ncnn(param, weights).graph
    image = _photo_crop(40, 48)
    reference = run_ncnn(param, weights, image, graph.input_blob, graph.output_blob)
    ours = run_onnx(model_dir / f"{name}.onnx", image)
    assert ours.shape == reference.shape == (3, 160, 192)
    measured = psnr(ours, reference)
    print(f"{name}: ONNX Runtime vs ncnn runtime on a photo crop: {measured:.1f} dB")
    assert measured >= MIN_PSNR_DB


@pytest.mark.parametrize("fp16", [False, True])
def test_a_written_network_round_trips_exactly(fp16: bool, tmp_path: Path) -> None:
    network = small_srvgg(seed=3)
    param, weights = write_srvgg(network, tmp_path, "tiny", fp16=fp16)
    loaded, model, recognised = network_from_ncnn(param, weights)
    assert recognised.arch_params["num_feat"] == 8 and recognised.arch_params["num_conv"] == 2
    for key, tensor in network.state_dict().items():
        expected = tensor.half().float() if fp16 and tensor.dim() == 4 else tensor
        assert torch.equal(loaded.state_dict()[key], expected), key
    # ncnn itself reads the written files as the same network.
    image = np.random.default_rng(0).random((3, 20, 24), dtype=np.float32)
    with torch.no_grad():
        ours = loaded(torch.from_numpy(image[np.newaxis]))[0].numpy()
    reference = run_ncnn(param, weights, image, model.graph.input_blob, model.graph.output_blob)
    assert psnr(ours, reference) > 80


def test_the_mapping_checks_activation_slopes(tmp_path: Path) -> None:
    param = NCNN_DIR / "realesrgan-x4plus-anime.param"
    weights = NCNN_DIR / "realesrgan-x4plus-anime.bin"
    text = param.read_text().replace("9=2 -23310=1,2.000000e-01", "9=2 -23310=1,1.000000e-01", 1)
    changed = tmp_path / "slope.param"
    changed.write_text(text)
    model = load_ncnn(changed, weights)
    with pytest.raises(
        MappingError, match=r"Conv_1 \(body.0.rdb1.conv1\): activation leakyrelu 0.1"
    ):
        to_state_dict(model, recognise(model))


def test_the_manifest_must_describe_the_graph_exactly(manifest: Manifest) -> None:
    model = load_ncnn(NCNN_DIR / "realesrgan-x4fast.param", NCNN_DIR / "realesrgan-x4fast.bin")
    recognised = recognise(model)
    spec = manifest.get("realesrgan-x4fast")
    check_matches(recognised, spec.arch, spec.arch_params)
    anime = manifest.get(ANIME)
    with pytest.raises(MappingError, match=r"'num_conv': 32.*'num_conv': 16"):
        check_matches(recognised, anime.arch, anime.arch_params)


def _spec_from(manifest: Manifest, name: str, **ncnn_changes: Any) -> ModelSpec:
    spec = manifest.get(name)
    assert spec.ncnn is not None
    return dataclasses.replace(spec, url=None, ncnn=dataclasses.replace(spec.ncnn, **ncnn_changes))


def _install(spec: ModelSpec, mirror: Path, model_dir: Path) -> tuple[Report, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        report = run(
            model_dir=model_dir,
            mirror=mirror.as_uri(),
            manifest=Manifest(models=(spec,), denoise=None),
        )
    return report, printed.getvalue()


def test_a_graph_the_mapping_accepts_but_ncnn_runs_differently_is_refused(
    manifest: Manifest, tmp_path: Path
) -> None:
    """Swapping a Concat's inputs keeps every shape, so only the runtime
    parity can tell: the install must fail and leave nothing behind."""
    mirror = tmp_path / "mirror"
    (mirror / "ncnn").mkdir(parents=True)
    source = NCNN_DIR / "realesrgan-x4plus-anime.param"
    lines = source.read_text().splitlines()
    for index, line in enumerate(lines):
        parts = line.split()
        if parts and parts[0] == "Concat" and parts[2] == "2":
            parts[4], parts[5] = parts[5], parts[4]
            lines[index] = " ".join(parts)
            break
    (mirror / "ncnn" / "realesrgan-x4plus-anime.param").write_text("\n".join(lines) + "\n")
    shutil.copy(NCNN_DIR / "realesrgan-x4plus-anime.bin", mirror / "ncnn")
    spec = _spec_from(
        manifest,
        "RealESRGAN_x4plus_anime_6B",
        param=NcnnFile("realesrgan-x4plus-anime.param"),
        bin=NcnnFile("realesrgan-x4plus-anime.bin"),
    )
    model_dir = tmp_path / "models"
    report, printed = _install(spec, mirror, model_dir)
    assert report.failed == ["RealESRGAN_x4plus_anime_6B"]
    assert "differs from the ncnn runtime: PSNR" in printed
    assert list(model_dir.glob("*.onnx")) == [] and read_installed(model_dir) == []


def test_a_file_with_another_hash_is_refused(manifest: Manifest, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "ncnn").mkdir(parents=True)
    shutil.copy(NCNN_DIR / "realesr-animevideov3-x4.param", mirror / "ncnn")
    data = bytearray((NCNN_DIR / "realesr-animevideov3-x4.bin").read_bytes())
    data[-1] ^= 0x01
    (mirror / "ncnn" / "realesr-animevideov3-x4.bin").write_bytes(bytes(data))
    spec = _spec_from(manifest, ANIME)
    report, printed = _install(spec, mirror, tmp_path / "models")
    assert (
        report.failed == [ANIME] and "is not the distributed realesr-animevideov3-x4.bin" in printed
    )


def test_the_official_release_zip_is_read_by_member_name(
    manifest: Manifest, tmp_path: Path
) -> None:
    """The release zip (on a mirror here) holds models/<file>; the files are
    found by name and installed with the zip member in their source URL."""
    spec = _spec_from(manifest, ANIME)
    assert spec.ncnn is not None and spec.ncnn.archive_url is not None
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    archive = mirror / spec.ncnn.archive_url.rsplit("/", 1)[-1]
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("realesrgan-ncnn-vulkan/realesrgan-ncnn-vulkan", b"\x7fELF")
        for item in (spec.ncnn.param, spec.ncnn.bin):
            bundle.write(NCNN_DIR / item.file, f"realesrgan-ncnn-vulkan/models/{item.file}")
    fetched = fetch_ncnn(ANIME, spec.ncnn, mirror.as_uri(), tmp_path / "cache")
    assert fetched.param.url.endswith(
        "#realesrgan-ncnn-vulkan/models/realesr-animevideov3-x4.param"
    )
    assert fetched.bin.sha256 == spec.ncnn.bin.sha256
    report, _ = _install(spec, mirror, tmp_path / "models")
    assert report.installed == [ANIME]
    (record,) = read_installed(tmp_path / "models")
    assert record.source_format == "ncnn" and "#realesrgan-ncnn-vulkan/models/" in str(
        record.source_url
    )


def test_nothing_reachable_says_where_it_looked(manifest: Manifest, tmp_path: Path) -> None:
    spec = manifest.get("realesrgan-x4fast")
    assert spec.ncnn is not None
    missing = r"ncnn/realesrgan-x4fast\.param: no such file"
    with pytest.raises(SourceUnavailableError, match=missing):
        fetch_ncnn(spec.name, spec.ncnn, tmp_path.as_uri(), tmp_path / "cache")


def test_the_models_table_learns_source_and_precision(all_models: tuple[Path, Report]) -> None:
    from upscaler_worker.models_sync import provenance

    model_dir, _ = all_models
    records = {record.name: record for record in read_installed(model_dir)}
    photo = provenance(records["RealESRGAN_x4plus"])
    assert photo["source_format"] == "ncnn" and photo["weights_precision"] == "fp16-rounded"
    assert isinstance(photo["ncnn_parity_psnr_db"], float) and photo["ncnn_parity_psnr_db"] >= 50
    anime = provenance(records[ANIME])
    assert (anime["source_format"], anime["weights_precision"]) == ("pth", "fp32")
    assert "pth_vs_ncnn_psnr_db" in anime and "ncnn_parity_psnr_db" not in anime
