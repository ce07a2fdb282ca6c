"""One report end to end: parameter validation, staging, checks, atomic promotion.

The ``slow`` tests start real kernels on the tiny notebooks in ``tests/notebooks/``.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import time
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from reportkit.batch.execute import run_report
from reportkit.errors import ConfigError, ExecutionError, ExportError, ParameterError
from reportkit.rendering import runner
from reportkit.rendering.runner import (
    ParamSpec,
    check_executed,
    notebook_parameters,
    output_dir,
    prepare_report,
    resolve_kernel,
    validate_parameters,
)

NB = Path(__file__).resolve().parent / "notebooks"
Q3 = "2025-Q3"


@pytest.fixture()
def root(tmp_path: Path, empty_warehouse: Path) -> Path:
    return tmp_path / "outputs"


@pytest.fixture()
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to execute a notebook."""

    def boom(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", boom)


def outputs(nb: nbformat.NotebookNode) -> str:
    """All stream text of an executed notebook."""
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))


# --- parameters -------------------------------------------------------------------------


def test_notebook_parameters_reads_the_tagged_cell() -> None:
    specs = notebook_parameters(NB / "ok.ipynb")
    assert list(specs) == ["unit", "period", "lang", "code", "threshold"]
    assert specs["code"] == ParamSpec("code", "007", "str")
    assert specs["unit"] == ParamSpec("unit", None, "NoneType")
    assert specs["threshold"].type_name == "float"


def test_notebook_parameters_annotations_and_expressions(tmp_path: Path) -> None:
    cell = new_code_cell("from datetime import date\nn: int = 3\nwhen = date.today()\na = b = 'x'")
    cell.metadata["tags"] = ["parameters"]
    nbformat.write(new_notebook(cells=[cell]), tmp_path / "x.ipynb")
    specs = notebook_parameters(tmp_path / "x.ipynb")
    assert specs["n"] == ParamSpec("n", 3, "int")
    assert specs["when"] == ParamSpec("when", "date.today()", "expression")
    assert specs["a"].default == specs["b"].default == "x"


def test_validate_parameters_normalises_unit_and_period_and_keeps_codes_as_strings() -> None:
    clean = validate_parameters(NB / "ok.ipynb", {"unit": "Lào Cai", "period": "2025-q3",
                                                  "code": "0042", "threshold": 1})
    assert clean == {"unit": "15", "period": Q3, "code": "0042", "threshold": 1.0}
    assert isinstance(clean["code"], str) and isinstance(clean["threshold"], float)


BAD = [
    pytest.param("ok", {"params": {"colour": "red"}},
                 "unknown parameter(s) 'colour'; ok.ipynb takes: unit, period, lang, code, "
                 "threshold", id="unknown-parameter"),
    pytest.param("ok", {"period": None}, "missing 'period'", id="missing"),
    pytest.param("ok", {"params": {"code": 7}}, "code must be a str", id="int-for-str"),
    pytest.param("ok", {"params": {"threshold": "0.5"}}, "threshold must be a float",
                 id="str-for-float"),
    pytest.param("ok", {"unit": "Atlantis"}, "No unit named 'Atlantis'", id="bad-unit"),
    pytest.param("ok", {"unit": 15}, "unit must be a string", id="int-unit"),
    pytest.param("ok", {"unit": "Yên Bái"}, "merged into", id="unit-not-in-force"),
    pytest.param("ok", {"unit": "../../etc"}, "No unit named", id="unit-path"),
    pytest.param("ok", {"period": "2025-Q5"}, "2025-Q5", id="bad-period"),
    pytest.param("ok", {"period": "../2025"}, "../2025", id="period-path"),
    pytest.param("ok", {"lang": "fr"}, "lang must be one of vi, en", id="bad-lang"),
    pytest.param("ok", {"params": {"period": Q3}}, "as keyword argument", id="period-in-params"),
    pytest.param("sys_exit", {}, "unknown parameter(s) 'unit'", id="unit-for-national"),
    pytest.param("no_parameters", {}, "no cell tagged 'parameters'", id="no-parameters"),
    pytest.param("missing", {}, "No notebook at", id="no-notebook"),
    pytest.param("ok", {"formats": ("html", "odt")}, "Unknown format(s) 'odt'",
                 id="bad-format"),
]


