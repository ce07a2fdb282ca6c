"""The names a notebook author uses are importable from ``reportkit`` itself, documented, and
cheap to import (nothing heavy loads until a name is used)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import reportkit


@pytest.mark.parametrize("name", [n for n in reportkit.__all__ if n != "__version__"])
def test_every_public_name_resolves_and_is_documented(name: str) -> None:
    obj = getattr(reportkit, name)
    if inspect.ismodule(obj) or inspect.isclass(obj) or callable(obj):
        assert inspect.getdoc(obj), f"reportkit.{name} has no docstring"


def test_an_unknown_name_says_so() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        reportkit.nope  # noqa: B018


def test_importing_reportkit_loads_nothing_heavy() -> None:
    code = ("import sys, reportkit; heavy = [m for m in ('pandas', 'matplotlib', 'nbformat', "
            "'pyarrow') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.strip()
    assert out == ""


def test_a_notebook_can_write_a_page_from_the_public_names() -> None:
    """The walk-through in the README: load a slice, compute an indicator, build a table."""
    import pandas as pd

    period = reportkit.Period.parse("2025-Q3")
    unit = reportkit.resolve("TP. Hồ Chí Minh", at=period.last)
    assert unit.name == "Hồ Chí Minh"
    assert "activity" in reportkit.TABLES and "processing_rate" in reportkit.INDICATORS
    html = reportkit.html_table(pd.DataFrame({"Đơn vị": ["<b>x</b>"], "Số": ["1.234"]}),
                                numeric=["Số"])
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def _walkthrough() -> str:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    after = readme.split("<!-- walkthrough -->", 1)[1]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.mark.slow
def test_the_readme_walkthrough_runs_as_written(sample_env: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's "Writing a notebook" code, run as a notebook would run it: it shows one
    table and one chart, and the chart carries the alternative text it was given."""
    import IPython.display

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    namespace = {"unit": "Lào Cai", "period": "2025-Q3", "lang": "vi"}
    exec(compile(_walkthrough(), "README.md", "exec"), namespace)  # noqa: S102
    html = "\n".join(getattr(o, "data", str(o)) for o in shown)
    assert "<table" in html and "Xếp hạng" in html
    assert "quý gần nhất" in html  # the alternative text
