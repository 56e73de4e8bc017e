"""The dashboard's live stream: KPI fragments over server-sent events, and
a stream that stops as soon as its session is ended."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from tests.admin.support import AdminServer, bearer, browser_login, seed_job


def _events(lines: Iterator[str], count: int) -> list[tuple[str, str]]:
    """The next `count` named events of a stream (or fewer if it ends): (name, data)."""
    found: list[tuple[str, str]] = []
    name, data = "", []
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and name:
            found.append((name, "\n".join(data)))
            name, data = "", []
            if len(found) >= count:
                break
    return found


def test_the_stream_sends_kpi_fragments(admin_server: AdminServer, token: str) -> None:
    seed_job(admin_server, status="queued")
    with admin_server.client() as browser:
        browser_login(browser, "abdullah", "a long admin passphrase 42")
        with browser.stream("GET", "/admin/dashboard/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = _events(response.iter_lines(), 2)
    names = [name for name, _ in events]
    assert names[0] == "kpis"
    assert "chart" in names
    kpis = events[0][1]
    assert 'data-kpi="queued">1<' in kpis
    assert 'data-kpi="workers_online">0<' in kpis


def test_the_stream_stops_when_the_session_is_ended(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    with admin_server.client() as browser:
        browser_login(browser, "abdullah", "a long admin passphrase 42")
        me = browser.get("/api/v1/auth/me").json()
        with browser.stream("GET", "/admin/dashboard/events", timeout=30) as response:
            lines = response.iter_lines()
            first = _events(lines, 1)
            assert first[0][0] == "kpis"
            sessions = admin_client.get(
                f"/api/v1/admin/users/{me['id']}/sessions", headers=bearer(token)
            ).json()
            mine = [s for s in sessions if s["kind"] == "cookie"]
            for session in mine:
                admin_client.delete(
                    f"/api/v1/admin/sessions/{session['id']}", headers=bearer(token)
                )
            rest = _events(lines, 10)
    assert rest, "the stream should say why it ended"
    assert "Your session has ended" in rest[-1][1]


def test_the_kpi_fragment_without_events(admin_server: AdminServer) -> None:
    with admin_server.client() as browser:
        browser_login(browser, "abdullah", "a long admin passphrase 42")
        fragment = browser.get("/admin/dashboard/kpis")
        assert fragment.status_code == 200
        assert 'id="kpi-cards"' in fragment.text
