"""Benchmark: printing report HTML to PDF.

Takes a rendered report (``--html``, default: renders the Lào Cai 2025-Q3 province report on
the sample data into a temporary folder) and prints ``--copies`` of it:

- naive: a fresh ``chromium --headless --print-to-pdf`` process per file (what a shell script
  would do);
- reportkit: ``reportkit.rendering.pdf.print_many`` — one browser, kept open, in its own
  process, with the A4 header/footer and network requests blocked.

Prints seconds per file and the ratio, and the share of a report's batch time the PDF step
takes (against ``--render-seconds``, the per-report render cost measured by bench_batch).

Usage::

    .venv/bin/python bench/bench_pdf.py [--html report.html] [--copies 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-pdf-header-footer"]


def render_sample(tmp: Path) -> Path:
    from reportkit.batch.execute import run_report
    from reportkit.intake import ingest, sample
    from reportkit.store.warehouse import Warehouse

    (tmp / "params").mkdir()
    sample.generate(tmp / "data" / "sample")
    wh = Warehouse(tmp / "data" / "warehouse")
    ingest([tmp / "data" / "sample"], warehouse=wh, quarantine=tmp / "q", archive=tmp / "a")
    os.environ["REPORTKIT_WAREHOUSE"] = str(wh.root)
    os.environ["REPORTKIT_HOME"] = str(tmp)
    res = run_report(ROOT / "notebooks" / "province_report.ipynb", unit="Lào Cai",
                     period="2025-Q3", output_root=tmp / "outputs")
    return res.html


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--html", type=Path)
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--render-seconds", type=float, default=None,
                    help="per-report render cost to compare with (from bench_batch)")
    args = ap.parse_args()
    from reportkit.rendering import pdf

    chromium = os.environ.get("REPORTKIT_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        print(f"no Chromium at {chromium}: run `make system`")
        return 1
    with tempfile.TemporaryDirectory(prefix="rk-bench-pdf-") as t:
        tmp = Path(t)
        html = args.html or render_sample(tmp)
        copies = []
        for i in range(args.copies):
            dst = tmp / "copies" / f"r{i}.html"
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(html, dst)
            copies.append(dst)
        t0 = time.perf_counter()
        for i, src in enumerate(copies):
            profile = tmp / f"profile{i}"
            subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}",
                            f"--print-to-pdf={tmp / f'naive{i}.pdf'}", src.as_uri()],
                           check=True, capture_output=True, timeout=120)
        naive = (time.perf_counter() - t0) / len(copies)
        t0 = time.perf_counter()
        results = pdf.print_many([(c, c.with_suffix(".pdf")) for c in copies],
                                 office="Văn phòng Tỉnh ủy Lào Cai", marking="Lưu hành nội bộ")
        shared = (time.perf_counter() - t0) / len(copies)
        pages = results[0].pages
        print(f"PDF of {html.name} ({pages} A4 pages), {len(copies)} files")
        print(f"  naive: fresh chromium --print-to-pdf per file: {naive:6.2f} s/file")
        print(f"  reportkit.rendering.pdf.print_many (one browser):         {shared:6.2f} s/file"
              f"   ratio {naive / shared:4.1f}x  ({shared / max(pages, 1):.2f} s/page)")
        if args.render_seconds:
            print(f"  PDF step vs render ({args.render_seconds:.1f} s/report): "
                  f"{shared / args.render_seconds:.0%} of it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
