"""One report before and after it runs: its parameters checked against the notebook, its
output folder, its title and issuing office, and the checks of an executed notebook.

Nothing starts a kernel before the parameters are checked against the notebook's
``parameters`` cell (:func:`prepare_report`): unknown, missing or mistyped parameters, an
unknown unit or a malformed period are all reported together. Reports are executed by one path
only, :func:`reportkit.batch.run.render` (``reportkit run`` is a batch of one,
:func:`reportkit.batch.execute.run_report`), which uses :func:`check_executed`,
:func:`failure` and :func:`keep_failed` from here.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_client.kernelspec import KernelSpecManager

from reportkit.core import i18n, units
from reportkit.core.markings import MARKINGS, check_marking
from reportkit.core.periods import Period
from reportkit.errors import (
    ConfigError,
    ExecutionError,
    ExportError,
    ParameterError,
    PeriodError,
    Text,
    UnitError,
)

if TYPE_CHECKING:  # nbformat and papermill cost seconds to import; validation needs neither
    import nbformat

log = logging.getLogger("reportkit.rendering.runner")

LANGS = ("vi", "en")
FORMATS = ("ipynb", "html", "pdf", "docx")  # the executed .ipynb is always kept
STAGING = ".staging"
FAILED = "_failed"
_PASSABLE = (str, int, float, bool, list, dict, type(None))  # what papermill can inject
_CODE_RE = re.compile(r"[0-9]{1,3}")
_SLUG_RE = re.compile(r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*")


@dataclass(frozen=True)
class ParamSpec:
    """One assignment of the ``parameters`` cell; ``type_name`` is "expression" if not a literal."""

    name: str
    default: Any
    type_name: str


@dataclass(frozen=True)
class PreparedReport:
    """A report whose parameters passed validation; nothing has run yet."""

    notebook: Path
    params: dict[str, Any]
    period: Period
    unit: units.Unit | None
    lang: str
    formats: tuple[str, ...]
    marking: str | None = None  # checked: the parameter given, else the notebook's default

    @property
    def file_stem(self) -> str:
        """The report's file name without its suffix: see :func:`file_stem`."""
        return file_stem(self.notebook.stem, self.lang)

    def output_dir(self, root: Path) -> Path:
        """The report's final folder under ``root``."""
        return output_dir(root, str(self.period), self.unit and self.unit.code,
                          self.unit and self.unit.slug)

    def context(self) -> dict[str, Any]:
        """Structured fields for errors."""
        return {"notebook": self.notebook.name, "unit": self.unit and self.unit.code,
                "period": str(self.period)}


@dataclass
class ReportResult:
    """Outcome of one report; ``ipynb`` points at the ``_failed`` copy when it failed."""

    notebook: str
    unit: str | None
    period: str
    status: str
    html: Path | None
    ipynb: Path | None
    seconds: float
    error: str | None
    params: dict[str, Any]
    pdf: Path | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    docx: Path | None = None


def notebook_parameters(notebook: Path) -> dict[str, ParamSpec]:
    """Parameters declared in the first cell tagged ``parameters``, in order."""
    cells = _read(Path(notebook)).get("cells", [])
    cell = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])),
                None)
    if cell is None:
        raise ParameterError(f"{Path(notebook).name} has no cell tagged 'parameters'",
                             notebook=Path(notebook).name)
    source = cell.get("source", "")
    try:
        tree = ast.parse(source if isinstance(source, str) else "".join(source))
    except SyntaxError as exc:
        raise ParameterError(f"The parameters cell of {Path(notebook).name} is not plain "
                             f"Python: {exc.msg} (line {exc.lineno})",
                             notebook=Path(notebook).name) from None
    specs: dict[str, ParamSpec] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets, value, annotation = stmt.targets, stmt.value, None
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value, annotation = [stmt.target], stmt.value, stmt.annotation
        else:
            continue
        try:
            default, type_name = ast.literal_eval(value), None
        except (ValueError, TypeError, SyntaxError):
            default, type_name = ast.unparse(value), "expression"
        type_name = type_name or (ast.unparse(annotation) if annotation is not None
                                  else type(default).__name__)
        for target in targets:
            if isinstance(target, ast.Name):
                specs[target.id] = ParamSpec(target.id, default, type_name)
    return specs


