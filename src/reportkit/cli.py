"""The ``reportkit`` command.

Exit codes: 0 everything succeeded (or was skipped as unchanged); 1 some files were rejected
or some reports failed, the rest went on; 2 the command line was malformed; 3 bad input
(unknown unit, malformed period, unknown notebook parameter); 4 could not run at all.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from reportkit import __version__
from reportkit.core import i18n
from reportkit.errors import (
    EXIT_BAD_INPUT,
    EXIT_CANNOT_RUN,
    EXIT_FAILED,
    EXIT_USAGE,
    ReportkitError,
)


def _setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")


LANG_ENV = "REPORTKIT_LANG"
_LANG_KEY = "reportkit.lang"


def _lang_in(args: list[str]) -> str | None:
    """The value of ``--lang`` among a command line's arguments (the last one wins)."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found


def cli_lang(ctx: click.Context | None = None) -> str:
    """The language of the command's messages: ``--lang``, else ``$REPORTKIT_LANG``, else
    Vietnamese. Known before the subcommand parses its options, so that even a malformed
    command line is answered in the operator's language."""
    ctx = ctx or click.get_current_context(silent=True)
    chosen = ctx.meta.get(_LANG_KEY) if ctx is not None else None
    for lang in (chosen, os.environ.get(LANG_ENV)):
        if lang in i18n.LANGS:
            return lang
    return "vi"


def say(key: str, /, **values: Any) -> str:
    """Text ``key`` in the command's language."""
    return i18n.text(key, cli_lang(), **values)


