"""`upscaler`: upscale files and folders from a terminal.

    upscaler up photos/ --factor 4x --preset photo --out big/
    upscaler up scan.png --local            # no server: the engine in-process
    upscaler jobs | upscaler status JOB | upscaler cancel JOB

Exit codes: 0 every file has its result; 1 a file failed (see the table);
2 bad arguments or the server cannot be reached; 130 interrupted (rerun to
continue: finished results are kept, nothing is left half-written).
"""

from __future__ import annotations

import json
import queue
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, Protocol

import httpx
import typer
from rich.console import Console
from rich.table import Table
from upscaler_client import AuthenticatedClient, Client
from upscaler_client.api.admin import admin_get_jobs
from upscaler_client.api.jobs import cancel_job, get_job
from upscaler_client.models import (
    CreateUploadBodyFit,
    CreateUploadBodyPrintSize,
    Denoise,
    ErrorResponse,
    Factor,
    JobOut,
    OutputFormat,
    Preset,
)

from upscaler_cli import history
from upscaler_cli.bars import FileBar, make_progress, overall_bar
from upscaler_cli.files import InputError, Item, find_images, plan
from upscaler_cli.ledger import Ledger
from upscaler_cli.outcome import Outcome, Result, as_json, exit_code, outcome_for, print_summary
from upscaler_cli.remote import JobRequest, RemoteRun, RunInterruptedError, ServerError

DEFAULT_SERVER = "http://127.0.0.1:8000"
#: Seconds an interrupted run waits for its files to stop cleanly.
STOP_GRACE_SECONDS = 5.0

app = typer.Typer(
    help="Upscale images 2x or 4x with ImageUpscalerPro.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Server = Annotated[
    str, typer.Option("--server", envvar="UPSCALER_SERVER", help="The service's base URL.")
]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="UPSCALER_TOKEN", help="Bearer token (admin commands)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts, no bars.")]


class Runner(Protocol):
    def run(self, item: Item, bar: FileBar) -> Outcome: ...


TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def make_client(server: str) -> Client:
    return Client(base_url=server, timeout=TIMEOUT)


def make_admin_client(server: str, token: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=server, token=token, timeout=TIMEOUT)


def fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/] {message}")
    return typer.Exit(code)


