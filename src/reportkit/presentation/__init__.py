"""What a reader sees inside a notebook: charts, narrative, tables, widgets and the report pages
(province, national, petitions, data quality, the analysts' dashboard).

Imports :mod:`reportkit.analysis` and below.
"""