def validate_parameters(notebook: Path, params: dict[str, Any]) -> dict[str, Any]:
    """The checked parameters, with ``unit`` as its code and ``period`` in canonical form."""
    specs = notebook_parameters(notebook)
    return _validate(Path(notebook), specs, params, params.get("period"))[0]


def prepare_report(notebook: str | Path, *, unit: str | None = None, period: str,
                   lang: str = "vi", params: dict[str, Any] | None = None,
                   formats: tuple[str, ...] = ("html",)) -> PreparedReport:
    """Validate everything about one report without starting a kernel."""
    path = Path(notebook).resolve()
    specs = notebook_parameters(path)
    given = dict(params or {})
    clash = sorted({"unit", "period", "lang"} & given.keys())
    if clash:
        raise ParameterError(f"Pass {', '.join(clash)} as keyword argument(s), not in params",
                             notebook=path.name, parameters=clash)
    if unit is None and "unit" in specs and specs["unit"].default is not None:
        unit = specs["unit"].default  # a notebook made for one unit
    if unit is not None:
        given["unit"] = unit
    if "period" not in specs:  # the kernel would render something else, or fail NameError
        raise ParameterError(f"{path.name} takes no 'period' parameter (its parameters cell "
                             f"declares: {', '.join(specs) or 'nothing'}); it cannot be run "
                             f"for a period", notebook=path.name, available=list(specs))
    given.update({k: v for k, v in (("period", period), ("lang", lang)) if k in specs})
    if lang not in LANGS:
        raise ParameterError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}", lang=lang)
    clean, p, u = _validate(path, specs, given, period)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ParameterError(f"Unknown format(s) {', '.join(map(repr, bad))}; available: "
                             f"{', '.join(FORMATS)}", notebook=path.name, formats=bad)
    if "pdf" in formats and not hasattr(_export(), "write_pdf"):
        raise ExportError("PDF export is not available", notebook=path.name, format="pdf")
    if p is None:  # cannot happen: _validate raises when the period does not parse
        raise ParameterError(f"Not a period: {period!r}", period=period)
    marking = None
    if "marking" in clean:
        marking = clean["marking"] or None
    elif "marking" in specs:  # the notebook's own default, printed unless overridden
        try:
            marking = check_marking(specs["marking"].default)
        except ValueError as exc:
            raise ParameterError(f"Bad default in the parameters cell of {path.name}: {exc}",
                                 notebook=path.name, parameters=["marking"]) from None
    return PreparedReport(path, clean, p, u, lang, tuple(formats), marking)


def file_stem(notebook_stem: str, lang: str) -> str:
    """A report's file name without its suffix: the notebook's stem for a Vietnamese report
    (``province_report``), with the language for another (``province_report.en``), so that
    the two languages of one report sit side by side in one folder (and in the manifest)
    instead of one overwriting the other."""
    return notebook_stem if lang == "vi" else f"{notebook_stem}.{lang}"


def output_dir(root: Path, period: str, unit_code: str | None, unit_slug: str | None) -> Path:
    """``root/<period slug>/<code>-<slug>/`` or ``root/<period slug>/national/``."""
    try:
        slug = Period.parse(period).slug()
    except PeriodError as exc:
        raise ParameterError(f"Not a period: {period!r} ({exc})", period=period) from None
    if (unit_code is None) != (unit_slug is None):
        raise ParameterError("Give both the unit code and slug, or neither",
                             code=unit_code, slug=unit_slug)
    leaf = "national"
    if unit_code is not None and unit_slug is not None:
        if not _CODE_RE.fullmatch(unit_code) or not _SLUG_RE.fullmatch(unit_slug):
            raise ParameterError(f"Unsafe unit folder {unit_code!r}-{unit_slug!r}",
                                 code=unit_code, slug=unit_slug)
        leaf = f"{unit_code}-{unit_slug}"
    if not _SLUG_RE.fullmatch(slug):
        raise ParameterError(f"Unsafe period folder {slug!r}", period=period)
    path = Path(root) / slug / leaf
    if not path.resolve().is_relative_to(Path(root).resolve()):
        raise ParameterError(f"{path} would be outside {root}", period=period, code=unit_code)
    return path


