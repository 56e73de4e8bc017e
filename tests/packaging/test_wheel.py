"""The package as it is deployed: a wheel, installed outside the checkout.

The slow test builds the wheel from the files the Dockerfile's wheel stage
copies, installs it (no dependencies) into a fresh virtual environment whose
only other packages are this project's dependencies, and starts `upscaler-api`
from a folder outside the checkout: migrations, templates, static files, the
vendored browser packages and the model manifest must all come from the wheel.
The fast tests keep the packaging configuration honest.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import REPO_ROOT, free_port

SRC = REPO_ROOT / "src"
#: What the Dockerfile's wheel stage copies into its build context.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src",
                "onnx_models/manifest.json")  # fmt: skip


def _setup_vendored() -> dict[str, tuple[str, tuple[str, ...]]]:
    """setup.py's VENDORED table, read without running setup.py."""
    tree = ast.parse((REPO_ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "VENDORED" for target in node.targets
        ):
            value: dict[str, tuple[str, tuple[str, ...]]] = ast.literal_eval(node.value)
            return value
    raise AssertionError("setup.py has no VENDORED")


# -- the configuration ---------------------------------------------------------


def test_package_data_globs_match_real_files() -> None:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    for package, patterns in config["tool"]["setuptools"]["package-data"].items():
        assert (SRC / package / "__init__.py").is_file(), package
        for pattern in patterns:
            matches = [path for path in (SRC / package).glob(pattern) if path.is_file()]
            assert matches, f"{package}: {pattern!r} matches no file"
        assert (SRC / package / "py.typed").is_file(), package


def test_migrations_live_only_in_the_package() -> None:
    """alembic/ holds a README saying where they went; a revision put there would never run."""
    stray = [p.name for p in (REPO_ROOT / "alembic").rglob("*") if p.is_file()]
    assert stray == ["README.md"], f"move these into src/upscaler/migrations/: {stray}"
    versions = sorted((SRC / "upscaler" / "migrations" / "versions").glob("*.py"))
    assert versions, "no migrations in src/upscaler/migrations/versions"


def test_vendored_packages_agree_with_the_app_and_the_pages() -> None:
    from upscaler.app import VENDORED

    vendored = _setup_vendored()
    assert {name: folder for name, (folder, _) in vendored.items()} == VENDORED
    used = set()
    for template in (SRC / "upscaler" / "templates").rglob("*.html"):
        used |= set(re.findall(r"/vendor/([\w-]+)/([\w.-]+)", template.read_text()))
    used |= {("swagger-ui", "swagger-ui-bundle.js"), ("swagger-ui", "swagger-ui.css")}
    for name, file_name in used:
        assert file_name in vendored[name][1], f"/vendor/{name}/{file_name} is not in the wheel"


# -- the wheel ----------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed in this venv: the wheel cannot be built offline")
    tree = tmp_path_factory.mktemp("build-context")
    for name in BUILD_INPUTS:
        source, target = REPO_ROOT / name, tree / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(
                source, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(source, target)
    # The Dockerfile's wheel stage runs `npm ci` first; here the checkout's own.
    assert (REPO_ROOT / "node_modules").is_dir(), "run `make install` (npm ci) first"
    (tree / "node_modules").symlink_to(REPO_ROOT / "node_modules")
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(out), "."],
        cwd=tree, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    wheels = list(out.glob("imageupscalerpro-*.whl"))
    assert len(wheels) == 1, build.stdout
    return wheels[0]


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the wheel installed; the project's dependencies come from
    this venv's site-packages through a plain path line in a .pth file, which
    does not run that folder's own .pth files, so the editable install's path
    to src/ is not on sys.path."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    deps = sysconfig.get_path("purelib")
    assert Path(deps) != Path(purelib)
    (Path(purelib) / "project_dependencies.pth").write_text(deps + "\n")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    return venv


def _outside(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert REPO_ROOT not in folder.resolve().parents
    return folder


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("UPSCALER_") and name not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    return env | {"PYTHONUNBUFFERED": "1"} | extra


PROBE = """
import json, sys
import upscaler, upscaler_worker
from upscaler import resources
from upscaler_worker.export.manifest import DEFAULT_MANIFEST
print(json.dumps({
    "upscaler": upscaler.__file__, "upscaler_worker": upscaler_worker.__file__,
    "checkout": str(resources.checkout_root()), "migrations": str(resources.MIGRATIONS_DIR),
    "manifest": str(DEFAULT_MANIFEST), "sys_path": sys.path,
}))
"""


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_wheel_is_what_gets_imported(fresh_venv: Path, tmp_path: Path) -> None:
    probe = subprocess.run(
        [fresh_venv / "bin" / "python", "-c", PROBE],
        cwd=_outside(tmp_path), env=_clean_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    for key in ("upscaler", "upscaler_worker", "migrations", "manifest"):
        assert Path(found[key]).is_relative_to(fresh_venv), (key, found[key])
    assert found["checkout"] == "None"
    assert str(SRC) not in found["sys_path"]
    # The packaged manifest is the repository's, byte for byte.
    assert (
        Path(found["manifest"]).read_bytes()
        == (REPO_ROOT / "onnx_models/manifest.json").read_bytes()
    )


@contextlib.contextmanager
def api_process(venv: Path, cwd: Path, data_dir: Path, redis_url: str) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _clean_env(
        UPSCALER_DATA_DIR=str(data_dir),
        UPSCALER_MODEL_DIR=str(data_dir / "models"),
        UPSCALER_DATABASE_URL="",  # SQLite under the data directory
        UPSCALER_REDIS_URL=redis_url,  # upscaler-api is the distributed mode's API
        UPSCALER_PORT=str(port),
        UPSCALER_API_WORKERS="1",
        UPSCALER_RATE_LIMIT_PER_MINUTE="0",
    )
    log = data_dir / "api.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [venv / "bin" / "upscaler-api"],
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise AssertionError(f"upscaler-api exited: {log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code in (200, 503):
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"upscaler-api did not answer: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _asset_urls(html: str) -> set[str]:
    return {
        match.split("?")[0]
        for match in re.findall(r'(?:src|href)="(/(?:static|vendor)/[^"]+)"', html)
    }


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.timeout(600)
def test_the_installed_api_serves_from_the_wheel(
    fresh_venv: Path, tmp_path: Path, redis_url: str
) -> None:
    from alembic.script import ScriptDirectory

    from upscaler.db.migrate import alembic_config

    data_dir = tmp_path / "data"
    with (
        api_process(fresh_venv, _outside(tmp_path), data_dir, redis_url) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        assert client.get("/api/v1/health").status_code == 200

        # Migrations ran from the wheel: the schema is at the checkout's head.
        with contextlib.closing(sqlite3.connect(data_dir / "upscaler.db")) as db:
            version = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            tables = {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
        assert version == head
        assert {"jobs", "uploads", "users", "models", "audit_logs"} <= tables, tables

        # Every asset the pages link to is served, the templates rendered them.
        assets: set[str] = set()
        for page in ("/", "/admin/login", "/docs"):
            response = client.get(page)
            assert response.status_code == 200, (page, response.text[:500])
            assert response.headers["content-type"].startswith("text/html"), page
            assets |= _asset_urls(response.text)
        assert "/static/public/css/site.css" in assets
        assert "/vendor/swagger-ui/swagger-ui-bundle.js" in assets  # not the CDN fallback
        assert "/vendor/htmx/htmx.min.js" in assets
        for asset in sorted(assets):
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert len(response.content) > 100, asset
        site_css = client.get("/static/public/css/site.css").content
        assert site_css == (SRC / "upscaler/static/public/css/site.css").read_bytes()
        assert "SwaggerUIBundle" in client.get("/docs").text
