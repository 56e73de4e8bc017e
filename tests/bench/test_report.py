"""The benchmark's table and verdicts with every contender and an RSS figure."""

from __future__ import annotations

from bench.measure import SizeResult
from bench.report import markdown, verdicts
from bench.rss import RssResult


def _size() -> SizeResult:
    size = SizeResult(
        model="RealESRGAN_x4plus",
        height=128,
        width=128,
        plan="untiled",
        macs=294_000_000_000,
        ort_seconds=4.0,
        ncnn_seconds=16.0,
        torch_eager_seconds=20.0,
        torch_channels_last_seconds=None,
        pipeline_untiled_seconds=4.1,
        pipeline_tiled_seconds=9.0,
        tiled_plan="64px tiles, 32px overlap",
        tiled_bound=4.2,
        repeats=1,
        requested="512x512",
    )
    size.gflops = 2 * size.macs / size.ort_seconds / 1e9
    size.set_peak(160.0)
    return size


def test_table_and_verdicts_name_every_contender_and_the_rss_size() -> None:
    size = _size()
    assert size.ort_vs_ncnn == 0.25
    assert size.ncnn_peak_fraction is not None and abs(size.ncnn_peak_fraction - 0.23) < 0.01
    rss = RssResult(
        peak_rss_bytes=1 << 30,
        output_array_bytes=144_000_000,
        seconds=3000.0,
        width=8000,
        height=6000,
        tiles=221,
        tile_shape=(119, 119),
    )
    lines = verdicts([size], {"RealESRGAN_x4plus 2000x1500": rss}, None)
    targets = {(line["target"], line["subject"]) for line in lines}
    assert ("peak RSS 2000x1500 at 4x <= 2 x output + 1 GiB", "RealESRGAN_x4plus") in targets
    document = {
        "machine": {
            "platform": "Linux",
            "processor": "x86_64",
            "physical_cores": 2,
            "cpu_model": "AMD EPYC",
            "cpu_extensions": {"AVX2": True, "AVX-512F": False, "AMX": False},
            "threads": 2,
            "load_average_start": 1.0,
            "load_average_end": 1.0,
        },
        "peak_gflops": {"gflops": 160.0, "numpy_gflops": 160.0, "torch_gflops": 150.0},
        "providers": {"RealESRGAN_x4plus": "CPUExecutionProvider"},
        "sizes": [size.to_json()],
        "rss": {"RealESRGAN_x4plus 2000x1500": {**rss.__dict__, "limit_bytes": rss.limit_bytes}},
        "end_to_end": None,
        "notes": [],
        "verdicts": lines,
        "when": "now",
    }
    text = markdown(document)
    assert "AVX2 yes, AVX-512F no, AMX no" in text
    assert "runs 2 threads" in text
    assert "128x128 (untiled, asked 512x512; 1)" in text
    assert "| 0.25 |" in text  # ORT / ncnn
    assert "2000x1500 -> 8000x6000" in text