@pytest.mark.parametrize(("name", "kwargs", "message"), BAD)
@pytest.mark.usefixtures("no_kernel")
def test_bad_parameters_fail_fast_before_any_kernel(root: Path, name: str,
                                                    kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"unit": "15", "period": Q3, **kwargs}
    started = time.monotonic()
    with pytest.raises(ParameterError) as info:
        run_report(NB / f"{name}.ipynb", output_root=root, **args)
    assert message in str(info.value)
    assert time.monotonic() - started < 2
    assert not root.exists()  # no staging folder, no output folder


def test_parameter_error_collects_every_problem_and_pickles() -> None:
    with pytest.raises(ParameterError) as info:
        prepare_report(NB / "ok.ipynb", unit="Atlantis", period=Q3, params={"code": 7, "x": 1})
    err = info.value
    assert len(err.problems) == 3
    assert err.available == ["unit", "period", "lang", "code", "threshold"]
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is ParameterError and copy.fields == err.fields and str(copy) == str(err)


@pytest.mark.usefixtures("no_kernel")
def test_pdf_without_pdf_export_fails_before_any_kernel(root: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    export = pytest.importorskip("reportkit.rendering.export")
    monkeypatch.delattr(export, "write_pdf", raising=False)
    with pytest.raises(ExportError, match="PDF export is not available"):
        run_report(NB / "ok.ipynb", unit="15", period=Q3, output_root=root,
                   formats=("html", "pdf"))
    assert not root.exists()


# --- paths and kernels ------------------------------------------------------------------


def test_output_dir_layout(root: Path) -> None:
    assert output_dir(root, Q3, "15", "lao-cai") == root / Q3 / "15-lao-cai"
    assert output_dir(root, "2025", None, None) == root / "2025" / "national"
    assert output_dir(root, "2016-07..2018-12", "01", "ha-noi") == (
        root / "2016-07_to_2018-12" / "01-ha-noi")


@pytest.mark.parametrize(("period", "code", "slug"), [
    ("../x", None, None),
    ("..", None, None),
    (Q3, "15", "../../etc"),
    (Q3, "15", "lao-cai/../../x"),
    (Q3, "15", "."),
    (Q3, "..", "x"),
    (Q3, "15/..", "x"),
    (Q3, "/etc", "x"),
    (Q3, "15", None),
])
def test_output_dir_refuses_anything_that_could_escape(root: Path, period: str,
                                                       code: str | None,
                                                       slug: str | None) -> None:
    with pytest.raises(ParameterError):
        output_dir(root, period, code, slug)


def test_output_dir_refuses_a_symlink_out_of_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "outputs", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / Q3).symlink_to(outside, target_is_directory=True)
    with pytest.raises(ParameterError, match="outside"):
        output_dir(root, Q3, "15", "lao-cai")


