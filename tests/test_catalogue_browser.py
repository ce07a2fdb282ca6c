"""The recipients' catalogue in headless Chromium, from ``file://``, at 1280 px and 375 px:
search and filters hide the rows that do not match, nothing overflows the phone's width,
nothing is fetched, nothing runs but the page's own script (a unit name holding a script
stays text), and without JavaScript every report shows.

Screenshots go to ``test-artifacts/catalogue-<width>.png`` for a human to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import test_catalogue as tc  # the same outputs as the page tests

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("REPORTKIT_CHROMIUM", "/usr/bin/chromium")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="no Chromium (make system)")]


@contextmanager
def browser_page(width: int, *, javascript: bool = True) -> Iterator[tuple[Any, dict]]:
    """A Chromium page ``width`` px wide that aborts and records every request that is not
    ``file:``, and records console errors (a CSP violation is one), page errors and
    dialogs."""
    from playwright.sync_api import sync_playwright

    seen: dict[str, list[str]] = {"blocked": [], "errors": [], "dialogs": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        try:
            context = browser.new_context(viewport={"width": width, "height": 900},
                                          java_script_enabled=javascript)
            page = context.new_page()

            def guard(route: Any) -> None:
                if route.request.url.startswith(("file:", "about:")):
                    route.continue_()
                else:
                    seen["blocked"].append(route.request.url)
                    route.abort()

            def dialog(d: Any) -> None:
                seen["dialogs"].append(d.message)
                d.dismiss()

            page.route("**/*", guard)
            page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
            page.on("pageerror", lambda e: seen["errors"].append(f"pageerror: {e}"))
            page.on("dialog", dialog)
            yield page, seen
        finally:
            browser.close()


def shown(page: Any) -> list[str]:
    return page.locator("#reports tbody tr:visible").all_inner_texts()


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


@pytest.mark.parametrize("width", [1280, 375])
def test_search_and_filters_in_chromium(tmp_path: Path, width: int) -> None:
    root = tc.make_outputs(tmp_path / "outputs")
    entries = tc.readable(root)
    total = len(entries)
    lao_cai = sum(e.get("unit") == "15" for _, _, e in entries)
    with browser_page(width) as (page, seen):
        page.goto((root / "index.html").as_uri())
        assert page.locator("#filters").is_visible()
        assert len(shown(page)) == total
        assert page.locator("#count").inner_text() == f"Hiển thị {total}/{total} báo cáo"
        assert scroll_width(page) <= width

        # free text, accents optional
        page.fill("input[type=search]", "lao cai")
        rows = shown(page)
        assert len(rows) == lao_cai and all("Lào Cai" in r for r in rows)
        assert page.locator("#count").inner_text() == f"Hiển thị {lao_cai}/{total} báo cáo"
        page.fill("input[type=search]", "12-BC/VPTU")
        rows = shown(page)
        assert rows and all("12-BC/VPTU" in r for r in rows)
        assert sum("Đã ban hành" in r for r in rows) == 1

        # the unit filter, then with the period and the status
        page.fill("input[type=search]", "")
        page.select_option("select[name=unit]", "01")
        rows = shown(page)
        assert len(rows) == sum(e.get("unit") == "01" for _, _, e in entries)
        assert all("Hà Nội" in r for r in rows)
        page.select_option("select[name=period]", tc.Q2)
        assert len(shown(page)) == 1 and "Quý II/2025" in shown(page)[0]
        page.select_option("select[name=period]", "")
        page.select_option("select[name=status]", "issued")
        rows = shown(page)
        assert len(rows) == 1 and "Số 7-BC/VPTU" in rows[0]

        # the report filter and the language filter
        page.click("button[type=reset]")
        page.wait_for_timeout(100)  # the form resets, then the filter runs again
        assert len(shown(page)) == total and page.input_value("select[name=unit]") == ""
        page.select_option("select[name=report]", "national_summary")
        page.select_option("select[name=lang]", "en")
        rows = shown(page)
        assert len(rows) == 2 and all("Tổng hợp kết quả" in r and "Tiếng Anh" in r
                                      for r in rows)

        # nothing matches: the page says so
        page.click("button[type=reset]")
        page.wait_for_timeout(100)
        page.fill("input[type=search]", "không có báo cáo này")
        assert shown(page) == [] and page.locator("#none").is_visible()
        page.fill("input[type=search]", "")
        assert len(shown(page)) == total

        # a table on a wide screen, one card per report on a phone
        display = page.locator("#reports tbody tr").first.evaluate(
            "r => getComputedStyle(r).display")
        assert display == ("table-row" if width > 700 else "block")
        assert scroll_width(page) <= width
        page.fill("input[type=search]", "lào")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"catalogue-{width}.png"), full_page=True)

        # the period page and the English page filter the same way
        page.goto((root / tc.Q3 / "index.en.html").as_uri())
        page.fill("input[type=search]", "petitions")
        rows = shown(page)
        assert len(rows) == 1 and "DOCX" in rows[0]
        assert page.locator("select[name=period]").count() == 0  # one period: no choice
        assert scroll_width(page) <= width

        # the operators' page: its wide table scrolls inside the page
        page.goto((root / "runs.html").as_uri())
        assert scroll_width(page) <= width
        assert seen == {"blocked": [], "errors": [], "dialogs": []}


def test_without_javascript_every_report_shows(tmp_path: Path) -> None:
    root = tc.make_outputs(tmp_path / "outputs")
    with browser_page(375, javascript=False) as (page, seen):
        page.goto((root / "index.html").as_uri())
        assert not page.locator("#filters").is_visible()
        assert len(shown(page)) == len(tc.readable(root))
        assert scroll_width(page) <= 375
        assert seen == {"blocked": [], "errors": [], "dialogs": []}
