"""The layering of src/, read statically from every import statement.

Every module under src/ is parsed (nothing is imported): absolute and relative
imports, at module level or inside functions, under ``if TYPE_CHECKING`` too,
all count. The rules (docs/development.md):

- no import cycle between modules;
- no cycle between the parts of `upscaler` (its subpackages: admin, auth,
  jobs, ...; and its top-level modules, each a part of its own);
- `upscaler` (API, pages, admin) never imports `upscaler_worker`, nor a
  runtime that only workers carry (onnxruntime, torch, ncnn);
- `upscaler_worker.inference` is pure compute: nothing of `upscaler`, no
  database, no web framework, however indirectly;
- a worker never loads FastAPI or Starlette, directly or through the modules
  of `upscaler` it imports (the whole closure, parent packages included),
  except the one-process service, which serves the API by design;
- the command line (`upscaler_cli`) reaches a server only through the
  generated client: nothing of `upscaler`, no database, no web framework,
  and of the worker only its pure-compute inference (for `--local`).

A failure names the offending path, file and line of each import on it.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
ROOTS = ("upscaler", "upscaler_worker", "upscaler_cli")

#: Package-level cycles tolerated for now, each with its reason:
#: {frozenset({"upscaler.a", "upscaler.b"}): "why it cannot be removed yet"}.
#: Empty: every cycle found was removed. Add one only with a reason.
ALLOWED_PACKAGE_CYCLES: Mapping[frozenset[str], str] = {}

#: The one-process service (upscaler-standalone) runs the API and a worker
#: in one process: it imports upscaler.app, and FastAPI with it, on purpose.
WORKER_MODULES_SERVING_HTTP = frozenset({"upscaler_worker.entrypoints.embedded"})

API_FORBIDDEN = frozenset({"upscaler_worker", "onnxruntime", "torch", "ncnn"})
INFERENCE_FORBIDDEN = frozenset(
    {"upscaler", "sqlmodel", "sqlalchemy", "alembic", "fastapi", "starlette", "dramatiq", "redis"}
)
HTTP_FRAMEWORKS = frozenset({"fastapi", "starlette"})


@dataclass(frozen=True)
class Import:
    """One import statement's target: a module of src/ or an external top-level name."""

    target: str
    line: int
    internal: bool


@dataclass
class Graph:
    #: module name -> its file
    files: dict[str, Path] = field(default_factory=dict)
    packages: set[str] = field(default_factory=set)
    imports: dict[str, list[Import]] = field(default_factory=dict)

    def internal(self, module: str) -> Iterable[Import]:
        return (i for i in self.imports.get(module, ()) if i.internal)

    def external(self, module: str) -> Iterable[Import]:
        return (i for i in self.imports.get(module, ()) if not i.internal)

    def where(self, module: str, line: int) -> str:
        return f"{self.files[module].relative_to(SRC.parent)}:{line}"


