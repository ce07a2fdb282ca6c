"""The command line speaks the operator's language: Vietnamese by default everywhere,
English with ``--lang en`` or ``REPORTKIT_LANG=en``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reportkit.cli import main


@pytest.mark.slow
def test_summary_names_the_quarter_with_capital_roman_numerals(sample_env: Path) -> None:
    r = CliRunner().invoke(main, ["summary", "--period", "2025-Q3"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "Quý III/2025"  # not "Quý iii/2025"


@pytest.mark.slow
def test_the_language_comes_from_reportkit_lang(sample_env: Path) -> None:
    r = CliRunner().invoke(main, ["summary", "--period", "2025-Q3"], env={"REPORTKIT_LANG": "en"})
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "Q3 2025"
    r = CliRunner().invoke(main, ["summary", "--period", "2025-Q3", "--lang", "vi"],
                           env={"REPORTKIT_LANG": "en"})
    assert r.output.splitlines()[0] == "Quý III/2025"  # the option wins


def test_a_misspelt_period_gets_a_did_you_mean(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["summary", "--period", "quý 3/2025", "--lang", "en"])
    assert r.exit_code == 3, r.output
    assert "Did you mean 2025-Q3?" in r.output


def test_an_unknown_notebook_is_named_with_the_notebooks_there_are(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["run", "notebooks/province_reprot.ipynb", "--unit", "15",
                                  "--period", "2025-Q3", "--lang", "en"])
    assert r.exit_code == 3, r.output
    assert "no notebook at notebooks/province_reprot.ipynb" in r.output
    assert "Did you mean" in r.output and "province_report.ipynb" in r.output
    assert "national_summary.ipynb" in r.output  # the list of what there is


NB = "notebooks/province_report.ipynb"
# A refusal: the command line, the exit code, what the Vietnamese message says (the default),
# what the English one says (--lang en or REPORTKIT_LANG=en).
REFUSALS = {
    "misspelt period": (["summary", "--period", "quý 3/2025"], 3,
                        "Không đọc được kỳ báo cáo 'quý 3/2025': không phải mã kỳ báo cáo. Có "
                        "phải là 2025-Q3?",
                        "Cannot read period 'quý 3/2025': not a period code. Did you mean "
                        "2025-Q3?"),
    "unknown notebook": (["run", "notebooks/province_reprot.ipynb", "--unit", "15", "--period",
                          "2025-Q3"], 3,
                         "không có notebook notebooks/province_reprot.ipynb. Có phải là",
                         "no notebook at notebooks/province_reprot.ipynb. Did you mean"),
    "no --unit": (["run", NB, "--period", "2025-Q3"], 2,
                  "province_report.ipynb là báo cáo của một đơn vị: hãy cho --unit",
                  "province_report.ipynb is a report on one unit: give --unit"),
    "negative timeout": (["run", NB, "--unit", "15", "--period", "2025-Q3", "--timeout", "-5"],
                         2, "giá trị không hợp lệ cho --timeout: phải là số nguyên từ 1 trở lên",
                         "invalid value for --timeout: must be a whole number of at least 1"),
    "missing option": (["run", NB, "--unit", "15"], 2, "thiếu tùy chọn --period",
                       "missing option --period"),
    "misspelt option": (["run", NB, "--unit", "15", "--perod", "2025-Q3"], 2,
                        "không có tùy chọn --perod. Có phải là --period?",
                        "no such option --perod. Did you mean --period?"),
    "unknown marking": (["run", NB, "--unit", "15", "--period", "2025-Q3", "-p",
                         "marking=Secret"], 3,
                        "Tham số không hợp lệ cho province_report.ipynb: độ mật phải là một "
                        "trong 'Lưu hành nội bộ', 'Mật'",
                        "Bad parameters for province_report.ipynb: marking must be one of "
                        "'Lưu hành nội bộ', 'Mật'"),
    "unknown unit": (["run", NB, "--unit", "Lao Kai", "--period", "2025-Q3"], 3,
                     "Không có đơn vị tên 'Lao Kai'; có phải: Lào Cai?",
                     "No unit named 'Lao Kai'; did you mean: Lào Cai?"),
    "no warehouse": (["run", NB, "--unit", "15", "--period", "2025-Q3"], 4,
                     "Không có kho dữ liệu tại", "No warehouse at"),
    "schedule key typo": (["batch", "{schedule}", "--dry-run"], 3,
                          "khóa không hợp lệ unit; lịch nhận: description,",
                          "unknown key(s) unit; a schedule takes: description,"),
}


@pytest.fixture
def no_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(tmp_path / "no-warehouse"))
    monkeypatch.delenv("REPORTKIT_LANG", raising=False)
    schedule = tmp_path / "params" / "typo.yaml"
    schedule.parent.mkdir()
    schedule.write_text("notebooks: [notebooks/province_report.ipynb]\nunit: all\n"
                        "period: 2025-Q3\n", encoding="utf-8")
    return schedule


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_are_vietnamese_by_default_and_english_when_asked(
        case: str, no_warehouse: Path) -> None:
    args, code, vi, en = REFUSALS[case]
    args = [a.replace("{schedule}", str(no_warehouse)) for a in args]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == code, r.output
    assert "lỗi: " in r.output and vi in r.output, r.output
    assert en not in r.output
    r = CliRunner().invoke(main, [*args, "--lang", "en"] if args[0] != "batch" else args,
                           env={"REPORTKIT_LANG": "en"} if args[0] == "batch" else {})
    assert r.exit_code == code, r.output
    assert "error: " in r.output and en in r.output, r.output
    assert vi not in r.output


def test_the_option_wins_over_reportkit_lang(no_warehouse: Path) -> None:
    r = CliRunner().invoke(main, ["summary", "--period", "quý 3/2025", "--lang", "vi"],
                           env={"REPORTKIT_LANG": "en"})
    assert r.exit_code == 3 and "Có phải là 2025-Q3?" in r.output, r.output
    r = CliRunner().invoke(main, ["summary", "--period", "quý 3/2025", "--lang=en"])
    assert r.exit_code == 3 and "Did you mean 2025-Q3?" in r.output, r.output


def test_the_installed_command_answers_in_vietnamese(no_warehouse: Path) -> None:
    """The real entry point in a fresh process, REPORTKIT_LANG unset."""
    import os
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("reportkit")
    env = {k: v for k, v in os.environ.items() if k != "REPORTKIT_LANG"}
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([str(exe), "run", NB, "--unit", "15", "--period", "2025-Q3"],
                       capture_output=True, text=True, env=env, cwd=root, timeout=120)
    assert r.returncode == 4, r.stderr
    assert r.stderr.startswith("lỗi: Không có kho dữ liệu tại"), r.stderr
    r = subprocess.run([str(exe), "run", NB, "--unit", "15", "--period", "2025-Q3"],
                       capture_output=True, text=True, env={**env, "REPORTKIT_LANG": "en"},
                       cwd=root, timeout=120)
    assert r.returncode == 4 and r.stderr.startswith("error: No warehouse at"), r.stderr
