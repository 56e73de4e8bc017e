"""`upscaler-admin`: emergency access from the command line, audited."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.admin.support import AdminServer, admin_token, bearer, start_admin_server
from tests.helpers import REPO_ROOT


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    server, live = start_admin_server(tmp_path_factory.mktemp("cli"))
    with live:
        yield server


def cli(
    server: AdminServer, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "UPSCALER_DATABASE_URL": server.settings.database_url,
        "UPSCALER_DATA_DIR": str(server.settings.data_dir),
        "UPSCALER_ENV": "test",
    }
    return subprocess.run(
        [sys.executable, "-m", "upscaler.admin.cli", *args],
        env=env,
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _password_from(output: str) -> str:
    line = next(line for line in output.splitlines() if "(shown once)" in line)
    return line.rsplit(": ", 1)[1].strip()


def test_reset_an_admins_password(server: AdminServer) -> None:
    with server.client() as client:
        token = admin_token(client)  # the admin has a password nobody remembers now
        result = cli(server, "reset-password", "abdullah")
        assert result.returncode == 0, result.stderr
        assert "1 session(s) ended" in result.stdout or "session(s) ended" in result.stdout
        password = _password_from(result.stdout)
        # The old token was ended; the printed password works, once changed.
        assert client.get("/api/v1/admin/stats", headers=bearer(token)).status_code == 401
        login = client.post(
            "/api/v1/auth/login", json={"username": "abdullah", "password": password}
        ).json()
        assert login["password_change_required"] is True
        changed = client.post(
            "/api/v1/auth/password",
            headers=bearer(login["access_token"]),
            json={"current_password": password, "new_password": "a long admin passphrase 42"},
        )
        assert changed.status_code == 200
        audit = client.get(
            "/api/v1/admin/audit",
            params={"action": "cli.reset_password"},
            headers=bearer(login["access_token"]),
        ).json()
        entry = audit["items"][0]
        assert entry["user_id"] is None
        assert entry["details"]["via"] == "upscaler-admin"
        assert entry["details"]["username"] == "abdullah"
        assert entry["details"]["os_user"]


def test_a_password_from_stdin_and_a_temporary_admin(server: AdminServer) -> None:
    result = cli(
        server,
        "create-temp-admin",
        "--username",
        "oncall",
        "--hours",
        "2",
        "--password-stdin",
        "--no-force-change",
        stdin="an on-call passphrase\n",
    )
    assert result.returncode == 0, result.stderr
    assert "temporary admin oncall created" in result.stdout
    assert "shown once" not in result.stdout
    with server.client() as client:
        login = client.post(
            "/api/v1/auth/login", json={"username": "oncall", "password": "an on-call passphrase"}
        ).json()
        assert login["role"] == "admin"
        assert login["password_change_required"] is False
        users = client.get("/api/v1/admin/users", headers=bearer(login["access_token"])).json()
        oncall = next(u for u in users if u["username"] == "oncall")
        assert oncall["expires_at"] is not None
        # The token cannot outlive the account.
        assert login["expires_at"] <= oncall["expires_at"]
        audit = client.get(
            "/api/v1/admin/audit",
            params={"action": "cli.create_temp_admin"},
            headers=bearer(login["access_token"]),
        ).json()
        assert audit["items"][0]["details"]["username"] == "oncall"
    listed = cli(server, "list-admins")
    assert "oncall\tactive, expires" in listed.stdout


def test_mistakes_are_reported_plainly(server: AdminServer) -> None:
    missing = cli(server, "reset-password", "nobody")
    assert missing.returncode == 2
    assert "no user named 'nobody'" in missing.stderr
    short = cli(server, "reset-password", "abdullah", "--password-stdin", stdin="short\n")
    assert short.returncode == 2
    assert "at least 10 characters" in short.stderr
    taken = cli(server, "create-temp-admin", "--username", "abdullah")
    assert taken.returncode == 2


def test_an_expired_temporary_admin_cannot_sign_in(server: AdminServer) -> None:
    from datetime import timedelta

    from sqlalchemy import update
    from sqlmodel import col

    from upscaler.db.tables import User
    from upscaler.db.types import utcnow

    result = cli(server, "create-temp-admin", "--username", "brief", "--hours", "1")
    password = _password_from(result.stdout)
    server.sql(
        update(User)
        .where(col(User.username) == "brief")
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    with server.client() as client:
        response = client.post(
            "/api/v1/auth/login", json={"username": "brief", "password": password}
        )
        assert response.status_code == 401


def test_the_console_script_is_declared() -> None:
    text = (REPO_ROOT / "pyproject.toml").read_text()
    assert 'upscaler-admin = "upscaler.admin.cli:main"' in text
    assert Path(REPO_ROOT / "src/upscaler/admin/cli.py").is_file()
