"""The benchmark's MAC budget: sizes and repeats per model, and where it finds
each model's ncnn files."""

from __future__ import annotations

from pathlib import Path

from bench.cpu import cpu_summary, flags_line
from bench.measure import large_size_allowed, planned_repeats, planned_size
from bench.reference import source_ncnn_files
from upscaler_worker.inference import InstalledModel

X4PLUS = {"num_in_ch": 3, "num_out_ch": 3, "num_feat": 64, "num_block": 23, "num_grow_ch": 32}
ANIME6B = {**X4PLUS, "num_block": 6}
ANIMEVIDEO = {"num_in_ch": 3, "num_out_ch": 3, "num_feat": 64, "num_conv": 16, "upscale": 4}
X4FAST = {**ANIMEVIDEO, "num_conv": 32}


def test_srvgg_models_keep_the_sizes_asked_for() -> None:
    for params in (ANIMEVIDEO, X4FAST):
        assert planned_size("SRVGGNetCompact", params, 512, 512) == (512, 512)
    assert large_size_allowed("SRVGGNetCompact", ANIMEVIDEO, 3000, 4000)
    assert not large_size_allowed("SRVGGNetCompact", X4FAST, 3000, 4000)


def test_rrdbnet_models_time_smaller_sides_at_the_same_cost() -> None:
    params = {**X4PLUS, "scale": 4}
    assert planned_size("RRDBNet", params, 256, 256) == (64, 64)
    assert planned_size("RRDBNet", params, 512, 512) == (128, 128)
    assert planned_size("RRDBNet", {**ANIME6B, "scale": 4}, 512, 512) == (240, 240)
    assert not large_size_allowed("RRDBNet", params, 1500, 2000)


def test_repeats_fit_the_figure_budget() -> None:
    assert planned_repeats(40_000_000_000, 5) == 5
    assert planned_repeats(163_000_000_000, 5) == 3
    assert planned_repeats(2_000_000_000_000, 5) == 1


def test_ncnn_source_files_are_found_beside_the_param(tmp_path: Path) -> None:
    (tmp_path / "m.param").write_text("7767517\n")
    (tmp_path / "m.bin").write_bytes(b"")
    model = InstalledModel(
        name="m",
        file="m.onnx",
        scale=4,
        arch="RRDBNet",
        arch_params={},
        source_url=f"{(tmp_path / 'm.param').as_uri()} + m.bin",
        source_format="ncnn",
    )
    assert source_ncnn_files(model) == (tmp_path / "m.param", tmp_path / "m.bin")


def test_cpu_flags_are_summarised(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("model name\t: Test CPU\nflags\t\t: fma avx2 avx512f amx_tile\n")
    summary = cpu_summary(info)
    assert summary["model"] == "Test CPU"
    line = flags_line(summary)
    assert "AVX2 yes" in line and "AVX-512F yes" in line and "AMX yes" in line
    assert "F16C no" in line
