"""The engine path choice: measured, held to the quality floor, forceable,
and clean on a machine without bf16. Real models through ONNX Runtime; the
OpenVINO cases need the OpenVINO build of onnxruntime (the cpu extra on x86-64
Linux)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from upscaler_worker.engines import choose_engines
from upscaler_worker.inference import ModelRunner, read_installed
from upscaler_worker.inference.engine_paths import (
    CPU_FP32,
    CPU_INT8,
    OPENVINO,
    OPENVINO_BF16,
    OPENVINO_FP32,
    EnginePath,
    candidate_paths,
    int8_file,
    model_file,
    openvino_file,
)
from upscaler_worker.inference.path_choice import (
    CACHE_FILE,
    PathTrial,
    choose,
    choose_path,
    measure_paths,
    probe_images,
    psnr8,
)
from upscaler_worker.runners import RunnerCache

needs_openvino = pytest.mark.skipif(
    OPENVINO not in ort.get_available_providers(),
    reason="this onnxruntime build has no OpenVINO provider",
)
NO_BF16 = frozenset({"fma", "avx2", "avx512f"})
WITH_BF16 = NO_BF16 | {"avx512_bf16", "amx_bf16"}


def load(path: Path, engine: EnginePath) -> ModelRunner:
    return ModelRunner.load(path, engine=engine)


@pytest.fixture
def model_dir(tmp_path: Path, anime_model_dir: Path) -> Path:
    """A private copy of the installed model, so int8 copies and caches stay here."""
    directory = tmp_path / "models"
    shutil.copytree(anime_model_dir, directory, ignore=shutil.ignore_patterns("cache"))
    return directory


def only_model(model_dir: Path) -> Path:
    (item,) = read_installed(model_dir)
    return model_dir / item.file


def write_broken_copy(model: Path, into: Path | None = None) -> None:
    """An "int8" file (or ``into``) that runs faster-or-not but is wrong: the
    last convolution's weights tripled, a real model with a real defect."""
    proto = onnx.load(str(model))
    last_conv = [node for node in proto.graph.node if node.op_type == "Conv"][-1]
    weights = {init.name: init for init in proto.graph.initializer}[last_conv.input[1]]
    scaled = numpy_helper.to_array(weights) * np.float32(3.0)
    weights.CopyFrom(numpy_helper.from_array(scaled, weights.name))
    onnx.save(proto, str(into or int8_file(model)))


def test_psnr8_is_infinite_for_equal_outputs_and_drops_with_error() -> None:
    image = probe_images(32)[0]
    assert psnr8(image, image) == float("inf")
    one_level = np.clip(image + 1 / 255, 0, 1)
    assert 45 < psnr8(image, one_level) <= 48.2  # 255² / 1² → 48.1 dB at most
    assert psnr8(image, np.clip(image + 0.1, 0, 1)) < 25


def test_the_fastest_path_below_the_floor_is_not_chosen() -> None:
    trials = [
        PathTrial("cpu-fp32", seconds=1.0, accepted=True),
        PathTrial("openvino-bf16", seconds=0.3, psnr_db=52.0, accepted=True),
        PathTrial("cpu-int8", seconds=0.1, psnr_db=33.0, accepted=False),
        PathTrial("openvino-int8", error="RuntimeError: no"),
    ]
    assert choose(trials).path == "openvino-bf16"
    assert choose(trials[:1]).path == "cpu-fp32"


def test_a_broken_fast_path_is_measured_and_rejected(model_dir: Path) -> None:
    model = only_model(model_dir)
    write_broken_copy(model)
    candidates = candidate_paths(model, providers=["CPUExecutionProvider"], flags=NO_BF16)
    assert candidates == [CPU_FP32, CPU_INT8]
    trials = measure_paths(model, candidates, load, probe_images(64))
    by_path = {trial.path: trial for trial in trials}
    assert by_path["cpu-fp32"].accepted and by_path["cpu-fp32"].psnr_db is None
    broken = by_path["cpu-int8"]
    assert broken.seconds is not None and broken.psnr_db is not None
    assert broken.psnr_db < 45 and not broken.accepted
    choice = choose_path(model, load, threads=2, candidates=candidates, cache_dir=model_dir)
    assert choice.path == "cpu-fp32"