@app.command()
def up(
    paths: Annotated[
        list[Path], typer.Argument(help="Image files and folders (searched recursively).")
    ],
    factor: Annotated[
        Factor | None, typer.Option(help="2x or 4x (default 4x unless a size is given).")
    ] = None,
    width: Annotated[int | None, typer.Option(min=1, help="Exact result width (pixels).")] = None,
    height: Annotated[int | None, typer.Option(min=1, help="Exact result height (pixels).")] = None,
    fit: Annotated[
        CreateUploadBodyFit, typer.Option(help="With both sizes: inside, or filled and cropped.")
    ] = CreateUploadBodyFit("contain"),
    print_size: Annotated[
        CreateUploadBodyPrintSize | None, typer.Option("--print", help="A paper size at --dpi.")
    ] = None,
    dpi: Annotated[int | None, typer.Option(min=30, max=2400, help="Dots per inch.")] = None,
    preset: Annotated[Preset, typer.Option(help="What the images are.")] = Preset("standard"),
    denoise: Annotated[Denoise, typer.Option(help="Noise reduction.")] = Denoise("none"),
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Result format.")
    ] = OutputFormat("png"),
    quality: Annotated[int, typer.Option(min=1, max=100, help="JPEG/WebP quality.")] = 92,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where results go.")] = Path("upscaled"),
    server: Server = DEFAULT_SERVER,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-j", min=1, max=16, help="Files at once.")
    ] = 2,
    overwrite: Annotated[bool, typer.Option(help="Redo files whose result exists.")] = False,
    local: Annotated[bool, typer.Option(help="Run the engine here, no server.")] = False,
    model: Annotated[str | None, typer.Option(help="With --local: a model by name.")] = None,
    model_dir: Annotated[
        Path, typer.Option(envvar="UPSCALER_MODEL_DIR", help="With --local: installed models.")
    ] = Path("onnx_models"),
    json_output: AsJson = False,
) -> None:
    """Upscale FILES and FOLDERS into --out, keeping the folder structure.

    Results already in --out are skipped; an interrupted run continues where it
    stopped when run again (jobs already uploaded are followed, not redone)."""
    console = Console(stderr=json_output)
    try:
        items = plan(find_images(paths), out, output_format.value)
    except InputError as error:
        raise fail(str(error)) from None
    if not items:
        raise fail("no images found (JPEG, PNG, WebP, TIFF, BMP)")
    sized = width is not None or height is not None or print_size is not None
    if sized and factor is not None:
        raise fail("give --factor or a size (--width/--height/--print), not both")
    request = JobRequest(
        None if sized else (factor or Factor("4x")).value,
        preset.value,
        denoise.value,
        output_format.value,
        quality,
        width=width,
        height=height,
        fit=fit.value,
        print_size=print_size.value if print_size else None,
        dpi=dpi,
    )
    stop = threading.Event()
    runner: Runner
    if local:
        from upscaler_cli.local import LocalRun, ModelChoiceError

        try:
            runner = LocalRun(model_dir, model, request, stop)
        except (ModelChoiceError, FileNotFoundError) as error:
            raise fail(str(error)) from None
        concurrency = 1  # one image already uses every core
    else:
        remote = RemoteRun(make_client(server), server, request, Ledger(out), stop)
        remote.on_job = lambda job_id, item: history.remember(server, job_id, item.image.source)
        runner = remote
    todo = [item for item in items if overwrite or not item.target.exists()]
    skipped = [outcome_for(item, Result.SKIPPED) for item in items if item not in todo]
    enabled = bool(todo) and not json_output and console.is_terminal
    outcomes = run_all(runner, todo, concurrency, stop, console, enabled=enabled)
    done = skipped + outcomes
    done.sort(key=lambda o: o.source)
    if json_output:
        typer.echo(as_json(done))
    else:
        print_summary(console, done)
    if len(outcomes) < len(todo):
        console.print("[yellow]interrupted:[/] run the same command again to continue")
        raise typer.Exit(130)
    raise typer.Exit(exit_code(done))