def resolve_kernel(name: str) -> str:
    """``name`` if that kernelspec exists; "python3" (with a warning) instead of a missing
    "reportkit"."""
    specs = KernelSpecManager().find_kernel_specs()
    if name in specs:
        return name
    if name == "reportkit" and "python3" in specs:
        log.warning("kernelspec 'reportkit' is not installed; using 'python3' (make setup "
                    "installs it)")
        return "python3"
    raise ConfigError(f"No Jupyter kernel named {name!r}; available: {', '.join(sorted(specs))}",
                      kernel=name)


def check_executed(nb: nbformat.NotebookNode, report: PreparedReport) -> None:
    """Every code cell ran and none has an error output (sys.exit() included)."""
    for index, cell in enumerate(nb.cells):
        if (cell.cell_type != "code" or not cell.source.strip()
                or "skip-execution" in cell.metadata.get("tags", [])):
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            raise failure(report, index, cell.execution_count, errors[0].get("ename", "Error"),
                           errors[0].get("evalue", ""))
        if cell.execution_count is None:
            raise failure(report, index, None, "NotExecuted",
                           "the notebook stopped before this cell")


def report_title(report: PreparedReport) -> str:
    """A reader's title: "Báo cáo kết quả công tác văn phòng cấp ủy – Lào Cai – quý III/2025".
    A notebook without a title in :mod:`reportkit.core.i18n` (``report.title.<stem>``) is
    named by its file stem."""
    stem = report.notebook.stem
    title = (i18n.text(f"report.title.{stem}", report.lang) if f"report.title.{stem}" in i18n.T
             else stem)
    who = report.unit.name if report.unit else i18n.text("units.national", report.lang)
    return " – ".join((title, who, report.period.label(report.lang)))


def issuing_office(report: PreparedReport) -> str:
    """The office named in a printed report's page header."""
    if report.unit is not None:
        return report.unit.office_name(report.lang, at=report.period.last)
    return i18n.text("units.office.central", report.lang)


def keep_failed(staged_ipynb: Path, final_dir: Path) -> dict[str, Path]:
    """Move a failed run's notebook to ``final_dir/_failed/`` (replacing an older one)."""
    if not staged_ipynb.exists():  # the kernel did not even start
        return {}
    (final_dir / FAILED).mkdir(parents=True, exist_ok=True)
    kept = final_dir / FAILED / staged_ipynb.name
    os.replace(staged_ipynb, kept)
    return {"ipynb": kept}


