"""A worker process allocates from one malloc arena: its commands' package
sets it before their imports start threads, and an operator's own
MALLOC_ARENA_MAX is left alone. Each case runs in a fresh interpreter, since
the arena count is settled when threads first allocate."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="arenas are glibc's",
)

#: Imports `first` (if any), then allocates on six threads at once and
#: prints how many arenas glibc keeps (malloc_info lists one <heap> each).
COUNT_ARENAS = textwrap.dedent(
    """
    import ctypes, sys, tempfile, threading
    if sys.argv[1]:
        __import__(sys.argv[1])
    import numpy as np

    start = threading.Barrier(6)

    def allocate():
        start.wait()
        kept = [np.ones(300_000) for _ in range(8)]

    threads = [threading.Thread(target=allocate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
    libc.fclose.argtypes = (ctypes.c_void_p,)
    libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
    with tempfile.NamedTemporaryFile(suffix=".xml") as report:
        stream = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        print(open(report.name).read().count("<heap nr="))
    """
)


def arenas_after(first_import: str, **environment: str) -> int:
    env = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS, first_import],
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(done.stdout.strip())


def test_threads_of_a_plain_process_spread_over_arenas() -> None:
    # What the worker avoids; without it the test below would prove nothing.
    assert arenas_after("") > 1


def test_the_worker_commands_package_puts_every_thread_on_one_arena() -> None:
    assert arenas_after("upscaler_worker.entrypoints") == 1


def test_an_operators_arena_count_is_kept() -> None:
    assert arenas_after("upscaler_worker.entrypoints", MALLOC_ARENA_MAX="3") == 3


def test_use_one_arena_reports_when_it_leaves_the_count_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from upscaler_worker import arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert arenas.use_one_arena() is False


def test_benchmark_children_get_one_arena_unless_the_operator_chose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from upscaler_worker import arenas

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert arenas.one_arena_environment()["MALLOC_ARENA_MAX"] == "1"
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    assert arenas.one_arena_environment()["MALLOC_ARENA_MAX"] == "2"
