"""reportkit: parameterised Jupyter reports for provincial Party committee offices.

Everything a report notebook needs is importable from ``reportkit`` itself; nothing heavy is
imported until it is used (``import reportkit`` costs milliseconds)::

    from reportkit import ProvinceReport

    rep = ProvinceReport(unit, period, lang=lang)   # unit, period: the parameters cell
    rep.show_heading()
    rep.show_key_figures()
    rep.show_section("petitions", 4)

The surface, by what a notebook does with it:

Data
    :func:`load` (``load("activity", units="Lào Cai", period="2025-Q3")``) returns a slice of the
    warehouse as a DataFrame; :data:`TABLES` describes each table and its columns.
    :func:`resolve` finds a unit from a code or any common spelling; :class:`Period` parses
    ``"2025-07"``, ``"2025-Q3"``, ``"2025-H1"``, ``"2025-9M"``, ``"2025"``, ``"2016-07..2018-12"``.
Indicators
    :func:`indicator` (``indicator("processing_rate", "Lào Cai", "2025-Q3")``) returns an
    :class:`IndicatorResult`: the value, the previous period, the same period last year, the
    national figure, the unit's rank and the target status; :func:`indicator_series` gives one
    indicator over several periods (a ``pandas.Series`` indexed by period code).
    :data:`INDICATORS` lists them.
Charts
    :mod:`charts` draws the house charts (``charts.trend``, ``charts.ranking``,
    ``charts.composition``, ``charts.backlog``, ``charts.distribution``, ``charts.flow``);
    :func:`show` puts a figure on the page with its alternative text
    (``show(fig, alt="Tỷ lệ xử lý đơn, thư theo quý")``; default: the chart's title).
Page building blocks
    :class:`ProvinceReport`, :class:`NationalReport`, :class:`PetitionsReport`,
    :class:`DataQualityReport` (their ``show_*`` methods print headings, key figures, sections
    and tables in the official style), :class:`Dashboard` (the analysts' live explorer), and
    :func:`html_table` / :func:`show_html` for a table or block of your own.
Running
    :func:`run_report` executes and exports one report (what ``reportkit run`` does).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    # data
    "load": ("reportkit.store.warehouse", "load"),
    "TABLES": ("reportkit.core.schema", "TABLES"),
    "resolve": ("reportkit.core.units", "resolve"),
    "Period": ("reportkit.core.periods", "Period"),
    # indicators
    "indicator": ("reportkit.analysis.indicators", "result"),
    "indicator_series": ("reportkit.analysis.indicators", "series"),
    "INDICATORS": ("reportkit.analysis.indicators", "INDICATORS"),
    "IndicatorResult": ("reportkit.analysis.indicators", "IndicatorResult"),
    # charts
    "charts": ("reportkit.presentation.charts", None),
    "show": ("reportkit.presentation.charts", "show"),
    # page building blocks
    "ProvinceReport": ("reportkit.presentation.report", "ProvinceReport"),
    "NationalReport": ("reportkit.presentation.report", "NationalReport"),
    "DataQualityReport": ("reportkit.presentation.report", "DataQualityReport"),
    "PetitionsReport": ("reportkit.presentation.petitions", "PetitionsReport"),
    "Dashboard": ("reportkit.presentation.dashboard", "Dashboard"),
    "html_table": ("reportkit.presentation.blocks", "html_table"),
    "show_html": ("reportkit.presentation.blocks", "show_html"),
    # running
    "run_report": ("reportkit.batch.execute", "run_report"),
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        loaded = importlib.import_module(module)
        return loaded if attr is None else getattr(loaded, attr)
    raise AttributeError(f"module 'reportkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
