"""Benchmark: a naive shell loop of papermill + nbconvert against ``reportkit batch``.

Both render the same 35 reports (the province report of each of the 34 units for one
quarter, plus the national summary) from the same notebooks, warehouse and machine:

* naive: ``papermill`` then ``jupyter nbconvert --to html --no-input``, per report, serially,
  in a bash loop (what a user would write);
* ``reportkit batch`` with a schedule of the same jobs (fresh output folder), then the same
  command again (nothing changed: every job skipped).

It prints wall and CPU seconds of each, the ratio, the no-op re-run time, the peak memory
of each batch worker (the worker process and its largest kernel) and an *estimate* of the
1,890-report back-fill (63 units × 30 months) from the measured per-report cost; the
back-fill itself is not run. CPU seconds include every child process (kernels too): on a
shared machine they show how much of the wall time was the benchmark's own work.

    python bench/bench_batch.py                       # uses or builds a sample warehouse
    python bench/bench_batch.py --warehouse /path/to/data/warehouse --period 2025-Q3
    python bench/bench_batch.py --naive-limit 5        # time 5 naive reports, extrapolate
    python bench/bench_batch.py --small                # a small notebook instead: the cost
                                                       # of running reports, not of the report

The sample warehouse is taken from ``$REPORTKIT_WAREHOUSE`` or ``data/warehouse`` if it exists,
else built under ``bench/.work/`` (``reportkit sample`` + ``reportkit ingest``, a few minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = ROOT / "bench" / ".work"
NOTEBOOKS = ROOT / "notebooks"
BACKFILL = 63 * 30


def children_cpu() -> float:
    """CPU seconds of every child process waited for so far (and of their children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str], **kw: object) -> tuple[float, float,
                                                                      subprocess.CompletedProcess]:
    """Wall and CPU seconds (this process's children, i.e. everything the command ran)."""
    cpu, t0 = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, **kw)  # type: ignore
    return time.perf_counter() - t0, children_cpu() - cpu, proc


def warehouse(arg: str | None, env: dict[str, str]) -> Path:
    """The warehouse to use, building the sample one under bench/.work if needed."""
    for candidate in (arg, os.environ.get("REPORTKIT_WAREHOUSE"), ROOT / "data" / "warehouse"):
        if candidate and (Path(candidate) / "catalog.json").is_file():
            return Path(candidate).resolve()
    target = WORK / "data" / "warehouse"
    if not (target / "catalog.json").is_file():
        print(f"building the sample warehouse in {target} (a few minutes) ...", flush=True)
        sample = WORK / "data" / "sample"
        for cmd in ([str(BIN / "reportkit"), "sample", "--out", str(sample), "--if-missing"],
                    [str(BIN / "reportkit"), "ingest", str(sample), "--warehouse",
                     str(target)]):
            subprocess.run(cmd, env=env, check=True, cwd=WORK)
    return target


SMALL_CELL = ("import matplotlib.pyplot as plt\nimport pandas as pd\n\n"
              "df = pd.DataFrame({'x': range(12), 'y': [i * i for i in range(12)]})\n"
              "fig, ax = plt.subplots(figsize=(4, 2))\nax.plot(df.x, df.y)\n"
              "ax.set_title(f'{unit} {period}')\nplt.show()\ndf.describe()")


