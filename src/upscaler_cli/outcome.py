"""What happened to each file, and the summary printed at the end."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from upscaler_cli.files import Item


class Result(StrEnum):
    DONE = "done"  # upscaled in this run
    SKIPPED = "skipped"  # the result was already there
    FAILED = "failed"  # refused at upload, or the job failed
    CANCELED = "canceled"


@dataclass
class Outcome:
    #: The file as the summary names it: its path below the folder it was found in.
    name: str
    source: str
    target: str
    result: Result
    job_id: str | None = None
    error: str | None = None
    model: str | None = None
    width: int | None = None
    height: int | None = None
    seconds: float | None = None


def outcome_for(item: Item, result: Result, **details: Any) -> Outcome:
    return Outcome(
        item.image.relative.as_posix(), str(item.image.source), str(item.target), result, **details
    )


def exit_code(outcomes: Sequence[Outcome]) -> int:
    """0 when every file has its result; 1 when any failed or was canceled."""
    return 0 if all(o.result in (Result.DONE, Result.SKIPPED) for o in outcomes) else 1


def print_summary(console: Console, outcomes: Sequence[Outcome]) -> None:
    table = Table(title="upscaler up", show_lines=False)
    for column in ("file", "result", "size", "model", "seconds", "job / error"):
        table.add_column(column, overflow="fold")
    styles = {Result.DONE: "green", Result.SKIPPED: "dim", Result.FAILED: "red"}
    for o in outcomes:
        size = f"{o.width}x{o.height}" if o.width and o.height else ""
        seconds = f"{o.seconds:.1f}" if o.seconds is not None else ""
        detail = o.error or o.job_id or ""
        style = styles.get(o.result, "yellow")
        table.add_row(o.name, f"[{style}]{o.result}[/]", size, o.model or "", seconds, detail)
    console.print(table)
    counts = {kind: sum(1 for o in outcomes if o.result == kind) for kind in Result}
    console.print(", ".join(f"{count} {kind}" for kind, count in counts.items() if count))


def as_json(outcomes: Sequence[Outcome]) -> str:
    return json.dumps(
        {"exit_code": exit_code(outcomes), "files": [asdict(o) for o in outcomes]}, indent=2
    )
