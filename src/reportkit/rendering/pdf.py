"""Print exported HTML to PDF through headless system Chromium, driven by Playwright.

One browser serves many files: :class:`PdfPrinter` starts Chromium once and keeps one page
per language open, which navigates from file to file (a new context per file started a new
renderer process each time, which cost as much CPU as printing the report); a page that failed
a job is closed and the next job gets a fresh one. The batch prints the print variant of a
report (:func:`reportkit.rendering.export.write_print_html`: no widget renderer to parse and
run), which is ready at its load event.

Playwright's sync API must not run in a thread that is running an asyncio loop (a
papermill/nbclient kernel loop, Jupyter itself), so :func:`print_many` runs the printer in a
separate Python process (``python -m reportkit.rendering.pdf``), two side by side for a long
list; it is safe to call from the runner, a multiprocessing worker (daemonic or not) or a Dask
worker.

The page's layout on paper is the one stylesheet's (``presentation/templates/reportkit.css``:
``@page`` size, margins and page numbers, the official heading block); the printer adds no
header or footer of its own. What a job knows and the page may not, it writes into the page
before printing: the marking into the heading block's ``data-reportkit-marking`` place (when
the page left it empty) and, on a page without the official heading, the issuing office and
marking at the top of the first page.

While printing, every request that is not ``file:``/``data:``/``blob:``/``about:`` is
aborted, so a report never waits on the network. Playwright's own browser download is
never used: the browser is ``$REPORTKIT_CHROMIUM`` or ``/usr/bin/chromium``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reportkit.core import markings
from reportkit.core.markings import check_marking
from reportkit.errors import ExportError
from reportkit.store.io import atomic_write

log = logging.getLogger("reportkit.rendering.pdf")

__all__ = ["PdfPrinter", "PrintJob", "PrintResult", "print_many", "chromium_path", "MARGINS"]

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# The official margins (Hướng dẫn 36-HD/VPTW within Decree 30/2020 App. I's ranges): wide left
# margin for binding. The stylesheet's @page rule sets the same; these apply to a page without
# it.
MARGINS = {"top": "20mm", "bottom": "20mm", "left": "30mm", "right": "15mm"}
# The printable area of A4 at MARGINS in CSS pixels (96 per inch): 165 mm x 257 mm.
PRINT_VIEWPORT = {"width": 624, "height": 971}
ALLOWED_SCHEMES = ("file:", "data:", "blob:", "about:")
PAGE_USES = 100  # jobs one kept-open page prints before a fresh one replaces it
BROWSERS = 2  # printing processes print_many runs side by side (see its ``browsers``)
# Writes the job's marking and office into the page, as text (never as markup): into the
# heading block's marking place if the page left it empty; on a page without the official
# heading (a notebook that does not use reportkit's pages), a line at the top of the first
# page with the office and the marking.
_FILL_JS = """([office, marking]) => {
  const slot = document.querySelector('[data-reportkit-marking]');
  if (slot) {
    if (marking && !slot.textContent.trim()) slot.textContent = marking;
    return;
  }
  if (!office && !marking) return;
  const top = document.createElement('div');
  top.className = 'rk';
  top.setAttribute('data-reportkit-print-head', '1');
  const head = document.createElement('div');
  head.className = 'rk-head';
  const left = document.createElement('div');
  left.className = 'rk-head-l';
  const name = document.createElement('span');
  name.className = 'rk-issuer';
  name.style.textTransform = 'uppercase';
  name.textContent = office;
  const mark = document.createElement('span');
  mark.className = 'rk-marking';
  mark.textContent = marking || '';
  left.append(name, mark);
  const right = document.createElement('div');
  right.className = 'rk-head-r';
  head.append(left, right);
  top.append(head);
  const where = document.querySelector('main') || document.body;
  where.prepend(top);
}"""


@dataclass(frozen=True)
class PrintJob:
    """One HTML file to print: its title (PDF metadata), language (the browser's locale), and
    the issuing office and marking the printer writes into a page that lacks them."""

    html: Path
    pdf: Path
    title: str = ""
    lang: str = "vi"
    office: str = ""
    marking: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "marking", check_marking(self.marking))

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe form (for the printing subprocess)."""
        return {**asdict(self), "html": str(self.html), "pdf": str(self.pdf)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PrintJob:
        """The inverse of :meth:`to_json`."""
        return cls(**{**data, "html": Path(data["html"]), "pdf": Path(data["pdf"])})


@dataclass
class PrintResult:
    """What happened to one job."""

    pdf: Path
    ok: bool
    seconds: float
    pages: int | None = None
    blocked: list[str] = field(default_factory=list)
    error: str | None = None


def chromium_path() -> str:
    """The Chromium executable: ``$REPORTKIT_CHROMIUM`` or ``/usr/bin/chromium``."""
    return os.environ.get("REPORTKIT_CHROMIUM", DEFAULT_CHROMIUM)


@dataclass
class _Tab:
    """A kept-open page (and its browser context) that prints one job after another."""

    context: Any
    page: Any
    uses: int = 0
    blocked: list[str] = field(default_factory=list)  # the current job's
    errors: list[str] = field(default_factory=list)  # the current job's


def _count_pages(data: bytes) -> int:
    """Pages of a PDF written by Chromium (counts /Type /Page objects)."""
    import re

    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


class PdfPrinter:
    """A headless Chromium that prints many HTML files; use as a context manager.

    Example::

        with PdfPrinter() as printer:
            for job in jobs:
                printer.print(job)
    """

    def __init__(self, executable: str | None = None, *, timeout: float = 60.0,
                 widget_timeout: float = 25.0) -> None:
        """Set up (nothing starts before ``__enter__``).

        Args:
            executable: The Chromium binary; defaults to :func:`chromium_path`.
            timeout: Seconds allowed to load and print one file.
            widget_timeout: Seconds allowed for the page's widgets to render.
        """
        self.executable = executable or chromium_path()
        self.timeout = timeout
        self.widget_timeout = widget_timeout
        self._playwright: Any = None
        self._browser: Any = None
        self._tabs: dict[str, _Tab] = {}  # one kept-open page per locale
        self.last_result: PrintResult | None = None

    def __enter__(self) -> PdfPrinter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Launch the browser.

        Raises:
            ExportError: Called inside a running asyncio loop, or Chromium is missing.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise ExportError("PdfPrinter cannot run inside an asyncio event loop (a kernel or "
                              "Jupyter); use reportkit.rendering.pdf.print_many(), which prints "
                              "in its own process")
        if not Path(self.executable).exists():
            raise ExportError(f"Chromium not found at {self.executable}; install it "
                              "(tools/install-system-deps.sh) or set REPORTKIT_CHROMIUM",
                              file=self.executable)
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._launch()
        except Exception:
            self._playwright.stop()
            self._playwright = None
            raise

    def _launch(self) -> None:
        self._browser = self._playwright.chromium.launch(
            executable_path=self.executable, args=CHROMIUM_ARGS, headless=True)

    def close(self) -> None:
        """Close the browser and Playwright."""
        self._tabs.clear()
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._browser = None
            if self._playwright is not None:
                self._playwright.stop()
                self._playwright = None

    def print(self, job: PrintJob) -> Path:
        """Print one file; raises ExportError on failure. ``last_result`` has the details."""
        result = self.print_job(job)
        if not result.ok:
            raise ExportError(f"PDF printing of {job.html.name} failed: {result.error}",
                              file=str(job.html), format="pdf")
        return result.pdf

    def print_job(self, job: PrintJob) -> PrintResult:
        """Print one file and report what happened (never raises for a page problem)."""
        if self._browser is None:
            raise ExportError("PdfPrinter is not started; use it as a context manager")
        if not self._browser.is_connected():  # Chromium died: start a new one
            self._tabs.clear()
            self._launch()
        started = time.monotonic()
        blocked: list[str] = []
        try:
            data = self._render(job, blocked)
            atomic_write(job.pdf, data)
            result = PrintResult(job.pdf, True, time.monotonic() - started,
                                 _count_pages(data), blocked)
        except Exception as exc:  # reported per job; print_many carries on
            result = PrintResult(job.pdf, False, time.monotonic() - started, None, blocked,
                                 f"{type(exc).__name__}: {exc}")
        self.last_result = result
        return result

    def _tab(self, locale: str) -> _Tab:
        """The kept-open page for ``locale``, made on first use and after PAGE_USES jobs.

        Opening a context and page per file started a renderer process per file, which cost
        Chromium as much CPU as printing the report; one page that navigates from report to
        report keeps its renderer. Every job still gets a new document (``goto``), and a page
        that failed a job is closed, so one bad report cannot leave state behind for the next.
        """
        tab = self._tabs.get(locale)
        if tab is not None and tab.uses < PAGE_USES and not tab.page.is_closed():
            return tab
        self._drop(locale)
        # Lay the page out at the printed width and in print media from the start, so what
        # is measured is what is printed and the page is laid out once, not twice.
        context = self._browser.new_context(service_workers="block", java_script_enabled=True,
                                            locale=locale, viewport=PRINT_VIEWPORT)
        try:
            page = context.new_page()
            page.set_default_timeout(self.timeout * 1000)
            page.emulate_media(media="print")
            tab = _Tab(context, page)

            def guard(route: Any) -> None:
                url = route.request.url
                if url.startswith(ALLOWED_SCHEMES):
                    route.continue_()
                else:
                    tab.blocked.append(url)
                    route.abort("blockedbyclient")

            page.on("pageerror", lambda err: tab.errors.append(str(err)))
            page.route("**/*", guard)
        except Exception:
            context.close()
            raise
        self._tabs[locale] = tab
        return tab

    def _drop(self, locale: str) -> None:
        tab = self._tabs.pop(locale, None)
        if tab is not None:
            try:
                tab.context.close()
            except Exception as exc:  # a dead page or browser: nothing left to close
                log.debug("closing a print page failed: %s", exc)

    def _render(self, job: PrintJob, blocked: list[str]) -> bytes:
        html_path = Path(job.html).resolve()
        if not html_path.is_file():
            raise FileNotFoundError(html_path)
        locale = "vi-VN" if job.lang == "vi" else "en-GB"
        tab = self._tab(locale)
        tab.uses += 1
        tab.blocked, tab.errors = blocked, []
        page = tab.page
        try:
            page.goto(html_path.as_uri(), wait_until="load")
            state = page.evaluate("document.documentElement.getAttribute("
                                  "'data-reportkit-widgets')")
            if state is not None:
                if state == "pending":
                    page.wait_for_function(
                        "document.documentElement.getAttribute('data-reportkit-widgets') "
                        "!== 'pending'", timeout=self.widget_timeout * 1000, polling=50)
                    state = page.evaluate("document.documentElement.getAttribute("
                                          "'data-reportkit-widgets')")
                if state != "ready":
                    raise ExportError(f"the widgets did not render ({state}); "
                                      f"page errors: {tab.errors[:3]}")
            page.evaluate("window.reportkitMarkTall && window.reportkitMarkTall("
                          f"{PRINT_VIEWPORT['height'] * 0.95:.0f})")
            if job.title:
                page.evaluate("t => { document.title = t; }", job.title)
            page.evaluate(_FILL_JS, [job.office, markings.label(job.marking, job.lang)])
            page.evaluate("document.fonts.ready.then(() => true)")
            # Size, margins and page numbers come from the page's @page rules (the one
            # stylesheet); format and margin apply to a page that sets none.
            return page.pdf(
                format="A4",
                margin=MARGINS,
                print_background=True,
                display_header_footer=False,
                prefer_css_page_size=True,
                outline=True,
                tagged=True,
            )
        except BaseException:
            self._drop(locale)
            raise
        finally:
            tab.blocked, tab.errors = [], []


def _coerce(job: PrintJob | tuple[Path | str, Path | str], defaults: dict[str, Any]) -> PrintJob:
    if isinstance(job, PrintJob):
        return job
    html_path, pdf_path = job
    return PrintJob(html=Path(html_path), pdf=Path(pdf_path), **defaults)


def print_many(jobs: Iterable[PrintJob | tuple[Path | str, Path | str]], *,
               isolate: bool = True, raise_on_error: bool = True, timeout: float = 60.0,
               title: str = "", lang: str = "vi", office: str = "",
               marking: str | None = None, browsers: int | None = None) -> list[PrintResult]:
    """Print many HTML files with one browser (or a few side by side).

    Args:
        jobs: :class:`PrintJob` objects, or ``(html, pdf)`` pairs that take the defaults
            given by ``title``, ``lang``, ``office`` and ``marking``.
        isolate: Print in a separate Python process (the default, safe anywhere); False
            prints in this process, which must not be running an asyncio loop.
        raise_on_error: Raise ExportError after all jobs ran if any failed.
        timeout: Seconds allowed per file.
        title: Default title for pairs.
        lang: Default language for pairs.
        office: Default issuing office for pairs.
        marking: Default confidentiality marking for pairs.
        browsers: With ``isolate``, how many printing processes (each with its own
            browser) share the jobs; default :data:`BROWSERS`, at most one per CPU core and
            per two jobs. One browser prints on about one core, so a second one halves a
            long list's time on an idle machine.

    Returns:
        One :class:`PrintResult` per job, in order.
    """
    defaults = {"title": title, "lang": lang, "office": office, "marking": marking}
    todo = [_coerce(job, defaults) for job in jobs]
    if not todo:
        return []
    if isolate:
        wanted = BROWSERS if browsers is None else browsers
        n = max(1, min(wanted, os.cpu_count() or 1, len(todo) // 2))
        if n == 1:
            results = _print_in_subprocess(todo, timeout)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(n) as pool:
                parts = list(pool.map(lambda i: _print_in_subprocess(todo[i::n], timeout),
                                      range(n)))
            results = [parts[i % n][i // n] for i in range(len(todo))]
    else:
        with PdfPrinter(timeout=timeout) as printer:
            results = [printer.print_job(job) for job in todo]
    failed = [r for r in results if not r.ok]
    if failed and raise_on_error:
        detail = "; ".join(f"{r.pdf.name}: {r.error}" for r in failed[:5])
        raise ExportError(f"{len(failed)} of {len(results)} PDF(s) failed: {detail}",
                          format="pdf", failed=[str(r.pdf) for r in failed])
    return results


def _print_in_subprocess(jobs: Sequence[PrintJob], timeout: float) -> list[PrintResult]:
    payload = json.dumps({"timeout": timeout, "jobs": [job.to_json() for job in jobs]})
    budget = 60 + len(jobs) * (timeout + 5)
    try:
        proc = subprocess.run([sys.executable, "-m", "reportkit.rendering.pdf"], input=payload,
                              capture_output=True, text=True, encoding="utf-8",
                              timeout=budget, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ExportError(f"PDF printing took longer than {budget:.0f} s", format="pdf") from exc
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise ExportError(f"The PDF printing process failed (exit {proc.returncode}): "
                          f"{proc.stderr.strip()[-2000:]}", format="pdf")
    out = json.loads(lines[-1])
    if "error" in out:
        raise ExportError(f"PDF printing failed: {out['error']}", format="pdf")
    return [PrintResult(pdf=Path(r["pdf"]), ok=r["ok"], seconds=r["seconds"], pages=r["pages"],
                        blocked=r["blocked"], error=r["error"]) for r in out["results"]]


def _main() -> int:
    """``python -m reportkit.rendering.pdf``: jobs as JSON on stdin, results as one JSON line on
    stdout."""
    request = json.loads(sys.stdin.read())
    jobs = [PrintJob.from_json(job) for job in request["jobs"]]
    try:
        with PdfPrinter(timeout=float(request.get("timeout", 60.0))) as printer:
            results = [printer.print_job(job) for job in jobs]
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 0
    print(json.dumps({"results": [{**asdict(r), "pdf": str(r.pdf)} for r in results]}))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