def test_missing_reportkit_kernel_falls_back_to_python3(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(runner.KernelSpecManager, "find_kernel_specs",
                        lambda self: {"python3": "/k/python3"})
    with caplog.at_level(logging.WARNING, logger="reportkit.rendering.runner"):
        assert resolve_kernel("reportkit") == "python3"
    assert "'reportkit' is not installed" in caplog.text
    with pytest.raises(ConfigError, match="available: python3"):
        resolve_kernel("julia")


# --- checking an executed notebook ------------------------------------------------------


def _executed(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return new_notebook(cells=list(cells))


def test_check_executed_ignores_blank_and_skipped_cells() -> None:
    report = prepare_report(NB / "ok.ipynb", unit="15", period=Q3)
    skipped = new_code_cell("print('skip')")
    skipped.metadata["tags"] = ["skip-execution"]
    check_executed(_executed(new_code_cell("x = 1", execution_count=1), new_code_cell("  "),
                             skipped), report)


def test_check_executed_finds_unexecuted_cells_and_error_outputs() -> None:
    report = prepare_report(NB / "ok.ipynb", unit="15", period=Q3)
    with pytest.raises(ExecutionError) as info:
        check_executed(_executed(new_code_cell("x = 1", execution_count=1),
                                 new_code_cell("y = 2")), report)
    assert info.value.fields["cell"] == 1 and info.value.ename == "NotExecuted"
    error = new_output("error", ename="SystemExit", evalue="", traceback=[])
    with pytest.raises(ExecutionError, match="at cell 0 .In \\[1\\]. for unit 15 .Lào Cai., "
                                             "period 2025-Q3: SystemExit .sys.exit"):
        check_executed(_executed(new_code_cell("exit", execution_count=1, outputs=[error])),
                       report)


# --- real kernels ------------------------------------------------------------------------


RUNS = [
    pytest.param("ok", "15", "ok", None, None, id="ok"),
    pytest.param("raises", "15", "failed", "ValueError", 3, id="raises"),
    pytest.param("sys_exit", None, "failed", "SystemExit", 2, id="sys_exit"),
    pytest.param("kernel_dies", None, "failed", "DeadKernelError", 2, id="kernel_dies"),
    pytest.param("slow_cell", None, "failed", "CellTimeoutError", 2, id="slow_cell"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "unit", "status", "ename", "cell"), RUNS)
def test_fixture_notebooks(root: Path, name: str, unit: str | None, status: str,
                           ename: str | None, cell: int | None) -> None:
    result = run_report(NB / f"{name}.ipynb", unit=unit, period=Q3, output_root=root,
                        cell_timeout=3, raise_on_error=False)
    final = root / Q3 / ("15-lao-cai" if unit else "national")
    assert result.status == status
    assert list((root / ".staging").iterdir()) == []
    if status == "ok":
        assert result.html == final / f"{name}.html" and result.html.is_file()
        assert result.ipynb == final / f"{name}.ipynb" and result.ipynb.is_file()
        assert result.error is None and not (final / "_failed").exists()
        return
    assert result.html is None and not (final / f"{name}.html").exists()
    assert result.ipynb == final / "_failed" / f"{name}.ipynb" and result.ipynb.is_file()
    assert result.fields["ename"] == ename and result.fields["cell"] == cell
    assert result.error is not None
    assert f"{name}.ipynb failed at cell {cell}" in result.error and ename in result.error
    assert "period 2025-Q3" in result.error


@pytest.mark.slow
def test_ok_report_gets_validated_values_and_runs_in_its_folder(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
        empty_warehouse: Path) -> None:
    root = tmp_path / "out {unit}"  # papermill would format braces in paths
    cwd = os.getcwd()

    chdir = os.chdir

    def no_chdir(path: Any) -> None:
        # papermill's local file handler re-enters the current directory around each read
        # and write; moving this process anywhere else would break parallel jobs.
        if Path(path).resolve() != Path(cwd).resolve():
            raise AssertionError(f"os.chdir({path!r}) in the process that runs reports")
        chdir(path)

    monkeypatch.setattr(os, "chdir", no_chdir)
    with caplog.at_level(logging.INFO, logger="reportkit.batch.run"):
        result = run_report(NB / "ok.ipynb", unit="Lào Cai", period="2025-q3", lang="en",
                            params={"code": "0042", "threshold": 1}, output_root=root)
    assert os.getcwd() == cwd
    assert result.params == {"unit": "15", "period": Q3, "lang": "en", "code": "0042",
                             "threshold": 1.0}
    assert result.html == root / Q3 / "15-lao-cai" / "ok.en.html"  # English: ".en"
    text = outputs(nbformat.read(result.ipynb, as_version=4))
    assert "unit='15' period='2025-Q3'" in text
    assert "lang='en' code='0042' threshold=1.0" in text
    assert f"cwd={NB}" in text
    assert "ok      ok.en 15 (Lào Cai) 2025-Q3 in" in caplog.text


def test_a_report_file_carries_its_language_unless_vietnamese() -> None:
    assert runner.file_stem("province_report", "vi") == "province_report"
    assert runner.file_stem("province_report", "en") == "province_report.en"
    vi = prepare_report(NB / "ok.ipynb", unit="15", period=Q3)
    en = prepare_report(NB / "ok.ipynb", unit="15", period=Q3, lang="en")
    assert (vi.file_stem, en.file_stem) == ("ok", "ok.en")


@pytest.mark.slow
def test_both_languages_of_a_report_sit_side_by_side(root: Path) -> None:
    """The same report in Vietnamese and in English, into one folder: neither overwrites the
    other, the manifest and the catalogue hold both, and verify checks both."""
    import json

    from click.testing import CliRunner

    from reportkit.cli import main

    vi = run_report(NB / "ok.ipynb", unit="15", period=Q3, output_root=root)
    en = run_report(NB / "ok.ipynb", unit="15", period=Q3, lang="en", output_root=root)
    folder = root / Q3 / "15-lao-cai"
    assert (vi.status, en.status) == ("ok", "ok")
    assert (vi.html, en.html) == (folder / "ok.html", folder / "ok.en.html")
    assert "lang='vi'" in outputs(nbformat.read(folder / "ok.ipynb", as_version=4))
    assert "lang='en'" in outputs(nbformat.read(folder / "ok.en.ipynb", as_version=4))
    manifest = json.loads((root / Q3 / "manifest.json").read_text(encoding="utf-8"))
    reports = manifest["reports"]
    assert {k: reports[k]["lang"] for k in reports} == {"15-lao-cai/ok": "vi",
                                                       "15-lao-cai/ok.en": "en"}
    assert reports["15-lao-cai/ok.en"]["files"]["html"]["path"] == "15-lao-cai/ok.en.html"
    index = (root / Q3 / "index.html").read_text(encoding="utf-8")
    assert 'href="15-lao-cai/ok.html"' in index and 'href="15-lao-cai/ok.en.html"' in index
    assert index.index('href="15-lao-cai/ok.html"') < index.index('href="15-lao-cai/ok.en.html"')
    r = CliRunner().invoke(main, ["verify", str(root / Q3)])
    assert r.exit_code == 0, r.output
    assert "file(s) checked, ok" in r.output and "unlisted" not in r.output
    # Rendering Vietnamese again leaves the English report alone.
    before = en.html.read_bytes()
    again = run_report(NB / "ok.ipynb", unit="15", period=Q3, output_root=root)
    assert again.status == "ok" and en.html.read_bytes() == before


@pytest.mark.slow
def test_failed_rerun_keeps_the_good_report(tmp_path: Path, root: Path) -> None:
    nb = tmp_path / "nbs" / "report.ipynb"
    nb.parent.mkdir()
    shutil.copy(NB / "ok.ipynb", nb)
    good = run_report(nb, unit="15", period=Q3, output_root=root)
    assert good.html is not None and good.ipynb is not None
    html, ipynb = good.html.read_bytes(), good.ipynb.read_bytes()

    shutil.copy(NB / "raises.ipynb", nb)  # someone broke the notebook
    with pytest.raises(ExecutionError) as info:
        run_report(nb, unit="15", period=Q3, output_root=root)
    err = info.value
    assert err.fields == {"notebook": "report.ipynb", "unit": "15", "period": Q3, "cell": 3,
                          "ename": "ValueError", "evalue": "boom for unit 15"}
    assert str(err) == ("report.ipynb failed at cell 3 (In [4]) for unit 15 (Lào Cai), "
                        "period 2025-Q3: ValueError: boom for unit 15")
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is ExecutionError and copy.fields == err.fields and str(copy) == str(err)
    assert copy.cell == 3 and copy.ename == "ValueError"

    assert good.html.read_bytes() == html and good.ipynb.read_bytes() == ipynb
    failed = nbformat.read(good.ipynb.parent / "_failed" / "report.ipynb", as_version=4)
    enames = [o.ename for c in failed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert enames == ["ValueError"]
    assert list((root / ".staging").iterdir()) == []

    shutil.copy(NB / "ok.ipynb", nb)  # fixed again
    run_report(nb, unit="15", period=Q3, output_root=root)
    assert not (good.ipynb.parent / "_failed").exists()
    assert sorted(p.name for p in good.ipynb.parent.iterdir()) == ["report.html", "report.ipynb"]


@pytest.mark.slow
def test_run_is_a_batch_of_one_recorded_in_the_manifest(tmp_path: Path, root: Path) -> None:
    """`reportkit run` goes through the batch's one path: the report is recorded in its
    period's manifest (with its input hash and files), and its kernel renders for publication
    (REPORTKIT_PUBLISHING is set, so exact small counts are refused)."""
    from reportkit.rendering import catalog

    nb = new_notebook(cells=[
        new_code_cell('unit = "Lào Cai"\nperiod = "2025-Q3"\nlang = "vi"',
                      metadata={"tags": ["parameters"]}),
        new_code_cell("import os\n"
                      "print('publishing=' + os.environ.get('REPORTKIT_PUBLISHING', ''))"),
    ])
    path = tmp_path / "nbs" / "env_report.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    result = run_report(path, unit="15", period=Q3, output_root=root)
    assert "publishing=1" in outputs(nbformat.read(result.ipynb, as_version=4))
    entry = catalog.load_manifest(root / Q3)["reports"]["15-lao-cai/env_report"]
    assert entry["status"] == "ok" and entry["input_hash"]
    assert set(entry["files"]) == {"html", "ipynb"}
    # a period made by `run` alone verifies (it used to exit 4: no manifest)
    rep = catalog.verify(root / Q3)
    assert rep.ok and rep.checked == 6, rep  # html, ipynb, the three catalogue pages, runs.jsonl
