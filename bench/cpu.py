"""The CPU's model and the vector/matrix extensions the figures depend on."""

from __future__ import annotations

import platform
from pathlib import Path

#: (label, any of these /proc/cpuinfo flags)
EXTENSIONS = (
    ("FMA", ("fma",)),
    ("F16C", ("f16c",)),
    ("AVX2", ("avx2",)),
    ("AVX-512F", ("avx512f",)),
    ("AVX-512 VNNI", ("avx512_vnni",)),
    ("AVX-512 BF16", ("avx512_bf16",)),
    ("AVX-512 FP16", ("avx512_fp16",)),
    ("AMX", ("amx_tile", "amx_bf16", "amx_int8")),
)


def cpu_summary(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, object]:
    """{"model": ..., "extensions": {"AVX2": True, ...}} from /proc/cpuinfo
    (empty extensions off Linux)."""
    model: str = platform.processor() or platform.machine()
    flags: set[str] = set()
    try:
        text = cpuinfo.read_text(encoding="ascii", errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            model = value.strip()
        elif key.strip() == "flags" and not flags:
            flags = set(value.split())
    return {
        "model": model,
        "extensions": {label: bool(flags & set(names)) for label, names in EXTENSIONS}
        if flags
        else {},
    }


def flags_line(summary: dict[str, object]) -> str:
    extensions = summary.get("extensions") or {}
    assert isinstance(extensions, dict)
    marks = ", ".join(f"{label} {'yes' if on else 'no'}" for label, on in extensions.items())
    return f"{summary['model']}: {marks or 'extensions unknown'}"
