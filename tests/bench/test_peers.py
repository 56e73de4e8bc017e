"""The peers table: which contender is the best peer, the ratio, what is
skipped at the larger size, and the per-model end-to-end verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import overhead, peers, service
from bench.peers import Figure, SizeFigures
from upscaler_worker.inference import read_installed


def _figures(**seconds: float | None) -> SizeFigures:
    result = SizeFigures("m", "512x512", 10**9, "ours openvino-bf16")
    names = {
        "reference": peers.REFERENCE,
        "ours": "ours openvino-bf16",
        "ncnn": "ncnn fp32",
        "eager": "PyTorch eager fp32",
        "bf16": "PyTorch bf16 autocast",
    }
    result.figures = [Figure(names[key], value) for key, value in seconds.items()]
    return result


def test_the_best_peer_is_the_fastest_timed_peer_and_never_our_own_paths() -> None:
    figures = _figures(reference=0.5, ours=1.0, ncnn=2.0, eager=4.0, bf16=None)
    best = figures.best_peer()
    assert best is not None and best.contender == "ncnn fp32"
    assert figures.ratio() == 0.5  # ORT fp32 at 0.5 s is ours, not a peer


def test_no_ratio_without_a_timed_peer() -> None:
    assert _figures(reference=0.5, ours=1.0, ncnn=None).ratio() is None


def test_a_contender_far_slower_than_ours_at_the_first_size_is_not_run_again() -> None:
    ours = "ours openvino-bf16"
    first = {ours: 1.0, peers.REFERENCE: 9.0, "PyTorch eager fp32": 7.0, "ncnn fp32": 2.0}
    assert peers._skip_factor("PyTorch eager fp32", ours, first) == 7.0
    assert peers._skip_factor("ncnn fp32", ours, first) is None
    assert peers._skip_factor(peers.REFERENCE, ours, first) is None  # the reference always runs
    assert peers._skip_factor("ncnn fp32", ours, {}) is None  # the first size runs everything


def test_the_fastest_peer_runs_at_every_size_however_slow() -> None:
    """Without it a size would have no ratio to judge."""
    ours = "ours openvino-bf16"
    first = {ours: 1.0, peers.REFERENCE: 9.0, "PyTorch eager fp32": 7.0, "ncnn fp32": 6.5}
    assert peers._skip_factor("ncnn fp32", ours, first) is None
    assert peers._skip_factor("PyTorch eager fp32", ours, first) == 7.0


def test_the_markdown_marks_our_path_and_the_verdict() -> None:
    figures = _figures(reference=0.5, ours=0.3, ncnn=0.6)
    document = {
        "cpu": "AMD EPYC: AVX-512 BF16 yes",
        "threads": 2,
        "sizes": [
            {
                **{"model": "m", "size": "512x512", "ours": figures.ours},
                "figures": [figure.__dict__ for figure in figures.figures],
                "chosen": "openvino-bf16",
                "ratio": figures.ratio(),
                "best_peer": "ncnn fp32",
            }
        ],
        "notes": [],
    }
    text = peers.markdown(document)
    assert "| m | 512x512 | **ours openvino-bf16** | 0.300 |" in text
    assert "| m | openvino-bf16 | 512x512 | 0.50 met | ncnn fp32 |" in text


def test_end_to_end_verdicts_judge_each_model_against_the_target() -> None:
    rows: list[dict[str, Any]] = [
        {"model": "a", "path": "cpu-fp32", "ratio": 1.04},
        {"model": "b", "path": "openvino-bf16", "ratio": 1.2},
        {"model": "c", "path": "cpu-fp32", "ratio": None},
    ]
    lines = overhead.verdicts(rows)
    assert [(line["subject"], line["pass"]) for line in lines] == [
        ("a (cpu-fp32)", True),
        ("b (openvino-bf16)", False),
    ]


def test_the_noise_figures_pair_each_job_with_the_model_run_after_it() -> None:
    figures = service.EndToEndFigures(
        seconds=1.0,
        job_seconds=0.98,
        runs=[1.0, 1.5, 1.1],
        model_only_seconds=0.9,
        model_runs=[0.9, 1.4, 1.2],  # the second pair ran in a slow spell
    )
    noise = overhead.noise_figures(figures)
    # 1.111, 1.071, 0.917: the spell cancels within its pair
    assert noise["paired_ratio"] == pytest.approx(1.5 / 1.4)
    assert noise["model_only_spread"] == pytest.approx(1.4 / 0.9 - 1)
    row = {
        "model": "m",
        "path": "cpu-fp32",
        "seconds": 1.0,
        "job_seconds": 0.98,
        "model_only_seconds": 0.9,
        "ratio": 1.0 / 0.9,
        **noise,
    }
    assert "| m | cpu-fp32 | 1.000 | 0.980 | 0.900 | 1.111 | NOT met | 1.071 | 56% |" in (
        overhead.markdown([row])
    )
    alone = overhead.noise_figures(
        service.EndToEndFigures(seconds=1.0, job_seconds=1.0, runs=[1.0])
    )
    assert alone == {"paired_ratio": None, "model_only_spread": None}


def test_the_steps_table_shows_each_step_then_the_rest_and_what_lies_around_the_job() -> None:
    figures = service.EndToEndFigures(
        seconds=0.44,
        job_seconds=0.42,
        runs=[0.46, 0.44, 0.50],
        model="m",
        model_only_seconds=0.35,
        job_runs=[0.43, 0.42, 0.46],
        steps=[
            {"prepare": 0.010, "decode": 0.004, "inference": 0.37, "encode": 0.03},
            {"prepare": 0.008, "decode": 0.005, "inference": 0.36, "encode": 0.03},
            {"prepare": 0.009, "decode": 0.004, "inference": 0.40, "encode": 0.04},
        ],
    )
    medians = overhead.step_medians(figures)
    assert list(medians) == [
        "prepare",
        "decode",
        "inference",
        "encode",
        overhead.REST,
        overhead.AROUND,
    ]
    assert medians["inference"] == pytest.approx(370.0)
    assert medians[overhead.REST] == pytest.approx(16.0)  # 0.43 - 0.414, 0.42 - 0.403, 0.46 - 0.453
    assert medians[overhead.AROUND] == pytest.approx(30.0)  # 30, 20, 40 ms
    rows = [{"model": "m", "model_only_seconds": 0.35, "steps_ms": medians}]
    table = overhead.steps_markdown(rows)
    assert "| model | model-only | prepare | decode | inference | encode | rest of job |" in table
    assert "| m | 350.0 | 9.0 | 4.0 | 370.0 | 30.0 | 16.0 | 30.0 |" in table
    assert overhead.steps_markdown([{"model": "m", "steps_ms": {}}]) == ""


def test_a_single_model_folder_lists_that_model_alone(tmp_path: Path) -> None:
    source = tmp_path / "models"
    source.mkdir()
    entries: list[dict[str, Any]] = [
        {
            "name": name,
            "file": f"{name}.onnx",
            "arch": "SRVGGNetCompact",
            "scale": 4,
            "arch_params": {},
        }
        for name in ("one", "two")
    ]
    (source / "installed.json").write_text(json.dumps({"version": 1, "models": entries}))
    for name in ("one", "two"):
        (source / f"{name}.onnx").write_bytes(b"onnx")
    (source / "cache").mkdir()
    one = next(model for model in read_installed(source) if model.name == "one")
    alone = overhead.single_model_dir(source, one, tmp_path / "alone")
    assert [model.name for model in read_installed(alone)] == ["one"]
    assert (alone / "one.onnx").resolve() == (source / "one.onnx").resolve()
    assert (alone / "cache").resolve() == (source / "cache").resolve()
    assert not (alone / "two.onnx").exists()


def test_pytorch_bf16_autocast_is_timed_only_where_the_cpu_has_bf16_arithmetic(
    model_dir: Path,
) -> None:
    (model,) = read_installed(model_dir)
    with_bf16: list[str] = []
    without: list[str] = []
    assert "PyTorch bf16 autocast" in peers._torch_runs(
        model, 1, with_bf16, frozenset({"avx2", "avx512_bf16"})
    )
    runs = peers._torch_runs(model, 1, without, frozenset({"avx2", "fma"}))
    assert sorted(runs) == ["PyTorch channels-last fp32", "PyTorch eager fp32"]
    assert "no PyTorch bf16 autocast: this CPU has no bf16 arithmetic" in without


def test_the_paired_ratio_divides_each_run_by_the_run_just_before_it() -> None:
    """A slow spell that hits a pair cancels: (2/1, 4/2, 3/1) -> median 2."""
    firsts, seconds = iter([1.0, 2.0, 1.0]), iter([2.0, 4.0, 3.0])
    order: list[str] = []

    def first() -> float:
        order.append("first")
        return next(firsts)

    def second() -> float:
        order.append("second")
        return next(seconds)

    assert overhead.paired_ratio(first, second, 3) == pytest.approx(2.0)
    assert order == ["first", "second"] * 3