class _Group(click.Group):
    """Turns reportkit errors, and click's own refusals of a malformed command line, into one
    readable line in the operator's language and the right exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_LANG_KEY] = _lang_in(args)  # meta is shared with the subcommand's context
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ReportkitError as exc:
            _fail(i18n.message(exc, cli_lang(ctx)), exc.exit_code)
        except click.UsageError as exc:
            _usage_error(exc, ctx)
        return None


def _usage_error(exc: click.UsageError, ctx: click.Context) -> None:
    """click's refusal of a command line, worded in the operator's language (a missing or
    invalid or unknown option; other refusals keep click's wording), with the usage line."""
    lang = cli_lang(ctx)
    sub = exc.ctx or ctx
    if isinstance(exc, click.NoSuchOption):
        close = sorted(exc.possibilities or [])
        hint = i18n.text("cli.run.did_you_mean", lang, name=", ".join(close)) if close else ""
        msg = i18n.text("cli.usage.no_such_option", lang, option=exc.option_name, hint=hint)
    elif isinstance(exc, click.MissingParameter) and exc.param is not None:
        msg = i18n.text("cli.usage.missing_option", lang, option=_option_name(exc.param))
    elif isinstance(exc, click.BadParameter) and exc.param is not None:
        msg = i18n.text("cli.usage.bad_value", lang, option=_option_name(exc.param),
                        reason=exc.message)
    else:
        msg = exc.format_message()
    click.echo(sub.get_usage(), err=True)
    click.echo(i18n.text("cli.usage.help", lang, command=sub.command_path), err=True)
    _fail(msg, exc.exit_code)


def _option_name(param: click.Parameter) -> str:
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    return opts[0] if opts else (param.human_readable_name or "?")


class _Positive(click.ParamType):
    """A whole number of at least 1 (seconds, workers), refused in the operator's language."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> int:
        try:
            n = int(value)
        except (TypeError, ValueError):
            self.fail(i18n.text("cli.usage.not_whole", cli_lang(ctx), value=value), param, ctx)
        if n < 1:
            self.fail(i18n.text("cli.usage.not_positive", cli_lang(ctx), value=n), param, ctx)
        return n


POSITIVE = _Positive()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reportkit")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """reportkit — periodic work reports of provincial Party committee offices.

    \b
    Typical flow:
      reportkit sample                 write the synthetic sample submissions to data/sample/
      reportkit ingest data/sample     validate and load submissions into data/warehouse/
      reportkit summary --period 2016-07..2018-12
      reportkit run notebooks/province_report.ipynb --unit "Lào Cai" --period 2025-Q3
      reportkit batch params/quarterly.yaml     every province, in parallel, incremental
      reportkit verify outputs/2025-Q3          check the reports against the manifest
      reportkit issue outputs/2025-Q3/15-lao-cai/province_report.pdf --number 12-BC/VPTU ...
      reportkit diff outputs/2025-Q3/15-lao-cai/province_report.pdf   what changed since issue
      reportkit bundle --units "Lào Cai" --period 2025-Q3 --out dist/

    \b
    Exit codes: 0 ok · 1 some files rejected / reports failed · 2 usage ·
                3 bad input (unit, period, parameter) · 4 could not run
    """
    _setup_logging(verbose)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("data/sample"),
              show_default=True, help="Folder to write the submissions to (replaced).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the calibrated one).")
@click.option("--if-missing", is_flag=True, help="Do nothing when the folder already has data.")
def sample(out: Path, seed: int | None, if_missing: bool) -> None:
    """Write the deterministic synthetic sample submissions (DỮ LIỆU MẪU).

    63 units monthly from January 2016 to June 2025 and the 34 units from July 2025 to
    October 2026, calibrated to the figures published for July 2016 – December 2018.
    """
    from reportkit.intake import sample as S

    if if_missing and (out / "activity").is_dir() and (out / "petitions").is_dir():
        click.echo(f"sample data already in {out} (use `reportkit sample` to rewrite it)")
        return
    t0 = time.perf_counter()
    s = S.generate(out, seed=seed if seed is not None else S.SEED)
    click.echo(f"wrote {s.activity_files} activity files ({s.activity_rows:,} rows) and "
               f"{s.petition_files} petition files ({s.petition_rows:,} records) to {s.root} "
               f"in {time.perf_counter() - t0:.1f}s")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="Warehouse folder (default: data/warehouse).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              envvar="REPORTKIT_LANG", help="Language of the messages ($REPORTKIT_LANG).")
@click.option("--show", type=int, default=20, show_default=True,
              help="Problems listed per rejected file (all are in the report).")
@click.option("--list", "list_all", is_flag=True,
              help="Name every loaded and unchanged file too (by default they are named when "
                   "there are at most 50 files; replaced, rejected and ignored files always "
                   "are).")
def ingest(paths: tuple[Path, ...], dry_run: bool, warehouse: Path | None, lang: str,
           show: int, list_all: bool) -> None:
    """Validate submissions (.csv/.xlsx files or folders) and load them into the warehouse.

    Each file is loaded whole or rejected whole, and every problem in a rejected file is
    listed (file, sheet, row, column, value, rule; personal data is never shown). A rejected
    file is copied untouched to data/quarantine/ with a CSV and a JSON report beside it (the
    source stays where it is); an accepted original is kept in data/archive/. The latest
    submission for a unit, period and table wins: it replaces all earlier rows (the ledger
    logs old and new figures), and sending back an earlier file makes it current again. A
    file is skipped only when it is the current submission already. Every file is named with
    what happened to it: loaded, replaced, unchanged, rejected or ignored.

    \b
    Exit codes: 0 all loaded (or unchanged) · 1 some files rejected · 4 could not run
    """
    from reportkit.intake import discover, format_outcome, format_problems
    from reportkit.intake import ingest as run_ingest
    from reportkit.store.warehouse import Warehouse

    if not discover(paths):
        _fail(say("cli.ingest.no_files", paths=", ".join(map(str, paths))), EXIT_CANNOT_RUN)
    try:
        rep = run_ingest(paths, warehouse=Warehouse(warehouse) if warehouse else None,
                         dry_run=dry_run, lang=lang)
    except OSError as exc:
        _fail(say("cli.could_not_run", error=exc), EXIT_CANNOT_RUN)
    name_all = list_all or len(rep.files) <= 50
    for f in rep.files:
        if f.status == "rejected":
            click.echo(format_problems(f, limit=show, lang=lang), err=True)
        elif f.outcome not in ("loaded", "unchanged") or name_all:
            click.echo(format_outcome(f, lang=lang))
    from reportkit.core import fmt

    rows = sum(f.rows for f in rep.files if f.status == "loaded")
    changed = sum(f.changed_rows for f in rep.files)
    click.echo(i18n.text(
        "cli.ingest.summary", lang,
        verb=i18n.text("cli.ingest.would_load" if dry_run else "cli.ingest.loaded", lang),
        loaded=rep.count("loaded"), rows=fmt.number(rows, lang), rejected=rep.count("rejected"),
        skipped=rep.count("skipped"), ignored=rep.count("ignored"),
        changed=i18n.text("cli.ingest.changed", lang, n=changed) if changed else "",
        seconds=fmt.number(rep.seconds, lang, 1)))
    if not rep.ok:
        sys.exit(EXIT_FAILED)


@main.command()
@click.option("--unit", required=True, help='Unit code or name, e.g. "Lào Cai" or 15.')
@click.option("--period", required=True, help="Period code, e.g. 2025-Q3 or 2025-07.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              envvar="REPORTKIT_LANG",
              help="Language of the first header line and the instructions ($REPORTKIT_LANG).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The .xlsx to write (default: outputs/templates/<period>/<code>-<slug>_"
                   "<period>.xlsx); the petition CSV template goes beside it.")
def template(unit: str, period: str, lang: str, out: Path | None) -> None:
    """Write the XLSX form a province fills in, and a petition-records CSV template.

    The unit and period are pre-filled and locked; input cells are validated (whole numbers
    ≥ 0, dropdowns for categories); an instructions sheet explains every column.
    """
    from reportkit.intake.forms import write_template

    t = write_template(unit, period, out, lang=lang)
    click.echo(str(t.xlsx))
    click.echo(str(t.csv))


@main.command()
@click.option("--period", default="2016-07..2018-12", show_default=True,
              help="Period code: 2025-07, 2025-Q3, 2025-H1, 2025-9M, 2025, 2016-07..2018-12.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              envvar="REPORTKIT_LANG", help="Language ($REPORTKIT_LANG).")
def summary(period: str, lang: str) -> None:
    """Print the national summary of key indicators for a period."""
    from reportkit.analysis import indicators as I
    from reportkit.core import fmt
    from reportkit.core.periods import Period
    from reportkit.store.warehouse import Warehouse

    p = Period.parse(period)
    wh = Warehouse()
    if not wh.exists() or not wh.partitions("activity"):
        _fail(say("cli.no_warehouse_data", root=wh.root), EXIT_CANNOT_RUN)
    if wh.has_data("activity", p.first, p.last) is False:
        _fail(say("cli.no_data_for_period", period=p), EXIT_BAD_INPUT)
    agg = I.aggregates(p)
    label = p.label(lang)
    click.echo(label[:1].upper() + label[1:])  # "Quý III/2025", not "Quý iii/2025"
    for ind in I.INDICATORS.values():
        v = I.national_value(ind, agg)
        shown = fmt.percent(v, lang) if ind.unit == I.PERCENT else fmt.number(
            v, lang, decimals=1 if ind.unit == I.DAYS else 0)
        click.echo(f"  {ind.label(lang):<55} {shown:>12}")
    rates = I._value(I.get("processing_rate"), agg)
    full = int((rates >= 1 - 1e-12).sum())
    click.echo(f"  {i18n.text('cli.summary.full_processing', lang):<55} "
               f"{fmt.number(full, lang):>12}")


@main.command()
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--unit", default=None, help='Unit code or name, e.g. "Lào Cai" or 15.')
@click.option("--period", required=True, help="Period code, e.g. 2025-Q3 or 2016-07..2018-12.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              envvar="REPORTKIT_LANG", help="Language ($REPORTKIT_LANG).")
@click.option("--format", "formats", multiple=True,
              type=click.Choice(["html", "pdf", "docx"]), default=("html",), show_default=True,
              help="Repeat for several formats (docx: a Word draft to edit before issuing).")
@click.option("-p", "--param", "extra", multiple=True, metavar="NAME=VALUE",
              help="Another notebook parameter (the value is kept as text).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("outputs"),
              show_default=True, help="Output root folder.")
@click.option("--timeout", type=POSITIVE, default=300, show_default=True,
              help="Seconds a single cell may run.")
@click.option("--warehouse", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Warehouse folder (default: $REPORTKIT_WAREHOUSE, else data/warehouse).")
@click.option("--allow-empty", is_flag=True,
              help="Render a period with no submitted data, or one that has not begun.")
def run(notebook: Path, unit: str | None, period: str, lang: str, formats: tuple[str, ...],
        extra: tuple[str, ...], out: Path, timeout: int, warehouse: Path | None,
        allow_empty: bool) -> None:
    """Execute one report notebook and export it (a batch of one job).

    Parameters are checked against the notebook's parameters cell before any kernel starts,
    and so are the warehouse and the period: a period with no submitted data, or in the
    future, is refused unless --allow-empty. A per-unit notebook needs --unit (a notebook
    whose unit default is None, like the petitions notebook, reports on the whole country
    without it). The report is recorded in its period's manifest.json like a batch report.
    The report lands in OUT/<period>/<code>-<slug>/ (or OUT/<period>/national/); a failed run
    keeps the previous good report and leaves the failed notebook in _failed/.

    \b
    Exit codes: 0 ok · 1 the report failed · 2 usage (e.g. no --unit for a per-unit
    notebook) · 3 bad parameter, unit, marking or period (no data, future) · 4 no warehouse
    """
    from reportkit.batch.execute import run_report
    from reportkit.rendering.runner import notebook_parameters

    if not notebook.is_file():
        _fail(_no_notebook(notebook), EXIT_BAD_INPUT)
    specs = notebook_parameters(notebook)
    if unit is None and "unit" in specs and specs["unit"].default is not None:
        _fail(say("cli.run.needs_unit", notebook=notebook.name,
                  example=repr(specs["unit"].default)), EXIT_USAGE)
    params = _typed_params(specs, extra)
    res = run_report(notebook, unit=unit, period=period, lang=lang, params=params,
                     output_root=out, formats=tuple(formats), cell_timeout=timeout,
                     warehouse=warehouse, allow_empty=allow_empty, raise_on_error=False)
    if res.status != "ok":
        _fail(say("cli.run.failed", error=res.error, ipynb=res.ipynb), EXIT_FAILED)
    for path in (res.html, res.pdf, res.docx, res.ipynb):
        if path:
            click.echo(str(path))
    click.echo(say("cli.run.done", seconds=f"{res.seconds:.1f}"), err=True)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("outputs"),
              show_default=True)
@click.option("--units", "unit_names", default="Lào Cai,Cần Thơ,Hà Nội", show_default=True,
              help="Comma-separated units for the province reports.")
def demo(out: Path, unit_names: str) -> None:
    """Render the sample reports: province reports for a few units for the latest complete
    quarter in the data, and the national summary for that quarter and for the published
    window 2016-07..2018-12."""
    from reportkit.batch.execute import run_report
    from reportkit.store.warehouse import Warehouse

    nb_dir = _notebook_dir()
    quarter = Warehouse().latest_complete("quarter")
    jobs = [(nb_dir / "national_summary.ipynb", None, "2016-07..2018-12"),
            (nb_dir / "national_summary.ipynb", None, quarter)]
    jobs += [(nb_dir / "province_report.ipynb", u.strip(), quarter)
             for u in unit_names.split(",") if u.strip()]
    failed = 0
    for nb, unit, period in jobs:
        res = run_report(nb, unit=unit, period=period, output_root=out, raise_on_error=False)
        mark = "ok    " if res.status == "ok" else "FAILED"
        click.echo(f"{mark} {res.seconds:5.1f}s  {res.html or res.ipynb}"
                   + (f"  ({res.error})" if res.error else ""))
        failed += res.status != "ok"
    click.echo(f"\nOpen the catalogue in a browser: {(out / 'index.html').resolve()}")
    if failed:
        sys.exit(EXIT_FAILED)


def _typed_params(specs: dict, items: tuple[str, ...]) -> dict[str, object]:
    """NAME=VALUE pairs, typed like the parameter's default in the notebook: text stays text
    (a code "007" is never a number); numbers, booleans and lists are read as YAML."""
    import yaml

    params: dict[str, object] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            _fail(say("cli.run.param_syntax", item=repr(item)), EXIT_USAGE)
        name = name.strip()
        spec = specs.get(name)
        if spec is not None and spec.type_name in ("int", "float", "bool", "list", "dict"):
            try:
                params[name] = yaml.safe_load(value)
            except yaml.YAMLError:
                params[name] = value  # the runner's type check names the problem
        else:
            params[name] = value
    return params


def _notebook_dir() -> Path:
    """The project's notebooks/ (beside src/ in a checkout), else ./notebooks."""
    nb_dir = Path(__file__).resolve().parents[2] / "notebooks"
    return nb_dir if nb_dir.is_dir() else Path("notebooks")


def _no_notebook(path: Path) -> str:
    """"No notebook at X", with the closest names and the notebooks there are."""
    import difflib

    there = sorted({p for d in (path.parent, _notebook_dir()) if d.is_dir()
                    for p in d.glob("*.ipynb")})
    names = [str(p) for p in there]
    close = difflib.get_close_matches(str(path), names, n=1, cutoff=0.5) or \
        difflib.get_close_matches(path.name, [p.name for p in there], n=1, cutoff=0.5)
    hint = say("cli.run.did_you_mean", name=close[0]) if close else ""
    listing = ", ".join(names) if names else say("cli.run.none_found")
    return say("cli.run.no_notebook", path=path, hint=hint, listing=listing)


def _fail(msg: str, code: int = EXIT_CANNOT_RUN) -> None:
    click.secho(f"{say('cli.error')}: {msg}", fg="red", err=True)
    sys.exit(code)


@main.command()
@click.argument("schedule", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", default=None,
              help="Replace the schedule's period: 2025-Q3, 2025-07, last-month, last-quarter.")
@click.option("--units", default=None,
              help='Replace the schedule\'s units: all, old, new or "Lào Cai,92,...".')
@click.option("--workers", type=POSITIVE, default=None,
              help="Local worker processes (default: the schedule's, else one per core).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the jobs on this Dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.option("--force", is_flag=True, help="Render every job, even unchanged ones.")
@click.option("--retry-failed", is_flag=True,
              help="Run again the jobs that failed last time with the same inputs.")
@click.option("--dry-run", is_flag=True, help="Validate and print the plan; run nothing.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output root (default: the schedule's `out`, else <project>/outputs).")
@click.option("--warehouse", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Warehouse folder (default: $REPORTKIT_WAREHOUSE, else "
                   "<project>/data/warehouse); Dask workers must reach the same path.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Resolve relative periods as on this day (default: today).")
@click.option("--cell-timeout", type=POSITIVE, default=None,
              help="Seconds a single cell may run (default: the schedule's, else 300).")
@click.option("--job-timeout", type=POSITIVE, default=None,
              help="Seconds a whole report may take (default: the schedule's, else 1800).")
@click.option("--allow-empty", is_flag=True,
              help="Render periods with no submitted data, or that have not begun.")
@click.option("--notebooks", "notebook_dirs", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Another folder the schedule may name notebooks from (default: only the "
                   "project's notebooks/). Repeat for several.")
def batch(schedule: Path, period: str | None, units: str | None, workers: int | None,
          scheduler: str | None, force: bool, retry_failed: bool, dry_run: bool,
          out: Path | None, warehouse: Path | None, today: object, cell_timeout: int | None,
          job_timeout: int | None, allow_empty: bool, notebook_dirs: tuple[Path, ...]) -> None:
    """Render every report of a schedule (params/*.yaml), in parallel and incrementally.

    \b
    Every job (notebook × unit × period) is validated before the first kernel starts.
    A job whose inputs did not change (notebook, parameters, data version, reportkit
    version, export options) is skipped. Each report runs in a fresh kernel; kernels are
    started and warmed ahead of need. A failed, timed-out or crashed job fails alone: the
    previous good report stays, the failed notebook is kept in _failed/. Each period folder
    gets manifest.json, index.html and runs.jsonl. Ctrl-C or kill, then the same command
    again: finished reports are kept and only the rest run.

    \b
    Exit code 0 only when every job succeeded or was skipped; 1 otherwise.
    """
    from reportkit import batch as B

    logging.getLogger("reportkit.batch.run").setLevel(logging.INFO)
    day = today.date() if today is not None else None  # type: ignore[attr-defined]
    plan = B.plan_batch(schedule, period=period, units=units, out=out, warehouse=warehouse,
                        today=day, force=force, retry_failed=retry_failed,
                        allow_empty=allow_empty, notebook_dirs=notebook_dirs)
    if dry_run:
        click.echo(B.plan_table(plan))
        return
    result = B.execute_plan(plan, workers=workers, scheduler=scheduler, force=force,
                            cell_timeout=cell_timeout, job_timeout=job_timeout)
    # Resuming must not force again: finished reports of the interrupted run are kept.
    resume = _resume_command(schedule, period, plan.today, units=units, workers=workers,
                             scheduler=scheduler, retry_failed=retry_failed,
                             out=plan.output_root, warehouse=plan.warehouse,
                             cell_timeout=cell_timeout, job_timeout=job_timeout,
                             allow_empty=allow_empty, notebook_dirs=notebook_dirs)
    click.echo(B.summary_table(result, resume=resume))
    for line in B.worker_lines(result):
        click.echo(line)
    indexes = [f / "index.html" for f in result.period_dirs if (f / "index.html").is_file()]
    if len(indexes) > 3 and (plan.output_root / "index.html").is_file():
        indexes = [plan.output_root / "index.html"]
    for index in indexes:
        click.echo(f"catalogue: {index}")
    sys.exit(result.exit_code)


def _resume_command(schedule: Path, period: str | None, today: object, *, units: str | None,
                    workers: int | None, scheduler: str | None, retry_failed: bool, out: Path,
                    warehouse: Path, cell_timeout: int | None, job_timeout: int | None,
                    allow_empty: bool, notebook_dirs: tuple[Path, ...] = ()) -> str:
    """The command that finishes an interrupted batch: the same jobs (``--today`` keeps
    "last-month" meaning the month it meant), never --force."""
    import shlex

    args = ["reportkit", "batch", str(schedule.resolve())]
    options: list[tuple[str, object]] = [
        ("--period", period), ("--today", today), ("--units", units), ("--workers", workers),
        ("--scheduler", scheduler),
        ("--out", out), ("--warehouse", warehouse), ("--cell-timeout", cell_timeout),
        ("--job-timeout", job_timeout)]
    for flag, value in options:
        if value is not None:
            args += [flag, str(value)]
    for folder in notebook_dirs:
        args += ["--notebooks", str(folder.resolve())]
    args += ["--retry-failed"] if retry_failed else []
    args += ["--allow-empty"] if allow_empty else []
    return shlex.join(args)


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--trust", "trust", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A trusted root certificate (PEM or DER) the signers of issued reports must "
                   "chain to; repeat for several (default: $REPORTKIT_TRUST_ROOTS).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              envvar="REPORTKIT_LANG", help="Language of the messages ($REPORTKIT_LANG).")
def verify(folder: Path, trust: tuple[Path, ...], lang: str) -> None:
    """Check every report file of outputs/<period> (or of every period under outputs/, or an
    unzipped bundle) against its manifest.json (sha256 and size), the catalogue pages and run
    log (runs.jsonl) against their records, and the digital signature of every issued report
    (intact, covering the whole file, by the certificate recorded at issue, chaining to a
    --trust root). Exit code 1 if any file is missing or changed, if a file or folder is there
    that the manifest does not list, or if a signature fails."""
    from reportkit.rendering.catalog import verify_tree

    bad = 0
    for rep in verify_tree(folder, trust_roots=trust, lang=lang):
        for problem in rep.problems:
            click.echo(f"MISMATCH {rep.folder / problem}")
        for path in rep.unlisted:
            click.echo(f"UNLISTED {rep.folder}/{path} (not in the manifest)")
        for note in rep.notes:
            click.echo(f"note {rep.folder}: {note}")
        state = "ok" if rep.ok else f"{len(rep.problems) + len(rep.unlisted)} problem(s)"
        signed = f", {rep.signatures} signature(s)" if rep.signatures else ""
        click.echo(f"{rep.folder}: {rep.checked} file(s){signed} checked, {state}")
        bad += not rep.ok
    if bad:
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("draft", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--number", required=True, help='The document number, e.g. "12-BC/VPTU".')
@click.option("--date", "issued_on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The date of issue, YYYY-MM-DD (default: today).")
@click.option("--signer-name", required=True, help='Who signs, e.g. "Nguyễn Văn An".')
@click.option("--signer-title", required=True, help='The signer\'s title, e.g. "Chánh Văn phòng".')
@click.option("--cert", "p12", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The signer's PKCS#12 certificate (.p12/.pfx). Its password comes from "
                   "$REPORTKIT_SIGN_PASSWORD or a prompt, never from the command line.")
@click.option("--warehouse", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Warehouse folder (default: $REPORTKIT_WAREHOUSE, else data/warehouse).")
@click.option("--notebooks", "notebook_dirs", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Another folder where the draft's notebook may be (default: the project's "
                   "notebooks/). Repeat for several.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              envvar="REPORTKIT_LANG", help="Language of the messages ($REPORTKIT_LANG).")
def issue(draft: Path, number: str, issued_on: object, signer_name: str, signer_title: str,
          p12: Path, warehouse: Path | None, notebook_dirs: tuple[Path, ...],
          lang: str) -> None:
    """Issue a reviewed draft: number it, date it, sign it (ký số), keep it for good.

    \b
    DRAFT is one of the draft's files, e.g. outputs/2025-Q3/15-lao-cai/province_report.pdf.
    The draft must be unchanged since it was rendered (notebook, parameters, data version):
    otherwise issuing is refused, render it again and review the new draft. The issued copy
    is rendered from the same inputs with the number, date and signer in its heading and
    signature block, signed as PAdES with a visible stamp, and kept read-only in
    <unit>/issued/<number>/ (12-BC/VPTU → 12-BC-VPTU), recorded in the period's
    manifest.json. Nothing overwrites it: not a batch, not --force, not a second issue;
    a number is used once per unit and year.

    \b
    Example:
      REPORTKIT_SIGN_PASSWORD=... reportkit issue outputs/2025-Q3/15-lao-cai/province_report.pdf \\
        --number 12-BC/VPTU --date 2025-10-05 --signer-name "Nguyễn Văn An" \\
        --signer-title "Chánh Văn phòng" --cert an.p12

    \b
    Exit codes: 0 issued · 1 the issued copy could not be rendered · 2 usage ·
                3 refused (draft changed, number taken, already issued, bad certificate
                or password) · 4 no warehouse
    """
    import datetime as dt
    import os

    from reportkit.batch.issue import issue_report
    from reportkit.core.i18n import text
    from reportkit.rendering import signing

    password = os.environ.get(signing.PASSWORD_ENV)
    if password is None:
        password = click.prompt(text("sign.password_prompt", lang), hide_input=True,
                                err=True)
    day = issued_on.date() if issued_on is not None else dt.date.today()  # type: ignore[attr-defined]
    res = issue_report(draft, number=number, issued_on=day, signer_name=signer_name,
                       signer_title=signer_title, p12=p12, password=password,
                       warehouse=warehouse, notebook_dirs=notebook_dirs, lang=lang)
    click.echo(text("issue.done", lang, number=res.number, date=res.issued_on.isoformat(),
                    path=str(res.files["pdf"])))
    for path in res.files.values():
        click.echo(str(path))


@main.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              envvar="REPORTKIT_LANG", help="Language of the output ($REPORTKIT_LANG).")
def diff(old: Path, new: Path | None, lang: str) -> None:
    """Compare two versions of a report by their key figures: each figure whose printed value
    changed, old → new.

    \b
    OLD and NEW are files of two versions (.pdf, .html, .docx or .ipynb): a draft, an issued
    copy (<unit>/issued/<number>/...), or a report in an unzipped bundle. Each is found in
    the manifest.json of its period folder, which holds the figures recorded when it was
    rendered, as the report prints them (counts under 3 stay hidden: "<3", "*").
    With one file: a draft against its latest issued copy, or an issued copy against its
    current draft.

    \b
    Examples:
      reportkit diff outputs/2025-Q3/15-lao-cai/province_report.pdf
      reportkit diff outputs/2025-Q3/15-lao-cai/issued/12-BC-VPTU/province_report.pdf \\
                     outputs/2025-Q3/15-lao-cai/province_report.pdf --lang en

    \b
    Exit codes (those of diff(1)): 0 no figure changed · 1 some figures changed ·
                2 usage · 3 cannot compare (a file not listed in a manifest, a version with
                no recorded figures, nothing issued to compare with)
    """
    from reportkit.rendering.changes import diff as compare_versions

    res = compare_versions(old, new, lang=lang)
    for line in res.lines(lang):
        click.echo(line)
    if res.changes:
        sys.exit(EXIT_FAILED)


@main.command()
@click.option("--units", required=True,
              help='The recipients: comma-separated unit codes or names, e.g. "Lào Cai,92".')
@click.option("--period", required=True, help="The period, e.g. 2025-Q3.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"),
              show_default=True, help="Folder for the zips.")
@click.option("--outputs", "root", type=click.Path(file_okay=False, path_type=Path),
              default=Path("outputs"), show_default=True, help="Output root of the reports.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              envvar="REPORTKIT_LANG", help="Language of the catalogue and messages.")
def bundle(units: str, period: str, out: Path, root: Path, lang: str) -> None:
    """Write one zip per unit with its issued reports of a period (PDF and HTML), a catalogue
    of just those, their manifest entries and signatures (signer certificates). A recipient
    checks it offline: unzip, then `reportkit verify FOLDER --trust ROOT.pem`. Drafts are
    never bundled.

    \b
    Exit codes: 0 a zip for every unit · 1 some units have nothing issued for the period
                (named; the others are written) · 3 unknown unit or period ·
                4 no reports for the period
    """
    from reportkit.core.i18n import text
    from reportkit.rendering.bundle import make_bundles

    names = [u.strip() for u in units.split(",") if u.strip()]
    if not names:
        _fail("--units names no unit", EXIT_USAGE)
    missing = 0
    for res in make_bundles(root, period, names, out, lang=lang):
        if res.path is None:
            click.echo(text("bundle.nothing", lang, unit=res.unit_name, period=period),
                       err=True)
            missing += 1
        else:
            click.echo(text("bundle.written", lang, unit=res.unit_name, n=len(res.reports),
                            path=str(res.path)))
    if missing:
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":  # pragma: no cover
    main()