def run_all(
    runner: Runner,
    items: Sequence[Item],
    concurrency: int,
    stop: threading.Event,
    console: Console,
    *,
    enabled: bool,
) -> list[Outcome]:
    """Run `items` on `concurrency` threads; Ctrl-C (or SIGTERM) stops them
    between chunks and returns what finished."""
    pending: queue.SimpleQueue[Item] = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    with make_progress(console, enabled=enabled) as progress:
        overall = overall_bar(progress, len(items))

        def work() -> None:
            while not stop.is_set():
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    return
                bar = FileBar(progress, item.image.relative.as_posix())
                try:
                    outcome = runner.run(item, bar)
                except RunInterruptedError:
                    return
                except (ServerError, httpx.HTTPError, OSError) as error:
                    outcome = outcome_for(
                        item,
                        Result.FAILED,
                        error=str(error),
                    )
                with lock:
                    outcomes.append(outcome)
                    progress.update(overall, advance=1, stage=f"{len(outcomes)}/{len(items)}")

        threads = [threading.Thread(target=work, daemon=True) for _ in range(concurrency)]
        with stop_on_signals(stop):
            for thread in threads:
                thread.start()
            try:
                for thread in threads:
                    while thread.is_alive():
                        thread.join(0.2)
            except KeyboardInterrupt:
                stop.set()
                for thread in threads:
                    thread.join(STOP_GRACE_SECONDS)
    return outcomes


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM stops the run the way Ctrl-C does."""

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command()
def status(
    job_id: Annotated[str, typer.Argument(help="A job id (job_...).")],
    server: Server = DEFAULT_SERVER,
    json_output: AsJson = False,
) -> None:
    """One job: status, progress, model, result."""
    job = _get(make_client(server), job_id)
    if json_output:
        typer.echo(json.dumps(job.to_dict(), indent=2))
        return
    table = Table(show_header=False, title=job.job_id)
    rows: dict[str, Any] = {
        "status": job.status.value,
        "progress": f"{job.progress} %",
        "file": f"{job.original.filename} ({job.original.width}x{job.original.height})",
        "model": job.model or "",
        "created": job.created_at.isoformat(timespec="seconds"),
        "error": job.error or "",
    }
    if job.result:
        rows["result"] = f"{job.result.width}x{job.result.height} {job.result.mime_type}"
    for key, value in rows.items():
        if value:
            table.add_row(key, str(value))
    Console().print(table)


@app.command()
def cancel(
    job_id: Annotated[str, typer.Argument(help="A job id (job_...).")],
    server: Server = DEFAULT_SERVER,
    json_output: AsJson = False,
) -> None:
    """Cancel a queued or running job."""
    response = _call(lambda: cancel_job.sync_detailed(job_id, client=make_client(server)))
    if isinstance(response.parsed, ErrorResponse):
        raise fail(response.parsed.error.message, 1)
    assert isinstance(response.parsed, JobOut)
    if json_output:
        typer.echo(json.dumps(response.parsed.to_dict(), indent=2))
    else:
        Console().print(f"{job_id}: {response.parsed.status.value}")


@app.command()
def jobs(
    server: Server = DEFAULT_SERVER,
    token: Token = None,
    all_jobs: Annotated[
        bool, typer.Option("--all", help="Every job on the server (needs an admin --token).")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many.")] = 20,
    json_output: AsJson = False,
) -> None:
    """The jobs `upscaler up` started from here (newest first), or with --all
    and an admin token every job on the server."""
    rows: list[dict[str, Any]] = []
    if all_jobs:
        if not token:
            raise fail("--all needs an admin bearer token (--token or UPSCALER_TOKEN)")
        client = make_admin_client(server, token)
        response = _call(lambda: admin_get_jobs.sync_detailed(client=client, per_page=limit))
        if isinstance(response.parsed, ErrorResponse):
            raise fail(response.parsed.error.message, 1)
        if response.parsed is None:
            raise fail(f"the server answered {response.status_code}", 1)
        for job in response.parsed.items:
            rows.append(
                {
                    "job_id": job.job_id,
                    "status": job.status.value,
                    "progress": job.progress,
                    "model": job.model,
                    "file": job.filename,
                }
            )
    else:
        public = make_client(server)
        for entry in history.recent(server, limit):
            known = _call(lambda e=entry: get_job.sync_detailed(e.job_id, client=public)).parsed
            if isinstance(known, JobOut):
                rows.append(
                    {
                        "job_id": known.job_id,
                        "status": known.status.value,
                        "progress": known.progress,
                        "model": known.model,
                        "file": entry.file,
                    }
                )
            else:
                rows.append({"job_id": entry.job_id, "status": "gone", "file": entry.file})
    if json_output:
        typer.echo(json.dumps(rows, indent=2))
        return
    columns = ("job_id", "status", "progress", "model", "file")
    table = Table(title=f"jobs on {server}")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(column) is None else str(row[column]) for column in columns))
    Console().print(table)


def _get(client: Client, job_id: str) -> JobOut:
    response = _call(lambda: get_job.sync_detailed(job_id, client=client))
    if isinstance(response.parsed, JobOut):
        return response.parsed
    if isinstance(response.parsed, ErrorResponse):
        raise fail(response.parsed.error.message, 1)
    raise fail(f"the server answered {response.status_code}", 1)


def _call(request: Any) -> Any:
    try:
        return request()
    except httpx.HTTPError as error:
        raise fail(f"cannot reach the server: {error}") from None


def main() -> None:
    app()


if __name__ == "__main__":
    main()
