"""The README documents every setting and every make target it promises."""

from __future__ import annotations

import re
from pathlib import Path

from upscaler.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [
        f"UPSCALER_{name.upper()}"
        for name in Settings.model_fields
        if f"UPSCALER_{name.upper()}" not in README
    ]
    assert not missing, f"README lacks {missing}"


def test_documented_make_targets_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))
    mentioned = set(re.findall(r"`make ([a-z-]+)", README))
    assert mentioned <= targets, f"README names missing targets: {mentioned - targets}"
    assert {"run", "test"} <= mentioned


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
