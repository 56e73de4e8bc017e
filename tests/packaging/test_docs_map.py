"""docs/development.md's map matches the tree: every package and top-level
module of src/ has a row, and every path and module a row names exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "development.md"
CODE = re.compile(r"`([^`\s]+)`")


def rows() -> list[tuple[list[str], list[str]]]:
    """(paths of the first column, code names of the second) for each map row."""
    found = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        found.append((CODE.findall(cells[0]), CODE.findall(cells[1])))
    return found


def mapped_paths() -> list[str]:
    return [path.rstrip("/") for paths, _ in rows() for path in paths]


def test_every_path_the_map_names_exists() -> None:
    missing = [path for path in mapped_paths() if not (REPO / path).exists()]
    assert not missing, f"docs/development.md names paths that do not exist: {missing}"


def test_every_module_a_row_describes_exists_under_it() -> None:
    missing = []
    for paths, names in rows():
        bases = [REPO / p for p in paths]
        folders = [b if b.is_dir() else b.parent for b in bases]
        for name in names:
            if not name.endswith(".py") or ("/" in name and (REPO / name).exists()):
                continue
            if not any(list(folder.rglob(Path(name).name)) for folder in folders):
                missing.append(f"{name} (row {paths[0]})")
    assert not missing, f"modules named in docs/development.md not found: {missing}"


def test_every_package_and_top_level_module_has_a_row() -> None:
    covered = set(mapped_paths())
    unmapped = []
    for root in ("src/upscaler", "src/upscaler_worker"):
        for child in sorted((REPO / root).iterdir()):
            relative = f"{root}/{child.name}"
            is_package = child.is_dir() and (child / "__init__.py").exists()
            is_module = child.suffix == ".py" and child.name != "__init__.py"
            if (is_package or is_module) and relative not in covered:
                unmapped.append(relative)
    assert not unmapped, f"no row in docs/development.md for: {unmapped}"
