"""Numbers only: indicators (value, previous period, same period last year, national, rank),
small-number disclosure control, data quality.

Imports :mod:`reportkit.store` and :mod:`reportkit.core`; makes no HTML and no charts.
"""
