"""The batch archive module: inspecting and unpacking uploaded ZIPs, streaming
result ZIPs. Every archive is built here with zipfile (and, where a header must
lie, patched byte by byte)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import random
import shutil
import stat
import struct
import subprocess
import time
import tracemalloc
import unicodedata
import zipfile
import zlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from upscaler.batches.archive import (
    ArchiveRefused,
    ZipEntry,
    ZipLimits,
    ZipMember,
    extract_entry,
    inspect_zip,
    safe_member_name,
    stream_zip,
)

MIB = 1024 * 1024
MB = 1_000_000
PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10
WHEN = datetime(2024, 5, 17, 12, 30, 44, tzinfo=UTC)


def make_zip(
    path: Path,
    entries: Iterable[tuple[str | zipfile.ZipInfo, bytes]],
    compression: int = zipfile.ZIP_STORED,
) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def patch_central_directory(path: Path, offset: int, fmt: str, value: int) -> None:
    """Overwrite one field of the (single) central directory record."""
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x01\x02")
    struct.pack_into(fmt, data, at + offset, value)
    path.write_bytes(bytes(data))


def refusal(path: Path, limits: ZipLimits | None = None) -> str:
    with pytest.raises(ArchiveRefused) as caught:
        inspect_zip(path, limits or ZipLimits())
    assert caught.value.message
    return caught.value.code


# -- inspect_zip: what is accepted --------------------------------------------


def test_images_are_listed_with_normalised_names_and_declared_sizes(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "in.zip",
        [("holiday/a.png", PNG), ("./b.JPG", b"j" * 300), ("c\\d.webp", b"w"), ("e.TIFF", b"t")],
        zipfile.ZIP_DEFLATED,
    )
    entries = inspect_zip(path, ZipLimits())
    assert [(e.name, e.size, e.skipped_reason) for e in entries] == [
        ("holiday/a.png", len(PNG), None),
        ("b.JPG", 300, None),
        ("c/d.webp", 1, None),
        ("e.TIFF", 1, None),
    ]
    assert entries[0].info.filename == "holiday/a.png"


def test_non_images_are_reported_as_skipped_not_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "in.zip", [("a.png", PNG), ("notes.txt", b"hi"), ("raw.cr2", b"x")])
    entries = inspect_zip(path, ZipLimits())
    assert {e.name: e.skipped_reason for e in entries} == {
        "a.png": None,
        "notes.txt": "not an image",
        "raw.cr2": "not an image",
    }


def test_folders_and_operating_system_clutter_are_dropped(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "in.zip",
        [
            ("photos/", b""),
            ("photos/a.png", PNG),
            ("__MACOSX/photos/._a.png", b"apple double"),
            ("photos/._a.png", b"apple double"),
            ("photos/.DS_Store", b"finder"),
            ("photos/Thumbs.db", b"explorer"),
        ],
    )
    assert [e.name for e in inspect_zip(path, ZipLimits())] == ["photos/a.png"]


def test_an_entry_with_a_compression_method_zipfile_cannot_read_is_skipped(
    tmp_path: Path,
) -> None:
    path = make_zip(tmp_path / "in.zip", [("a.png", PNG)])
    make_zip(tmp_path / "two.zip", [("a.png", PNG), ("b.png", PNG)])
    patch_central_directory(path, 10, "<H", 9)  # Deflate64, as Windows writes big files
    with pytest.raises(ArchiveRefused) as caught:
        inspect_zip(path, ZipLimits())
    assert caught.value.code == "no_images"
    two = tmp_path / "two.zip"
    patch_central_directory(two, 10, "<H", 9)  # the last record: b.png
    assert {e.name: e.skipped_reason for e in inspect_zip(two, ZipLimits())} == {
        "a.png": None,
        "b.png": "unsupported compression method",
    }


# -- inspect_zip: what refuses the whole archive ------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../evil.png", "path_traversal"),
        ("photos/../../evil.png", "path_traversal"),
        ("photos\\..\\..\\evil.png", "path_traversal"),
        ("/etc/x.png", "absolute_path"),
        ("\\windows\\x.png", "absolute_path"),
        ("C:/x.png", "absolute_path"),
        ("c:x.png", "absolute_path"),
        ("inner.zip", "nested_archive"),
        ("deep/INNER.TAR.GZ", "nested_archive"),
        ("more.7z", "nested_archive"),
    ],
)
def test_a_dangerous_name_refuses_the_whole_archive(tmp_path: Path, name: str, code: str) -> None:
    path = make_zip(tmp_path / "in.zip", [("good.png", PNG), (name, PNG)])
    assert refusal(path) == code


def test_a_symlink_refuses_the_archive(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = make_zip(tmp_path / "in.zip", [("good.png", PNG), (link, b"/etc/passwd")])
    assert refusal(path) == "symlink"


def test_an_encrypted_entry_refuses_the_archive(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "in.zip", [("secret.png", PNG)])
    patch_central_directory(path, 8, "<H", 0x1)
    assert refusal(path) == "encrypted"


@pytest.mark.parametrize(
    "names",
    [
        ("A.png", "a.png"),
        ("dir/x.png", "DIR\\X.PNG"),
        (unicodedata.normalize("NFC", "größe.png"), unicodedata.normalize("NFD", "größe.png")),
    ],
)
def test_names_that_collide_on_a_case_insensitive_disk_refuse_the_archive(
    tmp_path: Path, names: tuple[str, str]
) -> None:
    path = make_zip(tmp_path / "in.zip", [(name, PNG) for name in names])
    assert refusal(path) == "duplicate_name"


def test_ten_thousand_entries_are_refused_from_the_directory_in_under_a_second(
    tmp_path: Path,
) -> None:
    path = make_zip(tmp_path / "many.zip", [(f"{i}.png", b"x") for i in range(10_000)])
    started = time.perf_counter()
    code = refusal(path, ZipLimits(max_entries=500))
    elapsed = time.perf_counter() - started
    assert code == "too_many_entries"
    assert elapsed < 1.0
    assert len(inspect_zip(path, ZipLimits(max_entries=10_000))) == 10_000


def test_a_directory_far_larger_than_the_limit_allows_is_refused_before_parsing(
    tmp_path: Path,
) -> None:
    # Clutter is not counted as an entry, but its directory still costs parsing.
    clutter = [(f"__MACOSX/._{i}.png", b"") for i in range(3_000)]
    path = make_zip(tmp_path / "in.zip", [("a.png", PNG), *clutter])
    assert refusal(path, ZipLimits(max_entries=5)) == "too_many_entries"
    assert [e.name for e in inspect_zip(path, ZipLimits(max_entries=50))] == ["a.png"]


def test_declared_sizes_over_the_limits_refuse_the_archive(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "in.zip", [("a.png", b"a" * 600), ("b.png", b"b" * 600)])
    assert refusal(path, ZipLimits(max_total_bytes=1_000)) == "too_large_uncompressed"
    assert refusal(path, ZipLimits(max_entry_bytes=500)) == "too_large_uncompressed"
    assert len(inspect_zip(path, ZipLimits(max_total_bytes=1_200, max_entry_bytes=600))) == 2


def test_a_big_entry_that_compresses_suspiciously_well_is_refused(tmp_path: Path) -> None:
    bomb = make_zip(tmp_path / "bomb.zip", [("zeros.png", bytes(50 * MIB))], zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < MIB
    assert refusal(bomb) == "compression_ratio"
    # Under 1 MiB the ratio is not judged: small files compress oddly.
    small = make_zip(tmp_path / "small.zip", [("blank.png", bytes(MIB))], zipfile.ZIP_DEFLATED)
    assert [e.size for e in inspect_zip(small, ZipLimits())] == [MIB]


@pytest.mark.parametrize("content", [b"", b"this is not a zip file at all" * 100])
def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "in.zip"
    path.write_bytes(content)
    assert refusal(path) == "not_a_zip"


@pytest.mark.parametrize(
    "entries",
    [[("notes.txt", b"hi")], [("__MACOSX/._a.png", b""), (".DS_Store", b"")], []],
)
def test_an_archive_without_images_is_refused(
    tmp_path: Path, entries: list[tuple[str, bytes]]
) -> None:
    assert refusal(make_zip(tmp_path / "in.zip", entries)) == "no_images"


# -- extract_entry ------------------------------------------------------------


def test_an_entry_is_extracted_with_its_sha256(tmp_path: Path) -> None:
    data = random.Random(1).randbytes(3 * MIB + 17)
    path = make_zip(tmp_path / "in.zip", [("a.png", data)], zipfile.ZIP_DEFLATED)
    (entry,) = inspect_zip(path, ZipLimits())
    with zipfile.ZipFile(path) as archive:
        digest = extract_entry(archive, entry, tmp_path / "a.png", max_bytes=10 * MIB)
    assert digest == hashlib.sha256(data).hexdigest()
    assert (tmp_path / "a.png").read_bytes() == data


def test_extraction_stops_at_max_bytes_and_removes_the_partial_file(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "in.zip", [("a.png", random.Random(4).randbytes(3 * MIB))], zipfile.ZIP_DEFLATED
    )
    (entry,) = inspect_zip(path, ZipLimits())
    with zipfile.ZipFile(path) as archive, pytest.raises(ArchiveRefused) as caught:
        extract_entry(archive, entry, tmp_path / "a.png", max_bytes=MIB)
    assert caught.value.code == "too_large_uncompressed"
    assert not (tmp_path / "a.png").exists()


def test_extraction_stops_where_the_entry_claims_to_end(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "in.zip", [("a.png", random.Random(4).randbytes(3 * MIB))], zipfile.ZIP_DEFLATED
    )
    (entry,) = inspect_zip(path, ZipLimits())
    lying = dataclasses.replace(entry, size=1_000)
    with zipfile.ZipFile(path) as archive, pytest.raises(ArchiveRefused) as caught:
        extract_entry(archive, lying, tmp_path / "a.png", max_bytes=100 * MIB)
    assert caught.value.code == "too_large_uncompressed"
    assert not (tmp_path / "a.png").exists()


def test_a_bomb_whose_headers_declare_a_small_size_is_refused_at_extraction(
    tmp_path: Path,
) -> None:
    path = make_zip(tmp_path / "in.zip", [("a.png", bytes(64 * MIB))], zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    struct.pack_into("<L", data, 22, MIB)  # local header: uncompressed size
    struct.pack_into("<L", data, data.rfind(b"PK\x01\x02") + 24, MIB)  # central directory
    path.write_bytes(bytes(data))
    (entry,) = inspect_zip(path, ZipLimits())  # the headers alone look harmless
    assert entry.size == MIB
    with zipfile.ZipFile(path) as archive, pytest.raises(ArchiveRefused) as caught:
        extract_entry(archive, entry, tmp_path / "a.png", max_bytes=100 * MIB)
    # zipfile stops inflating at the declared size and then finds the CRC wrong.
    assert caught.value.code == "corrupt"
    assert not (tmp_path / "a.png").exists()


# -- safe_member_name ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("ergebnisse/größe.png", "ergebnisse/größe.png"),
        ("/abs/x.png", "abs/x.png"),
        ("../../x.png", "x.png"),
        ("a/./b/../c.png", "a/b/c.png"),
        ("dir\\sub\\x.png", "dir/sub/x.png"),
        ('a<b>:c"d|e?f*.png', "a_b__c_d_e_f_.png"),
        ("tab\there\x00.png", "tab_here_.png"),
        ("CON.png", "_CON.png"),
        ("folder./name. ", "folder/name"),
        ("", "unnamed"),
        ("../..", "unnamed"),
    ],
)
def test_safe_member_name(name: str, safe: str) -> None:
    assert safe_member_name(name) == safe
    assert safe_member_name(safe) == safe


# -- stream_zip ---------------------------------------------------------------


def chunked(data: bytes, size: int) -> Callable[[], AsyncIterator[bytes]]:
    async def produce() -> AsyncIterator[bytes]:
        for start in range(0, len(data), size):
            yield data[start : start + size]

    return produce


async def members_of(members: Iterable[ZipMember]) -> AsyncIterator[ZipMember]:
    for member in members:
        yield member


async def streamed(members: Iterable[ZipMember]) -> bytes:
    return b"".join([chunk async for chunk in stream_zip(members_of(members))])


def assert_unzip_accepts(unzip: str, path: Path) -> None:
    """Info-ZIP's own check: every member's CRC and sizes, headers against directory."""
    checked = subprocess.run([unzip, "-t", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No errors detected" in checked.stdout


def sample_members() -> dict[str, bytes]:
    return {
        "ergebnisse/größe.png": PNG,
        "ergebnisse/big.png": random.Random(2).randbytes(5 * MB),
        "empty.png": b"",
        "top.webp": b"webp" * 1000,
    }


async def test_a_streamed_zip_reads_back_byte_for_byte(tmp_path: Path) -> None:
    contents = sample_members()
    blob = await streamed(ZipMember(n, chunked(d, 64 * 1024), WHEN) for n, d in contents.items())
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == list(contents)
        for info in archive.infolist():
            assert archive.read(info) == contents[info.filename]
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.flag_bits & 0x8  # sizes in a data descriptor
            assert info.date_time == (2024, 5, 17, 12, 30, 44)
        assert archive.getinfo("ergebnisse/größe.png").flag_bits & 0x800  # UTF-8 name
    # The first member as written: sizes unknown up front, so the local header
    # carries the data-descriptor flag and a ZIP64 extra, and the descriptor
    # after the data has 64-bit sizes (what a member over 4 GiB needs).
    flags, name_size, extra_size = (struct.unpack_from("<H", blob, at)[0] for at in (6, 26, 28))
    assert blob[:4] == b"PK\x03\x04"
    assert flags & 0x8
    assert flags & 0x800
    assert struct.unpack_from("<HH", blob, 30 + name_size) == (0x0001, 16)
    descriptor = 30 + name_size + extra_size + len(PNG)
    assert struct.unpack_from("<4sLQQ", blob, descriptor) == (
        b"PK\x07\x08",
        zlib.crc32(PNG),
        len(PNG),
        len(PNG),
    )


async def test_unsafe_and_repeated_names_are_made_safe_and_unique() -> None:
    names = ["a.png", "A.png", "../x/a.png", "x/a.png", "noext", "NOEXT", "c:d.png", ".h", ".H"]
    blob = await streamed(ZipMember(n, chunked(n.encode(), 4), WHEN) for n in names)
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert archive.namelist() == [
            "a.png",
            "A (2).png",
            "x/a.png",
            "x/a (2).png",
            "noext",
            "NOEXT (2)",
            "c_d.png",
            ".h",
            ".H (2)",
        ]
        assert archive.read("x/a (2).png") == b"x/a.png"


async def test_streaming_keeps_every_chunk_and_the_memory_small() -> None:
    data = random.Random(3).randbytes(20 * MB)
    # One 20 MB chunk from the member: what comes out is still cut small.
    largest = 0
    total = 0
    async for chunk in stream_zip(members_of([ZipMember("big.png", chunked(data, 20 * MB), WHEN)])):
        largest = max(largest, len(chunk))
        total += len(chunk)
    assert total > 20 * MB
    assert largest < 2 * MIB
    del data

    # 64 KiB chunks made on the fly: nothing holds the member or the archive.
    async def zeros() -> AsyncIterator[bytes]:
        for _ in range(20 * MB // (64 * 1024)):
            yield bytes(64 * 1024)

    crc = 0
    tracemalloc.start()
    try:
        async for chunk in stream_zip(members_of([ZipMember("z.png", zeros, WHEN)])):
            crc = zlib.crc32(chunk, crc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MIB


@pytest.mark.parametrize(
    ("modified", "date_time"),
    [
        (
            datetime(2024, 5, 17, 14, 30, 44, tzinfo=timezone(timedelta(hours=2))),
            (2024, 5, 17, 12, 30, 44),
        ),
        (datetime(2024, 5, 17, 12, 30, 45), (2024, 5, 17, 12, 30, 44)),  # DOS time: 2 s steps
        (datetime(1970, 1, 1, tzinfo=UTC), (1980, 1, 1, 0, 0, 0)),
        (datetime(2200, 1, 1), (2107, 12, 31, 23, 59, 58)),
    ],
)
async def test_modification_times_are_stored_in_utc_within_the_dos_range(
    modified: datetime, date_time: tuple[int, ...]
) -> None:
    blob = await streamed([ZipMember("a.png", chunked(PNG, 8), modified)])
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert archive.getinfo("a.png").date_time == date_time


async def test_a_failing_member_ends_the_stream_with_its_error() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"half"
        raise OSError("storage went away")

    with pytest.raises(OSError, match="storage went away"):
        await streamed(
            [ZipMember("a.png", chunked(PNG, 8), WHEN), ZipMember("b.png", broken, WHEN)]
        )


async def test_an_abandoned_download_closes_quietly() -> None:
    stream = stream_zip(members_of([ZipMember("a.png", chunked(bytes(3 * MIB), MIB), WHEN)]))
    assert isinstance(stream, AsyncGenerator)
    assert (await anext(stream))[:4] == b"PK\x03\x04"
    await stream.aclose()  # what the server does when the client goes away
    with pytest.raises(StopAsyncIteration):
        await anext(stream)


async def test_unzip_accepts_a_streamed_zip(tmp_path: Path) -> None:
    unzip = shutil.which("unzip")
    if unzip is None:
        pytest.skip("Info-ZIP unzip is not installed")
    contents = sample_members()
    path = tmp_path / "out.zip"
    path.write_bytes(
        await streamed(ZipMember(n, chunked(d, 64 * 1024), WHEN) for n, d in contents.items())
    )
    assert_unzip_accepts(unzip, path)


async def test_more_than_65535_members_use_zip64_end_records(tmp_path: Path) -> None:
    # macOS clutter, so that inspect_zip's entry count stays at one image.
    names = ["a.png", *(f"__MACOSX/._{i}.png" for i in range(70_000))]
    blob = await streamed(ZipMember(n, chunked(n.encode(), 8), WHEN) for n in names)
    assert b"PK\x06\x06" in blob[-200:]  # ZIP64 end of central directory record
    end = len(blob) - 22
    assert struct.unpack_from("<H", blob, end + 10)[0] == 0xFFFF
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert archive.namelist() == names
        assert archive.read("__MACOSX/._69999.png") == b"__MACOSX/._69999.png"
    path = tmp_path / "many.zip"
    path.write_bytes(blob)
    assert [e.name for e in inspect_zip(path, ZipLimits(max_entries=5_000))] == ["a.png"]
    assert refusal(path, ZipLimits(max_entries=100)) == "too_many_entries"
    # zipfile takes the directory size from the ZIP64 record, so the pre-check
    # must too: a small size in the classic record does not get past it.
    patched = bytearray(blob)
    struct.pack_into("<L", patched, end + 12, 100)
    path.write_bytes(bytes(patched))
    with zipfile.ZipFile(path) as archive:
        assert len(archive.infolist()) == len(names)
    assert refusal(path, ZipLimits(max_entries=100)) == "too_many_entries"


@pytest.mark.slow
async def test_a_member_over_4_gib_and_one_after_it_round_trip(tmp_path: Path) -> None:
    block = bytes(MIB)
    blocks = 4 * 1024 + 3  # 4 GiB + 3 MiB of zeros

    async def huge() -> AsyncIterator[bytes]:
        for _ in range(blocks):
            yield block

    path = tmp_path / "huge.zip"
    # Zero data is skipped over, leaving a sparse file: 4 GiB need not touch the disk.
    with path.open("wb") as sink:
        async for chunk in stream_zip(
            members_of(
                [
                    ZipMember("huge.png", huge, WHEN),
                    ZipMember("after.png", chunked(PNG, 16), WHEN),
                ]
            )
        ):
            if chunk == block:
                sink.seek(len(chunk), io.SEEK_CUR)
            else:
                sink.write(chunk)
    with zipfile.ZipFile(path) as archive:
        huge_info, after_info = archive.infolist()
        assert huge_info.file_size == blocks * MIB
        assert after_info.header_offset > 0xFFFFFFFF
        assert archive.read("after.png") == PNG
        with archive.open(huge_info) as stream:
            crc = 0
            while chunk := stream.read(16 * MIB):
                crc = zlib.crc32(chunk, crc)
        assert crc == huge_info.CRC
    unzip = shutil.which("unzip")
    if unzip is not None:
        assert_unzip_accepts(unzip, path)


def test_zip_entry_and_limits_are_frozen(tmp_path: Path) -> None:
    (entry,) = inspect_zip(make_zip(tmp_path / "in.zip", [("a.png", PNG)]), ZipLimits())
    assert isinstance(entry, ZipEntry)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.name = "b.png"  # type: ignore[misc]
    assert ZipLimits() == ZipLimits(500, 2 * 1024**3, 200 * MIB, 200)