class _SharedMachine:
    """A clock that runners advance by their cost, slower during a spell:
    the timing logic alone, without a machine's own noise."""

    def __init__(self, slow_runs: range, factor: float) -> None:
        self.now = 0.0
        self.runs = 0
        self.slow_runs, self.factor = slow_runs, factor

    def clock(self) -> float:
        return self.now

    def runner(self, cost: float) -> _CostedRunner:
        return _CostedRunner(self, cost)


class _CostedRunner:
    input_multiple = 1

    def __init__(self, machine: _SharedMachine, cost: float) -> None:
        self.machine, self.cost = machine, cost

    def run(self, batch: np.ndarray, *, deadline: float | None = None) -> np.ndarray:
        slow = self.machine.runs in self.machine.slow_runs
        self.machine.now += self.cost * (self.machine.factor if slow else 1.0)
        self.machine.runs += 1
        return np.repeat(np.repeat(batch, 4, axis=2), 4, axis=3)


def test_a_slow_spell_slows_every_candidate_alike_not_the_one_measured_during_it(
    tmp_path: Path,
) -> None:
    # The faster path (0.8 of the reference's time) would lose if it were
    # timed alone during the spell: the last four of the ten runs (one
    # warm-up and two probes twice each, per candidate), 1.5x slower.
    machine = _SharedMachine(slow_runs=range(6, 10), factor=1.5)
    costs = {CPU_FP32: 1.0, OPENVINO_FP32: 0.8}
    trials = measure_paths(
        tmp_path / "m.onnx",
        [CPU_FP32, OPENVINO_FP32],
        lambda _path, engine: machine.runner(costs[engine]),
        probe_images(8),
        clock=machine.clock,
    )
    assert machine.runs == 10
    assert [(t.path, t.seconds) for t in trials] == [("cpu-fp32", 2.0), ("openvino-fp32", 1.6)]
    assert choose(trials).path == "openvino-fp32"
    assert trials[1].psnr_db == 99.0 and trials[1].accepted  # the same pixels


def test_a_path_that_cannot_start_is_reported_not_raised(model_dir: Path) -> None:
    model = only_model(model_dir)
    int8_file(model).write_bytes(b"not an onnx model")
    trials = measure_paths(model, [CPU_FP32, CPU_INT8], load, probe_images(32))
    assert trials[1].error and not trials[1].accepted
    assert choose(trials).path == "cpu-fp32"


def test_a_choice_is_kept_per_machine_and_file(model_dir: Path) -> None:
    model = only_model(model_dir)
    write_broken_copy(model)
    calls: list[str] = []

    def counting(path: Path, engine: EnginePath) -> ModelRunner:
        calls.append(engine.key)
        return load(path, engine)

    candidates = [CPU_FP32, CPU_INT8]
    first = choose_path(model, counting, threads=2, candidates=candidates, cache_dir=model_dir)
    assert calls == ["cpu-fp32", "cpu-int8"] and (model_dir / CACHE_FILE).is_file()
    again = choose_path(model, counting, threads=2, candidates=candidates, cache_dir=model_dir)
    assert calls == ["cpu-fp32", "cpu-int8"], "the second choice must come from the cache"
    assert again.path == first.path and again.trials == first.trials
    write_broken_copy(model)  # a new file: measured again
    choose_path(model, counting, threads=2, candidates=candidates, cache_dir=model_dir)
    assert len(calls) == 4


