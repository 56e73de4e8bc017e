"""The monitoring profile's files are valid and name real metrics: the alert
rules and the Prometheus configuration pass promtool (Debian's prometheus
package; `make test` installs it), the Grafana dashboard parses and every
metric its queries use is one /metrics exposes, and compose wires them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import LiveServer
from tests.operations.support import TOKEN, metric_names

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
METRIC = re.compile(r"\bupscaler_[a-z_]+")

pytestmark = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool comes with Debian's prometheus package"
)


def queries() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana/dashboards/upscaler.json").read_text())
    assert dashboard["panels"], "the dashboard has no panels"
    found = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    found += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    return found


def test_promtool_accepts_the_rules_and_the_configuration(tmp_path: Path) -> None:
    rules = subprocess.run(
        ["promtool", "check", "rules", str(MONITORING / "alerts.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert "6 rules found" in rules.stdout
    # The configuration as the container sees it: its token file in place.
    config = tmp_path / "prometheus.yml"
    text = (MONITORING / "prometheus.yml").read_text()
    token = tmp_path / "metrics_token"
    token.write_text(TOKEN)
    config.write_text(text.replace("/run/secrets/metrics_token", str(token)))
    shutil.copy(MONITORING / "alerts.yml", tmp_path / "alerts.yml")
    checked = subprocess.run(
        ["promtool", "check", "config", str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_query_names_metrics_that_exist(metrics_server: LiveServer) -> None:
    with metrics_server.client() as client:
        exposed = metric_names(client)
    used = {name for expr in queries() for name in METRIC.findall(expr)}
    assert used, "no upscaler metric in the dashboard or the rules"
    missing = used - exposed
    assert not missing, f"queries name metrics /metrics does not expose: {sorted(missing)}"


def test_compose_runs_prometheus_and_grafana_in_the_monitoring_profile() -> None:
    services: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
    mounts = " ".join(services["prometheus"]["volumes"] + services["grafana"]["volumes"])
    for path in ("monitoring/prometheus.yml", "monitoring/alerts.yml", "monitoring/grafana/"):
        assert f"./{path}" in mounts
    assert services["prometheus"]["secrets"] == ["metrics_token"]
