"""What a reader sees inside a notebook: charts, narrative, tables, widgets and the report pages
(province, national, petitions, data quality, the analysts' dashboard).

Imports :mod:`reportkit.analysis` and below.
"""


def warm_up() -> None:
    """Get this process ready to draw reports: compile the page templates and draw two
    throwaway charts (no data of any unit), so that matplotlib has loaded the house fonts
    and its SVG writer. The batch's fork server runs it once after its imports (the
    ``"reportkit.presentation:warm_up"`` entry of a schedule's ``warm`` list); every report
    kernel forked from it then starts with that work done."""
    from reportkit.presentation import charts, html

    html.precompile()
    charts.warm_up()
