"""Progress bars: one per file (upload bytes, then job progress, then download
bytes) and one for the whole run. Silent when output is not a terminal or
`--json` asked for a document."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)


def make_progress(console: Console, *, enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}", justify="left"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled,
        transient=False,
    )


class FileBar:
    """The bar of one file; each stage restarts it with its own total."""

    def __init__(self, progress: Progress, name: str) -> None:
        self.progress = progress
        self.task: TaskID = progress.add_task(name, total=1, stage="waiting")

    def stage(self, text: str, total: float) -> None:
        self.progress.reset(self.task, total=total, completed=0, stage=text)

    def advance_to(self, completed: float, text: str | None = None) -> None:
        if text is None:
            self.progress.update(self.task, completed=completed)
        else:
            self.progress.update(self.task, completed=completed, stage=text)

    def finish(self, text: str) -> None:
        task = next(task for task in self.progress.tasks if task.id == self.task)
        self.progress.update(self.task, completed=task.total or 1, stage=text)


def overall_bar(progress: Progress, total: int) -> TaskID:
    return progress.add_task("[bold]all files", total=total, stage=f"0/{total}")
