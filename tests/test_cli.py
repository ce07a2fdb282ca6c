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
    r = CliRunner().invoke(main, ["summary", "--period", "quý 3/2025"])
    assert r.exit_code == 3, r.output
    assert "Did you mean 2025-Q3?" in r.output


def test_an_unknown_notebook_is_named_with_the_notebooks_there_are(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["run", "notebooks/province_reprot.ipynb", "--unit", "15",
                                  "--period", "2025-Q3"])
    assert r.exit_code == 3, r.output
    assert "no notebook at notebooks/province_reprot.ipynb" in r.output
    assert "Did you mean" in r.output and "province_report.ipynb" in r.output
    assert "national_summary.ipynb" in r.output  # the list of what there is
