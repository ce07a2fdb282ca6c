"""Benchmark: exporting an executed report notebook to HTML.

Exporting is the last step of every report in a batch, so its cost is paid 1,890 times in a
back-fill. This compares, on one real executed notebook (CPU seconds, median of ``--runs``):

- naive: what ``jupyter nbconvert --to html --no-input`` does, through nbconvert's public API
  (a fresh ``HTMLExporter`` per notebook, so its templates are compiled each time);
- reportkit: :func:`reportkit.rendering.export.render_html`, the function ``write_html`` calls (one
  exporter per thread and language, reused; the page made offline by the reportkit template).

The first reportkit call of the process (which builds the exporter) is reported apart.

Measured on the Lào Cai 2025-Q3 province report (``--runs 15``, two rounds each, the two
code versions interleaved on the shared 2-core machine):

- b320f17 (a copy of nbconvert's ``from_notebook_node`` with a regex page finishing):
  reportkit 0.044-0.046 s, naive 0.110-0.118 s, ratio 2.5-2.6x;
- nbconvert's public ``HTMLExporter.from_notebook_node`` (its BeautifulSoup pass included):
  reportkit 0.065 s, naive 0.111-0.115 s, ratio 1.7-1.8x.

Usage::

    .venv/bin/reportkit run notebooks/province_report.ipynb --unit "Lào Cai" --period 2025-Q3
    .venv/bin/python bench/bench_export.py [--notebook executed.ipynb] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "outputs" / "2025-Q3" / "15-lao-cai" / "province_report.ipynb"
TITLE = "Báo cáo kết quả công tác văn phòng cấp ủy — Lào Cai — Quý III/2025"


def naive(nb: nbformat.NotebookNode) -> str:
    """``jupyter nbconvert --to html --no-input``: a fresh exporter, the stock lab template."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    # nbconvert's --no-input flag sets exactly these three traitlets.
    config = Config({"TemplateExporter": {"exclude_input": True, "exclude_input_prompt": True,
                                          "exclude_output_prompt": True}})
    body, _ = HTMLExporter(config=config).from_notebook_node(nb)
    return body


def reportkit(nb: nbformat.NotebookNode) -> str:
    """reportkit's public export function (what ``write_html`` writes)."""
    from reportkit.rendering import export

    return export.render_html(nb, title=TITLE, lang="vi")


def cpu(fn: Callable[[nbformat.NotebookNode], str], nb: nbformat.NotebookNode) -> float:
    start = time.process_time()
    fn(nb)
    return time.process_time() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notebook", type=Path, default=DEFAULT,
                    help="an executed report notebook (default: the Lào Cai 2025-Q3 report)")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    if not args.notebook.is_file():
        print(f"{args.notebook} not found: run `reportkit run notebooks/province_report.ipynb "
              '--unit "Lào Cai" --period 2025-Q3` first (see the module docstring)',
              file=sys.stderr)
        return 2
    nb = nbformat.read(args.notebook, as_version=4)
    first = cpu(reportkit, nb)
    times: dict[str, list[float]] = {"naive": [], "reportkit": []}
    for _ in range(args.runs):  # interleaved, so both arms see the same machine load
        times["naive"].append(cpu(naive, nb))
        times["reportkit"].append(cpu(reportkit, nb))
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"notebook: {args.notebook} ({args.notebook.stat().st_size / 1e6:.2f} MB), "
          f"{args.runs} runs each, CPU seconds")
    for name, values in times.items():
        print(f"  {name:<9} median {med[name]:.3f} s  "
              f"(min {min(values):.3f}, max {max(values):.3f})")
    print(f"  reportkit first call of the process (builds the exporter): {first:.3f} s")
    print(f"ratio naive / reportkit: {med['naive'] / med['reportkit']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
