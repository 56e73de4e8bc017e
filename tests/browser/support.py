"""Helpers of the browser tests: viewports, screenshots, axe-core's WCAG
findings and the console's Content-Security-Policy errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical WCAG findings of axe-core (from npm), injected
    through the DevTools protocol, which the page's CSP does not govern."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    results = page.evaluate(
        """async () => {
            // Colours read mid-transition (a button turning primary as the job
            // ends) are neither the old nor the new ones: judge the settled page.
            // Infinite animations (spinners) never finish and are left running.
            await Promise.all(document.getAnimations()
                .filter(a => a.effect?.getComputedTiming().endTime !== Infinity)
                .map(a => a.finished.catch(() => null)));
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'best-practice']},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return [v for v in results if v["impact"] in ("serious", "critical")]


def csp_errors(page: Any) -> list[str]:
    return [e for e in page.console_errors if "Content Security Policy" in e]
