"""reportkit: parameterised Jupyter reports for provincial Party committee offices.

The public surface is small on purpose::

    reportkit.load(table, units=..., period=...)   # a slice of the warehouse as a DataFrame
    reportkit.resolve(text, at=...)                # a unit from a code or any common spelling
    reportkit.Period.parse("2025-Q3")              # a reporting period
    reportkit.run_report(notebook, unit=..., period=...)  # execute + export one report

Nothing heavy is imported until it is used.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["load", "resolve", "Period", "run_report", "__version__"]

_LAZY = {
    "load": ("reportkit.warehouse", "load"),
    "resolve": ("reportkit.units", "resolve"),
    "Period": ("reportkit.periods", "Period"),
    "run_report": ("reportkit.runner", "run_report"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'reportkit' has no attribute {name!r}")
