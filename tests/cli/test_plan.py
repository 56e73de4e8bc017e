"""The CLI's pure parts: which files a run covers, where results go, the
event-stream reader and the resume ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from upscaler_cli.events import parse_events
from upscaler_cli.files import InputError, find_images, plan
from upscaler_cli.ledger import Ledger, fingerprint


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_folders_keep_their_structure_and_skip_hidden_and_other_files(tmp_path: Path) -> None:
    root = tmp_path / "in"
    touch(root / "a.jpg")
    touch(root / "deep" / "b.PNG")
    touch(root / "deep" / "c.bmp")
    touch(root / "notes.txt")
    touch(root / ".hidden" / "d.png")
    touch(root / ".e.partial.png")
    single = touch(tmp_path / "single.webp")
    items = plan(find_images([root, single]), tmp_path / "out", "png")
    assert [
        (i.image.relative.as_posix(), i.target.relative_to(tmp_path).as_posix()) for i in items
    ] == [
        ("a.jpg", "out/a.png"),
        ("deep/b.PNG", "out/deep/b.png"),
        ("deep/c.bmp", "out/deep/c.png"),
        ("single.webp", "out/single.png"),
    ]
    # the partial file is hidden beside the result, with the result's extension
    assert items[0].partial == tmp_path / "out" / ".a.partial.png"


def test_same_format_follows_the_source(tmp_path: Path) -> None:
    sources = [touch(tmp_path / name) for name in ("p.jpeg", "q.tif", "r.bmp", "s.webp")]
    targets = [i.target.name for i in plan(find_images(sources), tmp_path / "o", "same")]
    assert targets == ["p.jpg", "q.tiff", "r.png", "s.webp"]  # BMP is sent as PNG


def test_clashes_and_missing_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        find_images([tmp_path / "absent"])
    one, two = touch(tmp_path / "x" / "p.jpg"), touch(tmp_path / "y" / "p.png")
    with pytest.raises(InputError, match="both be written"):
        plan(find_images([one, two]), tmp_path / "o", "png")
    with pytest.raises(InputError, match="overwrite"):
        plan(find_images([two]), tmp_path / "y", "png")


def test_event_stream_reader() -> None:
    lines = [
        "retry: 3000",
        "",
        "event: state",
        "id: 1",
        'data: {"status":"queued","progress":0}',
        "",
        ": keep-alive",
        "",
        "event: progress",
        'data: {"progress":40,',
        'data: "stage":"tiles"}',
        "",
    ]
    events = list(parse_events(lines))
    assert [(e.kind, e.data) for e in events] == [
        ("state", {"status": "queued", "progress": 0}),
        ("progress", {"progress": 40, "stage": "tiles"}),
    ]


def test_the_ledger_survives_a_restart_and_notices_changes(tmp_path: Path) -> None:
    source = touch(tmp_path / "a.png", b"one")
    asked = fingerprint(source, factor="2x")
    Ledger(tmp_path / "out").record("a.png", asked, "job_1")
    again = Ledger(tmp_path / "out")
    assert again.job_for("a.png", asked) == "job_1"
    assert again.job_for("a.png", fingerprint(source, factor="4x")) is None
    source.write_bytes(b"two")
    assert again.job_for("a.png", fingerprint(source, factor="2x")) is None
    again.forget("a.png")
    assert Ledger(tmp_path / "out").job_for("a.png", asked) is None
