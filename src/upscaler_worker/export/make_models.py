"""``make models``: fetch, verify, export, check and install the official models.

Usage::

    python -m upscaler_worker.export.make_models [--only NAME]... [--model-dir DIR]
        [--mirror URL] [--manifest PATH] [--force] [--exporter torchscript|dynamo]
        [--no-denoise-variants] [--list]

Environment: ``UPSCALER_MODEL_MIRROR`` (a base URL replacing the official
release directory; ``file://`` works) and ``UPSCALER_MODEL_DIR`` (default
``onnx_models``). A model whose file cannot be reached is reported and skipped.

Exit status: 0 when every reachable model is installed (or already was); 1
when a reachable model failed (bad hash, failed check); 2 when, at the end, no
model at all is installed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from torch import nn

from upscaler.catalog.ncnn_format import NcnnFormatError
from upscaler_worker.export.fetch import (
    FetchedFile,
    FetchedNcnn,
    SourceUnavailableError,
    fetch,
    fetch_ncnn,
)
from upscaler_worker.export.install import (
    ExportCheckError,
    Variant,
    export_and_install,
    is_up_to_date,
)
from upscaler_worker.export.manifest import DEFAULT_MANIFEST, Manifest, ModelSpec, load_manifest
from upscaler_worker.export.ncnn_install import install_from_ncnn, pth_vs_ncnn_psnr
from upscaler_worker.export.onnx_export import Exporter
from upscaler_worker.export.weights import (
    StateDict,
    VerificationError,
    check_file_hash,
    interpolate_weights,
    load_network,
    read_state_dict,
    verify,
    verify_ncnn,
)
from upscaler_worker.inference.installed import InstalledModel, read_installed, write_installed

log = logging.getLogger(__name__)


@dataclass
class Report:
    installed: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def say(self, outcome: str, name: str, detail: str = "") -> None:
        getattr(self, outcome.replace(" ", "_").replace("-", "_")).append(name)
        print(f"  {name:<36} {outcome}{': ' + detail if detail else ''}", flush=True)


@dataclass
class _Source:
    """A reachable, verified checkpoint, kept for the denoise variants."""

    spec: ModelSpec
    fetched: FetchedFile
    verification: str
    state: StateDict | None = None

    def load(self) -> StateDict:
        if self.state is None:
            self.state = read_state_dict(self.fetched.path)
        return self.state


def variant_name(base: str, level: str) -> str:
    return f"{base}-denoise-{level}"


def run(
    *,
    model_dir: Path,
    mirror: str | None,
    manifest: Manifest,
    only: list[str] | None = None,
    force: bool = False,
    exporter: Exporter = "torchscript",
    denoise_variants: bool = True,
) -> Report:
    report = Report()
    records = {record.name: record for record in read_installed(model_dir, only_present=False)}
    wanted = _selection(manifest, only)
    cache_dir = model_dir / "cache"
    sources: dict[str, _Source] = {}
    print(f"models -> {model_dir} (source: {mirror or 'official release URLs'})", flush=True)
    for spec in manifest.models:
        if spec.name not in wanted:
            continue
        pth_missing: str | None = None
        try:
            source = _fetch_and_verify(spec, mirror, cache_dir)
        except VerificationError as exc:
            report.say("failed", spec.name, str(exc))
            continue
        except SourceUnavailableError as exc:
            if spec.ncnn is None:
                report.say("unreachable", spec.name, str(exc))
                continue
            source, pth_missing = None, str(exc)
        if source is not None:
            sources[spec.name] = source
            _install_from_pth(
                spec, source, mirror, cache_dir, records, model_dir, force, exporter, report
            )
        else:
            _install_ncnn(
                spec, mirror, cache_dir, records, model_dir, force, exporter, report, pth_missing
            )
    if denoise_variants and manifest.denoise is not None:
        _install_denoise_variants(
            manifest, sources, records, model_dir, wanted, force, exporter, report
        )
    return report


def _install_from_pth(
    spec: ModelSpec,
    source: _Source,
    mirror: str | None,
    cache_dir: Path,
    records: dict[str, InstalledModel],
    model_dir: Path,
    force: bool,
    exporter: Exporter,
    report: Report,
) -> None:
    if not force and is_up_to_date(
        records.get(spec.name), source.fetched.sha256, model_dir, exporter
    ):
        report.say("up to date", spec.name, source.fetched.url)
        return
    try:
        network = load_network(spec, source.load())
        record = export_and_install(
            network,
            spec,
            name=spec.name,
            model_dir=model_dir,
            source_url=source.fetched.url,
            source_sha256=source.fetched.sha256,
            verification=source.verification,
            exporter=exporter,
        )
    except (ExportCheckError, RuntimeError, ValueError) as exc:
        report.say("failed", spec.name, str(exc))
        return
    detail = f"{record.verification}, max abs error {record.parity_max_abs_error:.2e}"
    comparison = _compare_with_ncnn(spec, network, mirror, cache_dir)
    if comparison is not None:
        record = replace(record, extra=record.extra | {"pth_vs_ncnn_psnr_db": round(comparison, 2)})
        detail += f"; its ncnn distribution gives {comparison:.1f} dB against it"
    records[record.name] = record
    write_installed(model_dir, list(records.values()))
    report.say("installed", spec.name, detail)


def _compare_with_ncnn(
    spec: ModelSpec, network: nn.Module, mirror: str | None, cache_dir: Path
) -> float | None:
    """Where both distributions are reachable, how far apart their outputs are."""
    if spec.ncnn is None:
        return None
    try:
        fetched = fetch_ncnn(spec.name, spec.ncnn, mirror, cache_dir)
        verify_ncnn(spec.name, spec.ncnn, fetched)
        return pth_vs_ncnn_psnr(network, fetched.param.path, fetched.bin.path, spec)
    except (SourceUnavailableError, VerificationError, NcnnFormatError) as exc:
        print(f"  {spec.name:<36} (no ncnn comparison: {exc})", flush=True)
        return None


def _install_ncnn(
    spec: ModelSpec,
    mirror: str | None,
    cache_dir: Path,
    records: dict[str, InstalledModel],
    model_dir: Path,
    force: bool,
    exporter: Exporter,
    report: Report,
    pth_missing: str | None,
) -> None:
    assert spec.ncnn is not None
    try:
        fetched: FetchedNcnn = fetch_ncnn(spec.name, spec.ncnn, mirror, cache_dir)
    except SourceUnavailableError as exc:
        report.say("unreachable", spec.name, "; ".join(filter(None, [pth_missing, str(exc)])))
        return
    try:
        verification = verify_ncnn(spec.name, spec.ncnn, fetched)
    except VerificationError as exc:
        report.say("failed", spec.name, str(exc))
        return
    if not force and is_up_to_date(records.get(spec.name), fetched.sha256, model_dir, exporter):
        report.say("up to date", spec.name, fetched.url)
        return
    try:
        record = install_from_ncnn(
            spec, fetched, model_dir=model_dir, verification=verification, exporter=exporter
        )
    except (ExportCheckError, NcnnFormatError, RuntimeError, ValueError) as exc:
        report.say("failed", spec.name, str(exc))
        return
    records[record.name] = record
    write_installed(model_dir, list(records.values()))
    parity = record.extra["ncnn_parity"]
    report.say(
        "installed",
        spec.name,
        f"from ncnn ({record.weights_precision} weights, {verification}); "
        f"vs the ncnn runtime {parity['psnr_db']:.1f} dB, "
        f"max abs error {parity['max_abs_error']:.2e}",
    )


def _selection(manifest: Manifest, only: list[str] | None) -> set[str]:
    if not only:
        return set(manifest.names)
    wanted: set[str] = set()
    for name in only:
        if name in manifest.names:
            wanted.add(name)
            continue
        # A denoise variant needs both of its ingredients.
        if manifest.denoise and name.startswith(manifest.denoise.base + "-denoise-"):
            wanted |= {manifest.denoise.base, manifest.denoise.weak}
            continue
        raise SystemExit(f"unknown model {name!r}; known: {', '.join(manifest.names)}")
    return wanted


def _fetch_and_verify(spec: ModelSpec, mirror: str | None, cache_dir: Path) -> _Source | None:
    """The verified .pth (None for a model distributed as ncnn only).
    SourceUnavailableError: not reachable; VerificationError: not genuine."""
    if spec.url is None:
        return None
    fetched = fetch(spec, mirror, cache_dir)
    source = _Source(spec, fetched, verification="")
    check_file_hash(spec, fetched)
    source.verification = verify(spec, fetched, source.load())
    return source


def _install_denoise_variants(
    manifest: Manifest,
    sources: dict[str, _Source],
    records: dict[str, InstalledModel],
    model_dir: Path,
    wanted: set[str],
    force: bool,
    exporter: Exporter,
    report: Report,
) -> None:
    denoise = manifest.denoise
    assert denoise is not None
    if not {denoise.base, denoise.weak} <= wanted:
        return
    base, weak = sources.get(denoise.base), sources.get(denoise.weak)
    if base is None or weak is None:
        print(
            f"  denoise variants skipped: need both {denoise.base} and {denoise.weak}", flush=True
        )
        return
    combined_sha = f"{base.fetched.sha256}+{weak.fetched.sha256}"
    for level, strength in denoise.levels.items():
        name = variant_name(denoise.base, level)
        record = records.get(name)
        if (
            not force
            and record is not None
            and record.denoise_strength == strength
            and is_up_to_date(record, combined_sha, model_dir, exporter)
        ):
            report.say("up to date", name)
            continue
        state = interpolate_weights(base.load(), weak.load(), strength)
        try:
            record = export_and_install(
                load_network(base.spec, state),
                base.spec,
                name=name,
                model_dir=model_dir,
                source_url=f"{base.fetched.url} + {weak.fetched.url}",
                source_sha256=combined_sha,
                verification=f"{base.verification} / {weak.verification}",
                exporter=exporter,
                variant=Variant(of=denoise.base, level=level, strength=strength),
            )
        except (ExportCheckError, RuntimeError, ValueError) as exc:
            report.say("failed", name, str(exc))
            continue
        records[name] = record
        write_installed(model_dir, list(records.values()))
        report.say(
            "installed", name, f"denoise strength {strength}, max abs error {error_text(record)}"
        )


def error_text(record: InstalledModel) -> str:
    error = record.parity_max_abs_error
    return "n/a" if error is None else f"{error:.2e}"


def _print_list(manifest: Manifest, model_dir: Path) -> None:
    installed = {record.name: record for record in read_installed(model_dir)}
    for spec in manifest.models:
        state = "installed" if spec.name in installed else "not installed"
        print(f"{spec.name:<36} {spec.arch:<16} x{spec.scale}  {state:<14} {spec.sources}")
    for name, record in installed.items():
        if record.variant_of:
            line = f"{name:<36} {record.arch:<16} x{record.scale}  installed"
            print(f"{line}      denoise {record.denoise}")


def _write_int8_copies(model_dir: Path, only: list[str] | None, calibration: Path | None) -> None:
    from upscaler_worker.export.quantize import quantize_int8

    for record in read_installed(model_dir):
        if record.variant_of is None and (not only or record.name in only):
            target = quantize_int8(model_dir / record.file, calibration)
            print(f"  {record.name:<36} int8 copy: {target.name}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="upscaler-models",
        description="Fetch, verify, export to ONNX and install the official models.",
    )
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="only this model (repeatable)"
    )
    parser.add_argument(
        "--model-dir", type=Path, default=Path(os.environ.get("UPSCALER_MODEL_DIR", "onnx_models"))
    )
    parser.add_argument("--mirror", default=os.environ.get("UPSCALER_MODEL_MIRROR") or None)
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help="default: <model-dir>/manifest.json, else the official one (onnx_models/)",
    )
    parser.add_argument("--force", action="store_true", help="export again even when up to date")
    parser.add_argument("--exporter", choices=["torchscript", "dynamo"], default="torchscript")
    parser.add_argument("--no-denoise-variants", action="store_true")
    parser.add_argument(
        "--list", action="store_true", help="show the manifest and what is installed"
    )
    parser.add_argument(
        "--int8",
        action="store_true",
        help="also write an int8 (QDQ) copy of each base model, an engine path the "
        "worker measures against the quality floor (see export/quantize.py)",
    )
    parser.add_argument(
        "--calibration",
        type=Path,
        default=None,
        metavar="DIR",
        help="images to calibrate the int8 copies on (default: synthetic probes)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    manifest_path = args.manifest or (
        args.model_dir / "manifest.json"
        if (args.model_dir / "manifest.json").is_file()
        else DEFAULT_MANIFEST
    )
    manifest = load_manifest(manifest_path)
    if args.list:
        _print_list(manifest, args.model_dir)
        return 0
    report = run(
        model_dir=args.model_dir,
        mirror=args.mirror,
        manifest=manifest,
        only=args.only,
        force=args.force,
        exporter=args.exporter,
        denoise_variants=not args.no_denoise_variants,
    )
    print(
        f"{len(report.installed)} installed, {len(report.up_to_date)} up to date, "
        f"{len(report.unreachable)} unreachable, {len(report.failed)} failed",
        flush=True,
    )
    if report.failed:
        return 1
    if args.int8:
        _write_int8_copies(args.model_dir, args.only, args.calibration)
    if not read_installed(args.model_dir):
        print(
            "no model is installed: set UPSCALER_MODEL_MIRROR or check the network", file=sys.stderr
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