def module_name(path: Path, root: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def resolve(name: str, known: Mapping[str, Path]) -> str | None:
    """The module of src/ that `name` is, or is inside (a name in a module)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def read_imports(
    module: str, is_package: bool, source: str, known: Mapping[str, Path]
) -> list[Import]:
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def add(name: str, line: int) -> None:
        target = resolve(name, known)
        if target is not None:
            found.append(Import(target, line, internal=True))
        elif name.split(".")[0] in ROOTS:
            raise AssertionError(f"{module}:{line} imports {name!r}, which is not in src/")
        else:
            found.append(Import(name.split(".")[0], line, internal=False))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod; `from mod
                # import name` imports mod (resolve() falls back to it).
                add(f"{origin}.{alias.name}" if alias.name != "*" else origin, node.lineno)
    return found


def build_graph(src: Path = SRC) -> Graph:
    graph = Graph()
    sources: dict[str, tuple[str, bool]] = {}
    for root in ROOTS:
        for path in sorted((src / root).rglob("*.py")):
            name, is_package = module_name(path, src)
            graph.files[name] = path
            if is_package:
                graph.packages.add(name)
            sources[name] = (path.read_text(encoding="utf-8"), is_package)
        # A compiled module (a C extension) is known by its stub; it imports
        # nothing of ours.
        for path in sorted((src / root).rglob("*.pyi")):
            name, _ = module_name(path, src)
            if name not in graph.files:
                graph.files[name] = path
                graph.imports[name] = []
    for name, (source, is_package) in sources.items():
        graph.imports[name] = read_imports(name, is_package, source, graph.files)
    return graph


def cycles(nodes: Iterable[str], edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(set(edges.get(start, ())))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(set(edges.get(successor, ()))))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def shortest_path(
    start: str, goal: str, edges: Mapping[str, Iterable[str]], within: set[str] | None = None
) -> list[str]:
    """start ... goal along edges (a cycle when start == goal)."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(set(edges.get(node, ()))):
            if within is not None and successor not in within:
                continue
            if successor == goal:
                path = [goal, node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return path[::-1]
            if successor not in previous:
                previous[successor] = node
                queue.append(successor)
    return []


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build_graph()


def module_edges(graph: Graph) -> dict[str, set[str]]:
    return {m: {i.target for i in graph.internal(m) if i.target != m} for m in graph.files}


def part_of(module: str) -> str | None:
    """The part of `upscaler` a module belongs to: upscaler.<first name>."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "upscaler" and len(parts) > 1 else None


def test_the_scanner_sees_every_kind_of_import(tmp_path: Path) -> None:
    """Relative, function-local and TYPE_CHECKING imports all count."""
    package = tmp_path / "upscaler" / "alpha"
    package.mkdir(parents=True)
    (tmp_path / "upscaler" / "__init__.py").write_text("")
    (tmp_path / "upscaler_worker").mkdir()
    (tmp_path / "upscaler_worker" / "__init__.py").write_text("")
    (tmp_path / "upscaler" / "beta.py").write_text("")
    (tmp_path / "upscaler" / "gamma.py").write_text("")
    (package / "__init__.py").write_text("from . import one\n")
    (package / "one.py").write_text(
        textwrap.dedent(
            """
            from typing import TYPE_CHECKING
            from .. import beta
            if TYPE_CHECKING:
                from upscaler.alpha.two import Thing
            def later():
                import upscaler.gamma
                from ..gamma import name
            """
        )
    )
    (package / "two.py").write_text("import numpy.linalg\n")
    scanned = build_graph(tmp_path)
    targets = {(i.target, i.line) for i in scanned.internal("upscaler.alpha.one")}
    assert targets == {
        ("upscaler.beta", 3),
        ("upscaler.alpha.two", 5),
        ("upscaler.gamma", 7),
        ("upscaler.gamma", 8),
    }
    assert [i.target for i in scanned.internal("upscaler.alpha")] == ["upscaler.alpha.one"]
    assert [i.target for i in scanned.external("upscaler.alpha.two")] == ["numpy"]
    assert cycles(["a", "b", "c"], {"a": ["b"], "b": ["c"], "c": ["a"]}) == [["a", "b", "c"]]
    assert shortest_path("a", "a", {"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]


def test_the_scanner_reads_all_of_src(graph: Graph) -> None:
    assert {"upscaler.app", "upscaler.admin.guards", "upscaler_worker.inference.engine"} <= set(
        graph.files
    )
    # the C extension is a module of its own, not its package
    png = {i.target for i in graph.internal("upscaler_worker.inference.png")}
    assert "upscaler_worker.inference._huffman" in png
    assert "upscaler_worker.inference" not in png
    # the page guards render error pages: admin uses auth, never the reverse
    guards = {i.target for i in graph.internal("upscaler.admin.guards")}
    assert {"upscaler.admin.rendering", "upscaler.auth.deps"} <= guards


def test_no_module_import_cycle(graph: Graph) -> None:
    edges = module_edges(graph)
    problems = []
    for component in cycles(graph.files, edges):
        path = shortest_path(component[0], component[0], edges, within=set(component))
        problems.append(" -> ".join(path) + f"  (cycle among {', '.join(component)})")
    assert not problems, "module import cycles:\n" + "\n".join(problems)


def test_no_cycle_between_the_parts_of_upscaler(graph: Graph) -> None:
    edges: dict[str, set[str]] = {}
    sites: dict[tuple[str, str], list[str]] = {}
    for module in graph.files:
        source = part_of(module)
        if source is None:
            continue
        for found in graph.internal(module):
            target = part_of(found.target)
            if target is None or target == source:
                continue
            edges.setdefault(source, set()).add(target)
            sites.setdefault((source, target), []).append(
                f"{graph.where(module, found.line)} imports {found.target}"
            )
    parts = {p for p in map(part_of, graph.files) if p is not None}
    problems = []
    for component in cycles(parts, edges):
        if frozenset(component) in ALLOWED_PACKAGE_CYCLES:
            continue
        path = shortest_path(component[0], component[0], edges, within=set(component))
        mutual = [(a, b) for a in component for b in component if (a, b) in sites]
        mutual = [(a, b) for a, b in mutual if a < b and (b, a) in sites]
        lines = [f"{' -> '.join(path)}  (cycle among {', '.join(component)})"]
        lines += [f"  {a} <-> {b}" for a, b in mutual]
        shown = [*pairwise(path), *mutual, *((b, a) for a, b in mutual)]
        for source, target in dict.fromkeys(shown):
            where = list(dict.fromkeys(sites[source, target]))
            lines.append(f"    {source} -> {target}:")
            lines += [f"        {site}" for site in where[:6]]
            if len(where) > 6:
                lines.append(f"        ... and {len(where) - 6} more")
        problems.append("\n".join(lines))
    assert not problems, "cycles between the parts of upscaler:\n" + "\n".join(problems)


def test_the_allowed_package_cycles_still_exist(graph: Graph) -> None:
    """An allowance outlives its cycle only by mistake: remove it with the cycle."""
    edges: dict[str, set[str]] = {}
    for module in graph.files:
        for found in graph.internal(module):
            source, target = part_of(module), part_of(found.target)
            if source and target and source != target:
                edges.setdefault(source, set()).add(target)
    parts = {p for p in map(part_of, graph.files) if p is not None}
    present = {frozenset(c) for c in cycles(parts, edges)}
    stale = [sorted(allowed) for allowed in ALLOWED_PACKAGE_CYCLES if allowed not in present]
    assert not stale, f"allowances for cycles that are gone: {stale}"


def test_the_api_never_imports_the_worker_or_its_runtimes(graph: Graph) -> None:
    problems = [
        f"{graph.where(module, found.line)} imports {found.target}"
        for module in graph.files
        if module.split(".")[0] == "upscaler"
        for found in graph.imports[module]
        if found.target.split(".")[0] in API_FORBIDDEN
    ]
    assert not problems, "upscaler must not import these:\n" + "\n".join(problems)


def closure_edges(graph: Graph) -> dict[str, set[str]]:
    """What importing a module runs: its imports and every parent package's
    __init__ (importing a.b.c runs a/__init__.py and a/b/__init__.py)."""
    edges = module_edges(graph)
    for module in graph.files:
        parts = module.split(".")
        for depth in range(1, len(parts)):
            parent = ".".join(parts[:depth])
            if parent in graph.files:
                edges[module].add(parent)
    return edges


def reaching(
    graph: Graph, start: str, edges: Mapping[str, set[str]], forbidden: frozenset[str]
) -> list[str]:
    """For each forbidden name `start` reaches: the path of imports, file and line of each."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    problems = []
    while queue:
        module = queue.popleft()
        hits = [i for i in graph.imports[module] if i.target.split(".")[0] in forbidden]
        if hits:
            chain = [module]
            while (before := previous[chain[-1]]) is not None:
                chain.append(before)
            chain.reverse()
            steps = []
            for source, target in pairwise(chain):
                lines = [i.line for i in graph.internal(source) if i.target == target]
                site = graph.where(source, lines[0]) if lines else "(its parent package)"
                steps.append(f"{source} -> {target} [{site}]")
            steps += [f"{module} imports {i.target} [{graph.where(module, i.line)}]" for i in hits]
            problems.append("\n    ".join([f"from {start}:", *steps]))
            continue  # one path through this module is enough
        for successor in sorted(edges.get(module, ())):
            if successor not in previous:
                previous[successor] = module
                queue.append(successor)
    return problems


def test_inference_is_pure_compute(graph: Graph) -> None:
    edges = closure_edges(graph)
    problems = []
    for module in sorted(graph.files):
        if module.startswith("upscaler_worker.inference"):
            problems += reaching(graph, module, edges, INFERENCE_FORBIDDEN)
    assert not problems, "upscaler_worker.inference must stay pure compute:\n" + "\n".join(problems)


def test_the_cli_uses_only_the_client_and_the_inference_engine(graph: Graph) -> None:
    edges = closure_edges(graph)
    problems = []
    for module in sorted(graph.files):
        if not module.startswith("upscaler_cli"):
            continue
        for found in graph.imports[module]:
            worker = found.target.split(".")[0] == "upscaler_worker"
            if worker and not found.target.startswith("upscaler_worker.inference"):
                problems.append(f"{graph.where(module, found.line)} imports {found.target}")
        # the same set the engine keeps clear of: nothing of the server, its database or queue
        problems += reaching(graph, module, edges, INFERENCE_FORBIDDEN)
    assert not problems, "upscaler_cli goes around the client or the engine:\n" + "\n".join(
        problems
    )


def test_workers_never_load_the_http_framework(graph: Graph) -> None:
    edges = closure_edges(graph)
    problems = []
    for module in sorted(graph.files):
        if module.startswith("upscaler_worker") and module not in WORKER_MODULES_SERVING_HTTP:
            problems += reaching(graph, module, edges, HTTP_FRAMEWORKS)
    assert not problems, "a worker module reaches FastAPI/Starlette:\n" + "\n".join(problems)


def test_a_worker_process_loads_no_http_framework() -> None:
    """The same at run time: the worker's commands and actors, imported."""
    code = textwrap.dedent(
        """
        import sys
        import upscaler_worker.actors
        import upscaler_worker.entrypoints.healthcheck
        import upscaler_worker.entrypoints.process
        import upscaler_worker.entrypoints.supervisor
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("fastapi", "starlette"))
        print(" ".join(loaded))
        """
    )
    environment = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        timeout=120,
    )
    assert result.stdout.strip() == "", f"loaded by a worker: {result.stdout.strip()}"