def _validate(notebook: Path, specs: dict[str, ParamSpec], params: dict[str, Any],
              period_text: Any) -> tuple[dict[str, Any], Period | None, units.Unit | None]:
    """Check ``params`` against ``specs``; collect every problem, then raise them together."""
    problems: list[Text | str] = []  # worded in the operator's language by the command
    clean: dict[str, Any] = {}
    period: Period | None = None
    unit: units.Unit | None = None
    unknown = [k for k in params if k not in specs]
    if unknown:
        problems.append(Text("params.unknown", {
            "names": ", ".join(map(repr, unknown)), "notebook": notebook.name,
            "takes": ", ".join(specs) if specs else Text("params.nothing", {})}))
    # A None default means "required", except ``unit``: None there means the whole country.
    problems += [Text("params.missing", {"name": repr(name)}) for name, spec in specs.items()
                 if spec.default is None and params.get(name) is None and name != "unit"]
    if period_text is not None:
        try:
            period = Period.parse(period_text)
        except PeriodError as exc:
            problems.append(exc.text or str(exc))
    for name, value in params.items():
        spec = specs.get(name)
        if spec is None or (value is None and spec.default is None):
            continue  # reported above
        if name == "unit" and not isinstance(value, str):
            problems.append(f"unit must be a string code or name, got {value!r}")
        elif name == "unit" and period is not None:
            try:
                unit = units.resolve(value, at=period.last)
                clean[name] = unit.code
            except UnitError as exc:
                problems.append(exc.text or str(exc))
        elif name == "unit" and period_text is None:
            problems.append("unit needs a period to be resolved")
        elif name == "period":
            clean[name] = str(period)
        elif name == "lang" and value not in LANGS:
            problems.append(f"lang must be one of {', '.join(LANGS)}, got {value!r}")
        elif name == "marking":
            try:
                clean[name] = check_marking(value) or ""
            except ValueError:
                problems.append(Text("params.marking", {
                    "markings": ", ".join(map(repr, MARKINGS)) + ", ''",
                    "got": repr(str(value)[:60])}))
        elif name not in ("unit", "lang"):
            problem, clean[name] = _check_type(spec, value)
            problems += [problem] if problem else []
        else:
            clean[name] = value
    if problems:
        raise i18n.error(ParameterError, "params.bad",
                         {"notebook": notebook.name,
                          "problems": [i18n.render(p, "en") for p in problems],
                          "available": list(specs), "unit": params.get("unit"),
                          "period": period_text},
                         notebook=notebook.name, problems=problems)
    return clean, period, unit


def _check_type(spec: ParamSpec, value: Any) -> tuple[str | None, Any]:
    """A problem (or None) and the value to pass; values are never parsed from strings."""
    if not isinstance(value, _PASSABLE):
        return f"{spec.name}={value!r}: a {type(value).__name__} cannot be passed", value
    expected = type(spec.default)
    if spec.type_name == "expression" or spec.default is None:
        return None, value
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return None, float(value)
    if type(value) is expected or (expected is tuple and isinstance(value, list)):
        return None, value
    return (f"{spec.name} must be a {expected.__name__} like its default {spec.default!r}, "
            f"got {type(value).__name__} {value!r}"), value


def failure(report: PreparedReport, cell: int | None, count: int | None, ename: str,
             evalue: str) -> ExecutionError:
    """The error for a failed cell; its message is one line (the first of ``evalue``)."""
    at = "" if cell is None else f" at cell {cell}" + ("" if count is None else f" (In [{count}])")
    unit = f"unit {report.unit.code} ({report.unit.name})" if report.unit else "the national report"
    lines = str(evalue).strip().splitlines()
    what = f"{ename}: {lines[0]}" if lines else ename
    if ename == "SystemExit":
        what += " (sys.exit() was called; the cells after it did not run)"
    return ExecutionError(f"{report.notebook.name} failed{at} for {unit}, period "
                          f"{report.period}: {what}", cell=cell, ename=ename, evalue=evalue,
                          **report.context())


def _read(path: Path) -> dict[str, Any]:
    """The notebook as a dict: plain JSON for nbformat 4 (importing nbformat costs seconds,
    and validating parameters must stay fast), nbformat's reader for older files."""
    if path.suffix != ".ipynb" or not path.is_file():
        raise ParameterError(f"No notebook at {path}", notebook=str(path))
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ParameterError(f"{path.name} is not a readable notebook: {exc}",
                             notebook=path.name) from None
    if isinstance(data, dict) and data.get("nbformat") == 4:
        return data
    import nbformat

    return nbformat.read(path, as_version=4)


def _export() -> Any:
    try:
        from reportkit.rendering import export
    except ImportError as exc:
        raise ExportError(f"Export is not available: {exc}") from exc
    return export
