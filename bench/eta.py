"""How good the service's time estimates are: the upload's `estimated_seconds`
against the real time from the upload to `completed`, per preset's model.

A fresh embedded service is started (so its worker has only its start-up
calibration), and each preset gets two jobs of one photo-like image sized so a
job takes some 10-30 s here: the first is estimated from the calibration, the
second from the speed the worker measured on the first. The target is the
second within ±30 %.

    python -m bench.eta [--model-dir onnx_models]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.rss import photo_like
from bench.service import base_env, follow_to_the_end, free_port, process, wait_http
from upscaler_worker.export.macs import architecture_macs

#: Arithmetic of one job's network pass: ~15 s at 65 GMAC/s.
JOB_MACS = 1.0e12
PRESETS = ("photo", "art", "standard")
TOLERANCE = 0.30


@dataclass(frozen=True)
class EtaCase:
    preset: str
    model: str
    width: int
    height: int
    #: (estimated_seconds at upload, seconds from upload to completed), per job.
    jobs: list[tuple[float, float]]

    def ratios(self) -> list[float]:
        return [actual / estimate for estimate, actual in self.jobs if estimate > 0]

    def to_json(self) -> dict[str, Any]:
        return self.__dict__ | {"ratios": [round(r, 3) for r in self.ratios()]}


def side_for(model: dict[str, Any]) -> int:
    """A square side whose network pass is about JOB_MACS for this model."""
    arch, params = model["arch"], model.get("arch_params") or {}
    try:
        per_pixel = architecture_macs(arch, params, 64, 64) / 64**2
    except (ValueError, KeyError):
        per_pixel = 18e6
    return max(64, int(math.sqrt(JOB_MACS / per_pixel)) // 8 * 8)


def measure(model_dir: Path, presets: tuple[str, ...] = PRESETS) -> list[EtaCase]:
    from upscaler_worker.inference import read_installed

    installed = {m.name: m for m in read_installed(model_dir)}
    cases: list[EtaCase] = []
    with tempfile.TemporaryDirectory(prefix="bench-eta-") as tmp:
        port = free_port()
        env = base_env(Path(tmp), model_dir, port)
        args = [sys.executable, "-m", "upscaler_worker.entrypoints.embedded"]
        url = f"http://127.0.0.1:{port}"
        with (
            process(args, env, Path(tmp) / "server.log"),
            httpx.Client(base_url=url, timeout=120) as client,
        ):
            wait_http(f"{url}/api/v1/health")
            health = client.get("/api/v1/health").json()
            for preset in presets:
                serving = [m for m in health["models"] if preset in m["presets"]]
                if not serving:
                    continue
                record = installed.get(serving[0]["name"])
                arch = (
                    {"arch": record.arch, "arch_params": record.arch_params}
                    if record
                    else {"arch": serving[0]["arch"]}
                )
                side = side_for(arch)
                image = photo_like(Path(tmp) / f"{preset}.jpg", side, side)
                jobs: list[tuple[float, float]] = []
                model = serving[0]["name"]
                for _ in range(2):
                    started = time.perf_counter()
                    accepted = client.post(
                        "/api/v1/uploads",
                        files={"file": (image.name, image.read_bytes())},
                        data={"factor": "4x", "preset": preset},
                    )
                    accepted.raise_for_status()
                    body = accepted.json()
                    state = follow_to_the_end(client, body["job_id"])
                    jobs.append((float(body["estimated_seconds"]), time.perf_counter() - started))
                    model = str(state.get("model") or model)
                cases.append(EtaCase(preset, model, side, side, jobs))
                print("  " + line(cases[-1]), flush=True)
    return cases


def line(case: EtaCase) -> str:
    parts = [f"{estimate:.0f} s est. / {actual:.1f} s real" for estimate, actual in case.jobs]
    ratios = ", ".join(f"{r:.2f}" for r in case.ratios())
    return (
        f"{case.preset} ({case.model}, {case.width}x{case.height}): {'; '.join(parts)} → {ratios}"
    )


def markdown(cases: list[EtaCase]) -> str:
    rows = [
        "| preset | model | image | 1st job: estimate / real | 2nd job: estimate / real | "
        "real / estimate (1st, 2nd) | 2nd within ±30 % |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        cells = [f"{e:.0f} s / {a:.1f} s" for e, a in case.jobs]
        ratios = case.ratios()
        within = "met" if ratios and abs(ratios[-1] - 1) <= TOLERANCE else "**not met**"
        rows.append(
            f"| {case.preset} | {case.model} | {case.width}x{case.height} | {cells[0]} | "
            f"{cells[-1]} | {', '.join(f'{r:.2f}' for r in ratios)} | {within} |"
        )
    return (
        "ETA: the upload's estimated_seconds against upload → completed (fresh service; "
        "the 1st job is estimated from the worker's start-up calibration, the 2nd from "
        "the speed it measured on the 1st)\n\n" + "\n".join(rows) + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eta", description=__doc__)
    parser.add_argument(
        "--model-dir", type=Path, default=Path(os.environ.get("UPSCALER_MODEL_DIR", "onnx_models"))
    )
    args = parser.parse_args(argv)
    print(markdown(measure(args.model_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
