"""Benchmark: drawing the charts of one province report.

Why: report charts used to be PNGs drawn through a private-API memo of matplotlib's glyphs,
fonts and text layouts. That memo is gone (private names break on the next release); pages
now get SVG with text kept as text, which does less work instead. This measures what that
choice costs or saves, per report, in CPU seconds and bytes:

- naive: plain matplotlib, a fresh figure per chart saved with ``savefig(format="png")`` at
  the house dpi (150), as a notebook author would;
- house PNG: :func:`reportkit.presentation.charts.to_png` (plain Agg, laid out once, 64-colour
palette); - house SVG: :func:`reportkit.presentation.charts.img_html` (inline SVG, text as text) —
what pages get;

(The private-API memo measured 1.12 CPU-s on this machine for the same charts when it was
removed, against 1.31 for the SVG charts and 2.10 for the naive PNGs.)

The charts are the ones the Lào Cai 2025-Q3 province report draws (sections, petition charts
and every explorer view): the report's chart calls are recorded once, then replayed, so each
way builds fresh figures from the same data and the time includes building them. The embedded
font (:func:`reportkit.presentation.charts.font_face_css`, once per page) is reported separately:
the cost of subsetting it, and of reading it from the disk cache as a report kernel does.

Usage::

    .venv/bin/python bench/bench_charts.py [--repeats 3]

Needs the sample warehouse (``reportkit sample && reportkit ingest data/sample``), or pass
``--generate`` to build one in a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UNIT, PERIOD = "Lào Cai", "2025-Q3"
PETITION_CHARTS = ("chart_flow", "chart_bars", "chart_stacked", "chart_compare")
Call = tuple[str, str, tuple[Any, ...], dict[str, Any]]  # (module, function, args, kwargs)


def generate(tmp: Path) -> None:
    from reportkit.intake import ingest, sample
    from reportkit.store.warehouse import Warehouse

    sample.generate(tmp / "data" / "sample")
    wh = Warehouse(tmp / "data" / "warehouse")
    ingest([tmp / "data" / "sample"], warehouse=wh, quarantine=tmp / "q", archive=tmp / "a")
    os.environ["REPORTKIT_WAREHOUSE"] = str(wh.root)
    os.environ["REPORTKIT_HOME"] = str(tmp)


def record_calls() -> list[Call]:
    """Run the province report's display code (output discarded) and record every chart
    function call it makes, with its arguments."""
    import IPython.display

    from reportkit.presentation import charts, petitions
    from reportkit.presentation.report import ProvinceReport

    calls: list[Call] = []
    patched: list[tuple[ModuleType, str, Any]] = []

    def spy(module: ModuleType, name: str) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append((module.__name__, name, args, kwargs))
            return real(*args, **kwargs)

        patched.append((module, name, real))
        setattr(module, name, wrapper)

    for name in charts.CHARTS:
        spy(charts, name)
    for name in PETITION_CHARTS:
        spy(petitions, name)
    real_display = IPython.display.display
    IPython.display.display = lambda *a, **k: None
    try:
        rep = ProvinceReport(UNIT, PERIOD)
        rep.show_heading()
        for number, key in enumerate(rep.SECTIONS, 1):
            rep.show_section(key, number)
        rep.explorers()
    finally:
        IPython.display.display = real_display
        for module, name, real in patched:
            setattr(module, name, real)
    return calls


def build(calls: list[Call], charts: ModuleType) -> list[Any]:
    """Fresh figures from the recorded calls, drawn by ``charts``."""
    from reportkit.presentation import petitions

    return [getattr(charts if mod.endswith("charts") else petitions, name)(*args, **kwargs)
            for mod, name, args, kwargs in calls]


def naive_png(fig: Any, charts: ModuleType) -> bytes:
    buf = io.BytesIO()
    with charts.style():
        fig.savefig(buf, format="png", dpi=charts.DPI, facecolor="white")
    return buf.getvalue()


def run(calls: list[Call], charts: ModuleType, out: Callable[[Any], Any]) -> tuple[float, int]:
    """CPU seconds to build and output every chart; total bytes of the output."""
    start = time.process_time()
    outputs = [out(fig) for fig in build(calls, charts)]
    seconds = time.process_time() - start
    return seconds, sum(len(o) for o in outputs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--generate", action="store_true",
                    help="build the sample warehouse in a temporary folder first")
    args = ap.parse_args()
    from matplotlib.font_manager import FontProperties, findfont

    from reportkit.presentation import charts

    with tempfile.TemporaryDirectory(prefix="rk-bench-charts-") as t:
        tmp = Path(t)
        if args.generate:
            generate(tmp)
        calls = record_calls()
        charts.font_face_css.cache_clear()  # the report's heading computed it
        start = time.process_time()
        font = charts.font_face_css()  # from matplotlib's cache folder, as in a report kernel
        font_cached_s = time.process_time() - start
        start = time.process_time()
        for weight in ("normal", "bold"):  # subsetting itself, as without that cache
            charts._font_face("DejaVu Sans", findfont(FontProperties(
                family="DejaVu Sans", weight=weight), fallback_to_default=False), 400)
        font_s = time.process_time() - start
        ways: dict[str, tuple[ModuleType, Callable[[Any], Any]]] = {
            "naive PNG (savefig, 150 dpi)": (charts, lambda f: naive_png(f, charts)),
            "house PNG (to_png, palette)": (charts, charts.to_png),
            "house SVG (img_html)": (charts, charts.img_html),
        }
        results = {}
        for label, (module, out) in ways.items():
            run(calls, module, out)  # warm-up: imports, font caches (and the old memo)
            times, size = [], 0
            for _ in range(args.repeats):
                seconds, size = run(calls, module, out)
                times.append(seconds)
            results[label] = (statistics.median(times), min(times), size)
    naive = results["naive PNG (savefig, 150 dpi)"][0]
    print(f"{len(calls)} charts of the {UNIT} {PERIOD} province report; CPU seconds to build and "
          f"output all of them (median of {args.repeats}, after a warm-up run)")
    for label, (median, best, size) in results.items():
        print(f"  {label:34s} {median:6.2f} s (best {best:5.2f})  {naive / median:5.2f}x naive"
              f"  {size / 1000:7.0f} kB")
    print(f"  embedded font, subset              {font_s:6.2f} s"
          f"                            {len(font) / 1000:7.0f} kB per page")
    print(f"  embedded font, from the disk cache {font_cached_s:6.2f} s  (once per process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
