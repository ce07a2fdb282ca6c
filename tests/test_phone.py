"""A province report read on a phone (375 px) and on a desktop (1280 px), in headless Chromium
(issue #14 point 6): the page never scrolls sideways, a table too wide for the screen scrolls
inside itself instead of being cut at the edge, the text reads at 14 px or more, and the key
figures stack on a phone but stand three abreast on a desktop.

Screenshots go to ``test-artifacts/phone-<width>.png`` for a human to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from reportkit.batch.execute import run_report

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("REPORTKIT_CHROMIUM", "/usr/bin/chromium")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="no Chromium (make system)")]

MEASURE = """() => {
  const shown = e => e.offsetParent !== null;
  const tables = [...document.querySelectorAll('.rk table.rk-t')].filter(shown).map(t => ({
    right: t.getBoundingClientRect().right, scroll: t.scrollWidth, client: t.clientWidth,
    overflow: getComputedStyle(t).overflowX}));
  // Body text: paragraphs and list items, not footnotes nor the recipients' list (smaller
  // by the official form, Decree 30 App. I).
  const text = [...document.querySelectorAll('.rk p:not(.rk-note), .rk li')].filter(shown)
    .filter(e => !e.closest('.rk-recipients'))
    .map(p => parseFloat(getComputedStyle(p).fontSize));
  const cards = [...document.querySelectorAll('.rk .rk-card')].filter(shown)
    .map(c => Math.round(c.getBoundingClientRect().left));
  return {width: window.innerWidth, page: document.scrollingElement.scrollWidth, tables,
          text, cards};
}"""


@pytest.fixture(scope="module")
def province_html(sample_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
                  ) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("REPORTKIT_WAREHOUSE", str(sample_dirs["warehouse"]))
    try:
        res = run_report(ROOT / "notebooks" / "province_report.ipynb", unit="Cần Thơ",
                         period="2025-Q3", output_root=tmp_path_factory.mktemp("phone"))
    finally:
        mp.undo()
    assert res.status == "ok", res.error
    return res.html


def measure(html: Path, width: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_function("document.documentElement.getAttribute("
                                   "'data-reportkit-widgets') !== 'pending'", timeout=30_000)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"phone-{width}.png"))
            return page.evaluate(MEASURE)
        finally:
            browser.close()


def test_on_a_phone_nothing_is_cut_and_the_text_reads(province_html: Path) -> None:
    m = measure(province_html, 375)
    assert m["page"] <= m["width"], "the page scrolls sideways"
    assert m["tables"], "the report shows tables"
    for t in m["tables"]:
        assert t["right"] <= m["width"] + 1, t  # never past the screen's edge
        if t["scroll"] > t["client"] + 1:  # too wide: it scrolls, nothing is clipped
            assert t["overflow"] in ("auto", "scroll"), t
    assert any(t["scroll"] > t["client"] + 1 for t in m["tables"])  # the case is tested
    assert min(m["text"]) >= 14
    assert len(m["cards"]) == 6 and len(set(m["cards"])) == 1  # one under another


def test_on_a_desktop_tables_fit_and_key_figures_stand_abreast(province_html: Path) -> None:
    m = measure(province_html, 1280)
    assert m["page"] <= m["width"]
    assert all(t["scroll"] <= t["client"] + 1 for t in m["tables"])
    assert min(m["text"]) >= 14
    assert len(set(m["cards"])) == 3
