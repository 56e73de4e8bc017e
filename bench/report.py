"""The benchmark's verdicts against the targets, and its markdown table."""

from __future__ import annotations

from typing import Any

from bench.measure import SizeResult
from bench.rss import RssResult

PEAK_TARGET = 0.80
EAGER_TARGET = 0.75
E2E_TARGET = 1.15
GIB = 1 << 30


def verdicts(
    sizes: list[SizeResult], rss_results: dict[str, RssResult], end_to_end: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One line per target and measurement: what was measured, the limit, pass/fail."""
    lines: list[dict[str, Any]] = []

    def add(target: str, subject: str, value: float, limit: float, passed: bool) -> None:
        lines.append(
            {"target": target, "subject": subject, "value": value, "limit": limit, "pass": passed}
        )

    for size in sizes:
        subject = f"{size.model} {size.width}x{size.height}"
        add(
            "ORT CPU >= 0.80 of matmul peak",
            subject,
            size.peak_fraction,
            PEAK_TARGET,
            size.peak_fraction >= PEAK_TARGET,
        )
        ratio = size.ort_vs_eager
        if ratio is not None:
            add("ORT <= 0.75 x PyTorch eager", subject, ratio, EAGER_TARGET, ratio <= EAGER_TARGET)
        tiled = size.tiled_ratio
        if tiled is not None and size.tiled_bound is not None:
            add(
                "tiled <= 1.05 (1 + 2 overlap/tile)^2 x untiled",
                subject,
                tiled,
                size.tiled_bound,
                tiled <= size.tiled_bound,
            )
    for name, result in rss_results.items():
        add(
            f"peak RSS {result.width // 4}x{result.height // 4} at 4x <= 2 x output + 1 GiB",
            name.rsplit(" ", 1)[0]
            if name.endswith(f" {result.width // 4}x{result.height // 4}")
            else name,
            result.peak_rss_bytes / GIB,
            result.limit_bytes / GIB,
            result.peak_rss_bytes <= result.limit_bytes,
        )
    if end_to_end is not None:
        # Measured in turns with the jobs where it could be (same conditions).
        model_only = end_to_end.get("model_only_seconds") or model_only_512(
            sizes, end_to_end["model"]
        )
        if model_only:
            ratio = end_to_end["seconds"] / model_only
            add(
                "end-to-end 512x512 <= 1.15 x model-only",
                end_to_end["model"],
                ratio,
                E2E_TARGET,
                ratio <= E2E_TARGET,
            )
    return lines


def model_only_512(sizes: list[SizeResult], model: str) -> float | None:
    """The engine's model-only time at 512x512 for ``model``; when the service
    names no model the engine measured (its default), the only one measured."""
    at_512 = [s for s in sizes if (s.height, s.width) == (512, 512)]
    named = [s for s in at_512 if s.model == model]
    if named:
        return named[0].ort_seconds
    return at_512[0].ort_seconds if len({s.model for s in at_512}) == 1 else None


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def markdown(document: dict[str, Any]) -> str:
    out = [*_header(document), *_size_table(document["sizes"]), *_rss_table(document["rss"])]
    if document.get("end_to_end") is not None or not document.get("overheads"):
        out += ["", "End-to-end (upload -> completed) vs model-only, 512x512: " + _e2e(document)]
    out += ["", "## Targets", "", "| target | subject | measured | limit | result |"]
    out.append("|---|---|---|---|---|")
    for line in document["verdicts"]:
        verdict = "PASS" if line["pass"] else "FAIL"
        out.append(
            f"| {line['target']} | {line['subject']} | {line['value']:.2f} "
            f"| {line['limit']:.2f} | {verdict} |"
        )
    if document["notes"]:
        out += ["", *(f"- {note}" for note in document["notes"])]
    return "\n".join(out) + "\n"


def _header(document: dict[str, Any]) -> list[str]:
    machine = document["machine"]
    peak = document["peak_gflops"]
    providers = ", ".join(f"{k}: {v}" for k, v in document["providers"].items())
    extensions = machine.get("cpu_extensions") or {}
    flags = ", ".join(f"{label} {'yes' if on else 'no'}" for label, on in extensions.items())
    return [
        "# Inference benchmark",
        "",
        f"CPU: {machine.get('cpu_model', machine['processor'])}; {flags or 'flags unknown'}. "
        f"Every contender (ONNX Runtime, ncnn, PyTorch) runs "
        f"{machine.get('threads', machine['physical_cores'])} threads.",
        "",
        f"{machine['processor']}, {machine['physical_cores']} physical cores, "
        f"{machine['platform']}; load average {machine['load_average_start']:.2f} at start, "
        f"{machine['load_average_end']:.2f} at end (other work on the machine slows every "
        "figure; each is the best of several runs). "
        f"Measured fp32 matmul peak: {peak['gflops']:.0f} GFLOP/s (numpy "
        f"{peak['numpy_gflops']:.0f}, PyTorch {peak['torch_gflops'] or 0:.0f}). "
        f"Providers: {providers}. {document['when']}.",
        "",
    ]


def _size_table(sizes: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| model | input (timed runs) | ORT model-only s | ncnn s | PyTorch eager s "
        "| PyTorch channels-last s | ORT / ncnn | ORT / eager | ORT GFLOP/s "
        "| % of peak: ORT / ncnn / eager | pipeline untiled s | pipeline tiled s "
        "| tiled / untiled (limit) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        ratio = "-" if size["ort_vs_eager"] is None else f"{size['ort_vs_eager']:.2f}"
        vs_ncnn = "-" if size.get("ort_vs_ncnn") is None else f"{size['ort_vs_ncnn']:.2f}"
        tiled = size["tiled_plan"] or "-"
        if size["tiled_ratio"] is not None:
            tiled = f"{size['tiled_ratio']:.2f} ({size['tiled_bound']:.2f}; {size['tiled_plan']})"
        shares = " / ".join(
            "-" if share is None else f"{100 * share:.0f}%"
            for share in (
                size["peak_fraction"],
                size.get("ncnn_peak_fraction"),
                size.get("eager_peak_fraction"),
            )
        )
        asked = f", asked {size['requested']}" if size.get("requested") else ""
        cells = [
            size["model"],
            f"{size['width']}x{size['height']} ({size['plan']}{asked}; {size.get('repeats', '?')})",
            _s(size["ort_seconds"]),
            _s(size.get("ncnn_seconds")),
            _s(size["torch_eager_seconds"]),
            _s(size["torch_channels_last_seconds"]),
            vs_ncnn,
            ratio,
            f"{size['gflops']:.0f}",
            shares,
            _s(size["pipeline_untiled_seconds"]),
            _s(size["pipeline_tiled_seconds"]),
            tiled,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _rss_table(results: dict[str, dict[str, Any]]) -> list[str]:
    if not results:
        return []
    lines = [
        "",
        "| model | input at 4x | peak RSS | limit (2 x output + 1 GiB) | time | tiles |",
        "|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        tile_h, tile_w = result["tile_shape"]
        cells = [
            name,
            f"{result['width'] // 4}x{result['height'] // 4} -> "
            f"{result['width']}x{result['height']}, output "
            f"{result['output_array_bytes'] / GIB:.2f} GiB",
            f"{result['peak_rss_bytes'] / GIB:.2f} GiB",
            f"{result['limit_bytes'] / GIB:.2f} GiB",
            f"{result['seconds']:.1f} s",
            f"{result['tiles']} of {tile_h}x{tile_w}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _e2e(document: dict[str, Any]) -> str:
    measured = document["end_to_end"]
    if measured is None:
        return "not measured."
    text = f"{measured['seconds']:.3f} s end to end with {measured['model']}"
    if measured.get("model_only_seconds"):
        text += f", {measured['model_only_seconds']:.3f} s model-only in turns with the jobs"
    return text + f" ({measured['detail']})." if measured.get("detail") else text + "."
