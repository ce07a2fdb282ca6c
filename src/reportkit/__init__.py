"""reportkit: parameterised Jupyter reports for provincial Party committee offices.

Everything a report notebook needs is importable from ``reportkit`` itself; nothing heavy is
imported until it is used (``import reportkit`` costs milliseconds):

```python
from reportkit import ProvinceReport

rep = ProvinceReport(unit, period, lang=lang)   # unit, period: the parameters cell
rep.show_heading()
rep.show_key_figures()
rep.show_section("petitions", 4)
```

The surface, by what a notebook does with it:

* **Data**: `load` (``load("activity", units="Lào Cai", period="2025-Q3")``) returns a
  slice of the warehouse as a DataFrame; `TABLES` describes each table and its columns;
  `resolve` finds a unit from a code or any common spelling; `Period` parses ``"2025-07"``,
  ``"2025-Q3"``, ``"2025-H1"``, ``"2025-9M"``, ``"2025"``, ``"2016-07..2018-12"``.
* **Indicators**: `indicator` (``indicator("processing_rate", "Lào Cai", "2025-Q3")``)
  returns an `IndicatorResult`: the value, the previous period, the same period last year,
  the national figure, the unit's rank and the target status; `indicator_series` gives one
  indicator over several periods (a ``pandas.Series`` indexed by period code); `INDICATORS`
  lists them.
* **Charts**: `charts` draws the house charts (``charts.trend``, ``charts.ranking``,
  ``charts.composition``, ``charts.backlog``, ``charts.distribution``, ``charts.flow``);
  `show` puts a figure on the page with its alternative text
  (``show(fig, alt="Tỷ lệ xử lý đơn, thư theo quý")``; default: the chart's title).
* **Page building blocks**: `ProvinceReport`, `NationalReport`, `PetitionsReport`,
  `DataQualityReport` (their ``show_*`` methods print headings, key figures, sections and
  tables in the official style), `Dashboard` (the analysts' live explorer), and `html_table`
  / `show_html` for a table or block of your own.
* **Running**: `run_report` executes and exports one report (what ``reportkit run`` does).
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