def small_notebooks(folder: Path) -> dict[str, Path]:
    """Two small notebooks (per unit, national) like the issue's measurements: pandas,
    pyplot, one chart and one table; no warehouse access."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for stem, params in (("province_report", 'unit = "01"\nperiod = "2025-Q3"\nlang = "vi"'),
                         ("national_summary", 'period = "2025-Q3"\nlang = "vi"')):
        first = new_code_cell(params)
        first.metadata["tags"] = ["parameters"]
        cells = [first, new_code_cell(SMALL_CELL)]
        if "unit" not in params:
            cells.insert(1, new_code_cell('unit = "national"'))
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "reportkit", "display_name": "reportkit",
                                     "language": "python"}
        out[stem] = folder / f"{stem}.ipynb"
        nbformat.write(nb, out[stem])
    return out


def units_of(period: str) -> list[str]:
    from reportkit.core import units
    from reportkit.core.periods import Period

    return [u.code for u in units.units_at(Period.parse(period).last)]


def naive_script(codes: list[str], period: str, out: Path, notebooks: Path) -> str:
    """The loop a user would write: papermill, then nbconvert, one report after another."""
    lines = ["set -e", f"cd {shlex.quote(str(out))}"]
    jobs = [("province_report", ["-r", "unit", code], code) for code in codes]
    jobs.append(("national_summary", [], "national"))
    for stem, extra, name in jobs:
        nb = shlex.quote(str(notebooks / f"{stem}.ipynb"))
        target = f"{stem}-{name}.ipynb"
        args = " ".join(shlex.quote(a) for a in extra)
        lines.append(f"papermill {nb} {target} -k reportkit --no-progress-bar --log-level "
                     f"ERROR {args} -r period {shlex.quote(period)}")
        lines.append(f"jupyter nbconvert --to html --no-input --log-level ERROR {target}")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse", default=None, help="warehouse folder (default: see above)")
    ap.add_argument("--period", default="2025-Q3", help="the quarter (default 2025-Q3)")
    ap.add_argument("--workers", type=int, default=None,
                    help="batch workers (default: one per core)")
    ap.add_argument("--naive-limit", type=int, default=None,
                    help="time only this many naive province reports and extrapolate")
    ap.add_argument("--small", action="store_true",
                    help="use a small notebook (pandas, pyplot, one chart) for all 35 reports")
    args = ap.parse_args()
    notebooks = NOTEBOOKS
    if args.small:
        notebooks = WORK / "small"
        small_notebooks(notebooks)

    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "MPLBACKEND": "Agg"}
    wh = warehouse(args.warehouse, env)
    env.update(REPORTKIT_WAREHOUSE=str(wh), REPORTKIT_HOME=str(wh.parent.parent))
    codes = units_of(args.period)
    total = len(codes) + 1
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"{'small notebook: ' if args.small else ''}"
          f"{total} reports: {len(codes)} provinces of {args.period} + the national summary; "
          f"warehouse {wh}; {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)

    # 1. the naive loop
    naive_codes = codes[:args.naive_limit] if args.naive_limit else codes
    naive_out = WORK / "naive"
    shutil.rmtree(naive_out, ignore_errors=True)
    shutil.rmtree(wh / "cache", ignore_errors=True)  # both arms start with a cold cache
    naive_out.mkdir()
    script = naive_out / "loop.sh"
    script.write_text(naive_script(naive_codes, args.period, naive_out, notebooks))
    print(f"naive loop: {len(naive_codes) + 1} reports (papermill + nbconvert each) ...",
          flush=True)
    n_wall, n_cpu, proc = timed(["bash", str(script)], env)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return 1
    htmls = len(list(naive_out.glob("*.html")))
    assert htmls == len(naive_codes) + 1, f"{htmls} HTML files"
    per_naive = n_wall / (len(naive_codes) + 1)
    naive_total = per_naive * total
    print(f"  {n_wall:.1f}s wall, {n_cpu:.1f}s CPU: {per_naive:.2f}s per report"
          + (f" (extrapolated to {total}: {naive_total:.1f}s)" if args.naive_limit else ""),
          flush=True)

    # 2. reportkit batch, cold, into a fresh folder
    params = WORK / "params"
    params.mkdir(exist_ok=True)
    sched = params / "bench.yaml"
    spec = {"notebooks": [str(notebooks / "province_report.ipynb"),
                          str(notebooks / "national_summary.ipynb")],
            "units": "all", "period": args.period, "formats": ["html"]}
    if args.small:
        spec["warm"] = ["pandas", "matplotlib.pyplot"]
    sched.write_text(json.dumps(spec, indent=1))  # JSON is YAML
    out = WORK / "batch-out"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(wh / "cache", ignore_errors=True)
    cmd = [str(BIN / "reportkit"), "batch", str(sched), "--out", str(out), "--warehouse",
           str(wh)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    print(f"reportkit batch: {' '.join(cmd[1:])} ...", flush=True)
    b_wall, b_cpu, proc = timed(cmd, env)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
        return 1
    per_batch = b_wall / total
    print(f"  {b_wall:.1f}s wall, {b_cpu:.1f}s CPU: {per_batch:.2f}s per report", flush=True)
    workers = [line for line in proc.stdout.splitlines() if line.startswith("worker ")]
    for line in workers:
        print(f"  {line}")

    # 3. the same command again: nothing changed
    r_wall, r_cpu, proc = timed(cmd, env)
    skipped = re.search(r"(\d+) skipped", proc.stdout)
    assert proc.returncode == 0 and skipped and int(skipped.group(1)) == total, proc.stdout
    print(f"no-op re-run: {r_wall:.2f}s wall ({total} skipped)", flush=True)

    # 4. planning the back-fill for real, running it only as an estimate
    p_wall, _, proc = timed([str(BIN / "reportkit"), "batch", str(ROOT / "params" /
                                                                 "backfill.yaml"),
                             "--dry-run", "--out", str(WORK / "backfill-out"),
                             "--warehouse", str(wh)], env)
    planned = re.search(r"(\d+) job\(s\)", proc.stdout.splitlines()[-1] if proc.stdout else "")
    ratio = naive_total / b_wall
    backfill = per_batch * BACKFILL
    print()
    print(f"naive loop          {naive_total:8.1f}s  ({per_naive:.2f}s/report)")
    print(f"reportkit batch     {b_wall:8.1f}s  ({per_batch:.2f}s/report)")
    print(f"ratio               {ratio:8.1f}x  (target >= 8x)")
    print(f"no-op re-run        {r_wall:8.2f}s  (target < 3s)")
    print(f"back-fill {BACKFILL} (est.) {backfill / 60:6.1f} min at {per_batch:.2f}s/report "
          f"(estimated, not run; planning all {planned.group(1) if planned else '?'} jobs took "
          f"{p_wall:.1f}s; target well under 60 min)")
    print(f"CPU seconds         naive {n_cpu:.0f}s for {len(naive_codes) + 1} reports, "
          f"batch {b_cpu:.0f}s for {total}")
    result = {"small": args.small, "reports": total, "period": args.period,
              "naive_seconds": round(naive_total, 1),
              "naive_measured_reports": len(naive_codes) + 1, "naive_cpu": round(n_cpu, 1),
              "batch_seconds": round(b_wall, 1), "batch_cpu": round(b_cpu, 1),
              "ratio": round(ratio, 2), "noop_seconds": round(r_wall, 2),
              "backfill_estimate_minutes": round(backfill / 60, 1),
              "workers": workers, "cores": os.cpu_count()}
    name = "bench_batch_small.json" if args.small else "bench_batch.json"
    (WORK / name).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
