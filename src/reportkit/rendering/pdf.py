"""Print exported HTML to PDF through headless system Chromium, driven by Playwright.

One browser serves many files: :class:`PdfPrinter` starts Chromium once and opens a fresh
page per file. Playwright's sync API must not run in a thread that is running an asyncio
loop (a papermill/nbclient kernel loop, Jupyter itself), so :func:`print_many` runs the
printer in a separate Python process (``python -m reportkit.rendering.pdf``); it is safe to call
from the runner, a multiprocessing worker (daemonic or not) or a Dask worker.

While printing, every request that is not ``file:``/``data:``/``blob:``/``about:`` is
aborted, so a report never waits on the network. Playwright's own browser download is
never used: the browser is ``$REPORTKIT_CHROMIUM`` or ``/usr/bin/chromium``.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reportkit.errors import ExportError
from reportkit.rendering.markings import check_marking
from reportkit.store.io import atomic_write

__all__ = ["PdfPrinter", "PrintJob", "PrintResult", "print_many", "chromium_path", "MARGINS"]

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# Filing margins: wide left margin for binding.
MARGINS = {"top": "20mm", "bottom": "18mm", "left": "25mm", "right": "15mm"}
# The printable area of A4 at MARGINS in CSS pixels (96 per inch): 170 mm x 259 mm.
PRINT_VIEWPORT = {"width": 643, "height": 979}
ALLOWED_SCHEMES = ("file:", "data:", "blob:", "about:")
FONT = "'DejaVu Sans', 'Segoe UI', Arial, sans-serif"
_FOOTER = {
    "vi": 'Trang <span class="pageNumber"></span>/<span class="totalPages"></span>',
    "en": 'Page <span class="pageNumber"></span> of <span class="totalPages"></span>',
}


@dataclass(frozen=True)
class PrintJob:
    """One HTML file to print, with its header and footer settings."""

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


def header_template(office: str, marking: str | None) -> str:
    """Header: issuing office on the left, confidentiality marking on the right."""
    style = (f"font-family:{FONT};font-size:8.5pt;width:100%;margin:0 {MARGINS['right']} 0 "
             f"{MARGINS['left']};display:flex;justify-content:space-between;"
             "align-items:flex-end;color:#222;-webkit-print-color-adjust:exact;")
    mark = ""
    if marking:
        mark = ('<span style="font-weight:bold;color:#b00;border:1px solid #b00;'
                f'padding:0 4pt;text-transform:uppercase">{html.escape(marking)}</span>')
    return (f'<div style="{style}"><span style="text-transform:uppercase">'
            f"{html.escape(office)}</span>{mark}</div>")


def footer_template(lang: str) -> str:
    """Footer: "Trang 2/7" (vi) or "Page 2 of 7" (en), centred."""
    style = (f"font-family:{FONT};font-size:8.5pt;width:100%;text-align:center;color:#222;"
             f"margin:0 {MARGINS['right']} 0 {MARGINS['left']};")
    return f'<div style="{style}">{_FOOTER.get(lang, _FOOTER["en"])}</div>'


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

    def _render(self, job: PrintJob, blocked: list[str]) -> bytes:
        html_path = Path(job.html).resolve()
        if not html_path.is_file():
            raise FileNotFoundError(html_path)
        # Lay the page out at the printed width, so what is measured is what is printed.
        context = self._browser.new_context(service_workers="block", java_script_enabled=True,
                                            locale="vi-VN" if job.lang == "vi" else "en-GB",
                                            viewport=PRINT_VIEWPORT)
        try:
            page = context.new_page()
            page.set_default_timeout(self.timeout * 1000)
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))

            def guard(route: Any) -> None:
                url = route.request.url
                if url.startswith(ALLOWED_SCHEMES):
                    route.continue_()
                else:
                    blocked.append(url)
                    route.abort("blockedbyclient")

            page.route("**/*", guard)
            page.goto(html_path.as_uri(), wait_until="load")
            state = page.evaluate("document.documentElement.getAttribute("
                                  "'data-reportkit-widgets')")
            if state is not None:
                page.wait_for_function(
                    "document.documentElement.getAttribute('data-reportkit-widgets') "
                    "!== 'pending'", timeout=self.widget_timeout * 1000)
                state = page.evaluate("document.documentElement.getAttribute("
                                      "'data-reportkit-widgets')")
                if state != "ready":
                    raise ExportError(f"the widgets did not render ({state}); "
                                      f"page errors: {errors[:3]}")
            page.emulate_media(media="print")
            page.evaluate("window.reportkitMarkTall && window.reportkitMarkTall("
                          f"{PRINT_VIEWPORT['height'] * 0.95:.0f})")
            if job.title:
                page.evaluate("t => { document.title = t; }", job.title)
            # The printer's margins win over whatever @page the document sets.
            margin = " ".join(MARGINS[k] for k in ("top", "right", "bottom", "left"))
            # The marking is in every page header: not again above the first page's text.
            hide = " .reportkit-marking { display: none; }" if job.marking else ""
            page.add_style_tag(content=f"@page {{ size: A4; margin: {margin}; }}{hide}")
            page.evaluate("document.fonts.ready.then(() => true)")
            return page.pdf(
                format="A4",
                margin=MARGINS,
                print_background=True,
                display_header_footer=True,
                header_template=header_template(job.office, job.marking),
                footer_template=footer_template(job.lang),
                prefer_css_page_size=False,
                outline=True,
                tagged=True,
            )
        finally:
            context.close()


def _coerce(job: PrintJob | tuple[Path | str, Path | str], defaults: dict[str, Any]) -> PrintJob:
    if isinstance(job, PrintJob):
        return job
    html_path, pdf_path = job
    return PrintJob(html=Path(html_path), pdf=Path(pdf_path), **defaults)


def print_many(jobs: Iterable[PrintJob | tuple[Path | str, Path | str]], *,
               isolate: bool = True, raise_on_error: bool = True, timeout: float = 60.0,
               title: str = "", lang: str = "vi", office: str = "",
               marking: str | None = None) -> list[PrintResult]:
    """Print many HTML files with one browser.

    Args:
        jobs: :class:`PrintJob` objects, or ``(html, pdf)`` pairs that take the defaults
            given by ``title``, ``lang``, ``office`` and ``marking``.
        isolate: Print in a separate Python process (the default, safe anywhere); False
            prints in this process, which must not be running an asyncio loop.
        raise_on_error: Raise ExportError after all jobs ran if any failed.
        timeout: Seconds allowed per file.
        title: Default title for pairs.
        lang: Default footer language for pairs.
        office: Default issuing office for pairs.
        marking: Default confidentiality marking for pairs.

    Returns:
        One :class:`PrintResult` per job, in order.
    """
    defaults = {"title": title, "lang": lang, "office": office, "marking": marking}
    todo = [_coerce(job, defaults) for job in jobs]
    if not todo:
        return []
    if isolate:
        results = _print_in_subprocess(todo, timeout)
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