@needs_openvino
def test_without_bf16_no_bf16_path_is_offered_and_a_forced_one_falls_back(
    model_dir: Path,
) -> None:
    model = only_model(model_dir)
    assert OPENVINO_BF16 not in candidate_paths(model, flags=NO_BF16)
    assert OPENVINO_BF16 in candidate_paths(model, flags=WITH_BF16)
    choices = choose_engines(
        read_installed(model_dir), model_dir, forced="openvino-bf16", flags=NO_BF16
    )
    (choice,) = choices.values()
    assert not choice.forced and choice.path in ("cpu-fp32", "openvino-fp32")
    assert {trial.path for trial in choice.trials} == {"cpu-fp32", "openvino-fp32"}


@needs_openvino
def test_a_forced_path_runs_without_measuring(model_dir: Path) -> None:
    installed = read_installed(model_dir)
    choices = choose_engines(installed, model_dir, forced="openvino-fp32", flags=NO_BF16)
    (choice,) = choices.values()
    assert choice.forced and choice.path == "openvino-fp32" and choice.trials == []
    assert not (model_dir / "cache" / CACHE_FILE).exists()
    assert choice.as_dict()["provider"] == OPENVINO


@needs_openvino
async def test_the_worker_runs_the_chosen_path_and_reports_it(model_dir: Path) -> None:
    from upscaler.db.tables import Model

    (item,) = read_installed(model_dir)
    runners = RunnerCache(model_dir)
    runners.engines = {item.name: OPENVINO_FP32}
    loaded = await runners.get(Model(name=item.name, artifact_path=item.file))
    assert loaded.provider == OPENVINO and loaded.runner.precision == "fp32"
    reference = ModelRunner.load(model_dir / item.file, engine=CPU_FP32)
    probe = probe_images(64)[0]
    assert psnr8(reference.run(probe), loaded.runner.run(probe)) > 60


@needs_openvino
def test_openvino_runs_the_graph_as_exported_and_falls_back_without_it(model_dir: Path) -> None:
    model = only_model(model_dir)
    exported = openvino_file(model)
    ops = {node.op_type for node in onnx.load(str(exported)).graph.node}
    assert "PRelu" in ops, "OpenVINO fuses PRelu itself"
    assert "PRelu" not in {node.op_type for node in onnx.load(str(model)).graph.node}
    assert model_file(OPENVINO_FP32, model) == exported
    assert model_file(CPU_FP32, model) == model
    probe = probe_images(64)[0]
    reference = ModelRunner.load(model, engine=CPU_FP32).run(probe)
    assert psnr8(reference, ModelRunner.load(model, engine=OPENVINO_FP32).run(probe)) > 60
    # A defect planted in the graph as exported shows in OpenVINO's output
    # only: that path reads it, the CPU path does not.
    write_broken_copy(exported, into=exported)
    ModelRunner.clear_cache()
    assert psnr8(reference, ModelRunner.load(model, engine=OPENVINO_FP32).run(probe)) < 45
    assert psnr8(reference, ModelRunner.load(model, engine=CPU_FP32).run(probe)) > 60
    exported.unlink()  # installed before the graph as exported was kept
    ModelRunner.clear_cache()
    assert model_file(OPENVINO_FP32, model) == model
    assert psnr8(reference, ModelRunner.load(model, engine=OPENVINO_FP32).run(probe)) > 60


@needs_openvino
def test_auto_measures_every_path_this_machine_has(model_dir: Path) -> None:
    installed = read_installed(model_dir)
    (choice,) = choose_engines(installed, model_dir).values()
    tried = [trial.path for trial in choice.trials]
    assert tried[0] == "cpu-fp32" and "openvino-fp32" in tried
    chosen = next(trial for trial in choice.trials if trial.path == choice.path)
    assert chosen.accepted and all(
        (t.seconds or 0) >= (chosen.seconds or 0) for t in choice.trials if t.accepted
    )
    assert (model_dir / "cache" / CACHE_FILE).is_file()
