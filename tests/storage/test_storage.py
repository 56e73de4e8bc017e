import asyncio
from pathlib import Path

import pytest

from upscaler.storage import ObjectNotFoundError, new_key
from upscaler.storage.base import InvalidKeyError, validate_key
from upscaler.storage.local import LocalStorage


def test_new_keys_are_random_and_valid() -> None:
    keys = {new_key("results", "png") for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert key.startswith("results/") and key.endswith(".png")
        assert validate_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "results/../../x",
        "/abs/path",
        "results/a/../b",
        "results",
        "",
        "a//b",
        "results/x.png/../y",
        "results/\x00",
        ".tmp/abc",
    ],
)
def test_path_traversal_is_refused(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path)
    with pytest.raises(InvalidKeyError):
        asyncio.run(storage.put_bytes(key, b"x", "text/plain"))


async def test_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    key = new_key("originals", "jpg")
    stored = await storage.put_bytes(key, b"hello" * 1000, "image/jpeg")
    assert stored.size_bytes == 5000
    assert await storage.exists(key)
    assert await storage.size(key) == 5000
    chunks = [chunk async for chunk in storage.stream(key, chunk_size=1024)]
    assert b"".join(chunks) == b"hello" * 1000
    assert len(chunks) == 5
    copy = tmp_path / "copy"
    await storage.download_to(key, copy)
    assert copy.read_bytes() == b"hello" * 1000
    await storage.delete(key)
    assert not await storage.exists(key)
    with pytest.raises(ObjectNotFoundError):
        await storage.size(key)
    await storage.delete(key)  # deleting twice is fine


async def test_a_download_is_the_stored_file_by_another_name_or_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where both lie on one filesystem no byte moves (a second name for the
    file); removing the worker's name, or storing the key anew, leaves the
    other intact. Across filesystems (link refused) the bytes are copied."""
    storage = LocalStorage(tmp_path / "store")
    key = new_key("originals", "png")
    await storage.put_bytes(key, b"first" * 100, "image/png")
    linked = tmp_path / "work" / "original"
    linked.parent.mkdir()
    await storage.download_to(key, linked)
    assert linked.stat().st_nlink == 2 and linked.read_bytes() == b"first" * 100
    await storage.put_bytes(key, b"second", "image/png")  # renamed over the old name
    assert linked.read_bytes() == b"first" * 100
    linked.unlink()
    assert b"".join([chunk async for chunk in storage.stream(key)]) == b"second"

    def another_filesystem(source: object, destination: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr("upscaler.storage.local.os.link", another_filesystem)
    copied = tmp_path / "work" / "copied"
    await storage.download_to(key, copied)
    assert copied.stat().st_nlink == 1 and copied.read_bytes() == b"second"


async def test_put_file_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that dies half-way leaves nothing visible under the key."""
    storage = LocalStorage(tmp_path / "store")
    source = tmp_path / "big.bin"
    source.write_bytes(b"y" * (3 * 1024 * 1024))
    key = new_key("results", "png")

    import shutil

    def broken_copy(src: object, dst: object, length: int = 0) -> None:
        dst.write(b"partial")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(shutil, "copyfileobj", broken_copy)
    with pytest.raises(OSError, match="disk full"):
        await storage.put_file(key, source, "image/png")
    assert not await storage.exists(key)
    assert list((tmp_path / "store" / ".tmp").iterdir()) == []  # no staging debris


async def test_usage_and_free_space(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    await storage.put_bytes(new_key("results", "png"), b"z" * 4096, "image/png")
    assert await storage.usage_bytes() == 4096
    free = await storage.free_space_percent()
    assert free is not None and 0 <= free <= 100


async def test_put_file_copies_unless_told_to_move(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    source = tmp_path / "result.png"
    source.write_bytes(b"r" * 5000)
    kept = new_key("results", "png")
    await storage.put_file(kept, source, "image/png")
    assert source.read_bytes() == b"r" * 5000  # a copy: the caller's file stays

    moved = new_key("results", "png")
    stored = await storage.put_file(moved, source, "image/png", move=True)
    assert stored.size_bytes == 5000
    assert not source.exists()  # renamed into place, not copied
    assert b"".join([chunk async for chunk in storage.stream(moved)]) == b"r" * 5000
    assert b"".join([chunk async for chunk in storage.stream(kept)]) == b"r" * 5000


async def test_a_move_across_filesystems_copies(tmp_path: Path) -> None:
    """A file on another filesystem cannot be renamed in: it is copied, and
    left where it was for its owner to remove."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on a filesystem of its own")
    storage = LocalStorage(tmp_path / "store")
    source = shm / f"upscaler-test-{new_key('x', 'bin').split('/')[-1]}"
    source.write_bytes(b"s" * 3000)
    try:
        key = new_key("results", "png")
        assert (await storage.put_file(key, source, "image/png", move=True)).size_bytes == 3000
        assert await storage.size(key) == 3000
        assert source.exists()
    finally:
        source.unlink(missing_ok=True)
