"""The published set: every petitions count the reports of one unit and period print,
suppressed together.

Why a module of its own: small-number suppression is a property of what is published, not of
one table. The petitions report and the province report of the same period print many of the
same figures (the period's flow, the open petitions at each period's end, group delegations
this period and a year earlier) and figures a reader can subtract from each other (the backlog
over 30 days minus the backlog over 60 days is the 31–60 band). Suppressed table by table, one
report printed "<3" where the other printed "2". Here one deterministic function of the unit's
data and the period, :func:`published_set`, decides every hidden cell of the period's
published set at once (:func:`reportkit.analysis.disclosure.protect_cells` over the union of
the cells and of every additive relation between them), and every report prints from it: the
reports agree by construction.

The cells (keys of :attr:`PublishedSet.cells`):

* ``"received"``, ``"handled"``, ... (:data:`~reportkit.analysis.petitions.FLOW_STAGES`): this
  period's flow;
* ``(period, band)`` and ``(period, "total")``: petitions open at the end of each period of the
  backlog trend (and of the previous period and the same period last year), by age band;
* ``("over", period, 30)`` and ``("over", period, 60)``: open more than 30 / 60 days (the
  province report's indicators; more than 90 days is the ``(period, ">90")`` band);
* ``("flow", period, stage)``: received, handled, transferred, result updated (and the unprinted
  remainders) in the previous period and the same period last year, which the province report
  prints as counts and rates;
* ``("topic", col, topic)``, ``("group", col)``: petitions by topic and group petitions, ``col``
  "current" or "last_year"; the topics add up to the period's received petitions;
* ``("kind", topic, kind)``: this period's petitions by topic and kind;
* ``("delegations", period)``: large-group delegations received (activity reports);
* ``"repeat"``: petitions of the period that repeat an earlier case; ``"repeated_cases"`` and
  ``"cases_3plus"`` (lone counts).

Cells named ``("rest", ...)``, ``"older_open"``, ``"open_early"``, ``"young_before"`` and the
flow remainders of other periods are never printed but a reader can derive them: they are
protected like printed ones. Totals are complements only when no other cell will do, the
over-90-days counts after them.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import pandas as pd

from reportkit.analysis import disclosure as D
from reportkit.analysis.petitions import (
    BANDS,
    FLOW_EQUATIONS,
    GROUP,
    backlog,
    band_keys,
    flow,
    hotspots,
    received_in,
    repeat_summary,
    window,
)
from reportkit.core.periods import Period, default_rule
from reportkit.core.schema import KINDS, TOPICS

__all__ = ["PublishedSet", "published_set"]
# The flow stages the province report prints for the previous period and last year (counts
# and the rates made of them); the rest are remainders.
_PRINTED_OTHER_FLOW = ("received", "handled", "transferred", "result_updated")
_OTHER_FLOW_EQUATIONS = (("received", ("handled", "open")),
                         ("handled", ("handled_here", "transferred")),
                         ("transferred", ("result_updated", "awaiting_result")))


@dataclass(frozen=True)
class PublishedSet:
    """Every petitions count published for one unit (or all units) and period, and whether
    each is printed or hidden. Read the printed text of a cell with :meth:`text`."""

    period: str
    cells: D.ProtectedCells

    def __contains__(self, key: Hashable) -> bool:
        return key in self.cells.values

    def exact(self, key: Hashable) -> int:
        """The true count (never print it)."""
        return self.cells.values[key]

    def status(self, key: Hashable) -> str:
        return self.cells.status[key]

    def hidden(self, key: Hashable) -> bool:
        return self.cells.hidden(key)

    def value(self, key: Hashable) -> float | None:
        """The published value: None when hidden."""
        return self.cells.value(key)

    def text(self, key: Hashable, lang: str = "vi") -> str:
        """The printed text: the number, "<3", "*" or "x"."""
        return self.cells.text(key, lang)

    def view(self, keys: dict[Hashable, Hashable]) -> D.ProtectedCells:
        """Some cells under other names (``{name: key}``), e.g. for one table's notes."""
        c = self.cells
        return D.ProtectedCells({n: c.values[k] for n, k in keys.items()},
                                {n: c.status[k] for n, k in keys.items()}, c.threshold,
                                c.secure)


def _delegations(activity: pd.DataFrame, p: Period) -> int | None:
    months = pd.to_datetime(activity["month"])
    rows = activity[(months >= pd.Timestamp(p.first)) & (months <= pd.Timestamp(p.last))]
    return int(rows["group_delegations"].sum()) if len(rows) else None


def published_set(history: pd.DataFrame, activity: pd.DataFrame, period: Period,
                  rule: str | None = None, *, trend: Sequence[Period] = (),
                  threshold: int = D.THRESHOLD) -> PublishedSet:
    """Decide, once, which petitions counts of ``period`` are printed and which are hidden.

    Args:
        history: the unit's petitions received up to the period's end (any earlier period
            too), as :class:`~reportkit.presentation.petitions.PetitionsReport` loads them.
        activity: the unit's monthly activity rows (``month``, ``group_delegations``) from the
            start of the previous period and of the same period last year to the period's end.
        period: the reporting period.
        rule: "calendar" or "decree09".
        trend: the periods whose end-of-period backlog is printed as a trend (``period`` is
            always included, and so are the previous period and the same period last year).
        threshold: counts ``0 < n < threshold`` are hidden.

    Returns:
        The cells with their status: the same data always gives the same hidden cells.
    """
    rule = rule or default_rule()
    cur, prev, ly = str(period), period.previous(), period.same_period_last_year()
    values: dict[Hashable, int] = {}
    eqs: list[D.Equation] = []
    unprinted: list[Hashable] = []

    # This period's flow.
    f = flow(history, period, rule)
    values.update(f.counts())
    eqs += list(FLOW_EQUATIONS)

    # Open petitions at each period's end by age band, with the cumulative indicators.
    shown_rows = [str(p) for p in trend]
    periods = {str(p): p for p in (*trend, prev, ly, period)}
    keys = band_keys()
    for code, p in sorted(periods.items(), key=lambda kv: kv[1].first):
        b = backlog(history, p, rule)
        cells = [(code, k) for k in keys]
        values.update({(code, k): int(b[k]) for k in keys})
        values[(code, "total")] = int(b.sum())
        eqs.append(((code, "total"), cells))
        if code not in shown_rows and code != cur:  # only the over-N counts are printed
            unprinted += [(code, k) for k in keys[:-1]] + [(code, "total")]
        if code in (cur, str(prev), str(ly)):
            values[("over", code, 60)] = int(b[keys[2]] + b[keys[3]])
            values[("over", code, 30)] = int(b[keys[1]]) + values[("over", code, 60)]
            eqs += [(("over", code, 60), [(code, keys[2]), (code, keys[3])]),
                    (("over", code, 30), [(code, keys[1]), ("over", code, 60)])]

    # This period's open petitions are among all open at its end; in a period of 31 days they
    # are exactly those open up to 30 days, one holds the other otherwise.
    days = (window(period, rule)[1] - window(period, rule)[0]).days + 1
    b1 = keys[0]
    young, total = values[(cur, b1)], values[(cur, "total")]
    values["older_open"] = total - values["open"]
    eqs.append(((cur, "total"), ["open", "older_open"]))
    unprinted.append("older_open")
    if days == BANDS[0] + 1:
        eqs.append(("open", [(cur, b1)]))
    elif days > BANDS[0] + 1:
        values["open_early"] = values["open"] - young
        eqs.append(("open", [(cur, b1), "open_early"]))
        unprinted.append("open_early")
    else:
        values["young_before"] = young - values["open"]
        eqs.append(((cur, b1), ["open", "young_before"]))
        unprinted.append("young_before")

    # The previous period's and last year's flow, as far as the province report prints it.
    for p in (prev, ly):
        if ("flow", str(p), "received") in values:  # a year's previous period is last year
            continue
        fp = flow(history, p, rule).counts()
        for s in ("received", "handled", "open", "handled_here", "transferred",
                  "result_updated", "awaiting_result"):
            values[("flow", str(p), s)] = fp[s]
            if s not in _PRINTED_OTHER_FLOW:
                unprinted.append(("flow", str(p), s))
        eqs += [(("flow", str(p), t), [("flow", str(p), x) for x in parts])
                for t, parts in _OTHER_FLOW_EQUATIONS]

    # Topics and group petitions, this period and last year; the topics add up to what was
    # received (the same cell as the flow's), group petitions are part of it.
    h = hotspots(received_in(history, period, rule), received_in(history, ly, rule))
    for col, received in (("current", "received"), ("last_year", ("flow", str(ly), "received"))):
        topics = [("topic", col, t) for t in TOPICS]
        values.update({("topic", col, t): int(h.at[t, col]) for t in TOPICS})
        values[("group", col)] = int(h.at[GROUP, col])
        values[("rest", "non_group", col)] = values[received] - values[("group", col)]
        unprinted.append(("rest", "non_group", col))
        other = values[received] - sum(values[k] for k in topics)
        if other:  # a topic outside the contract's list (not printed by topic)
            values[("rest", "other_topics", col)] = other
            unprinted.append(("rest", "other_topics", col))
            topics.append(("rest", "other_topics", col))
        eqs += [(received, topics), (received, [("group", col), ("rest", "non_group", col)])]

    # This period's petitions by topic and kind (the province report's composition chart).
    now = received_in(history, period, rule)
    tab = pd.crosstab(now["topic"].astype(str), now["kind"].astype(str)) if len(now) else None
    for t in TOPICS:
        parts = []
        for k in KINDS:
            n = 0 if tab is None or t not in tab.index or k not in tab.columns \
                else int(tab.at[t, k])
            values[("kind", t, k)] = n
            parts.append(("kind", t, k))
        other = values[("topic", "current", t)] - sum(values[k] for k in parts)
        if other:  # a kind outside the contract's list
            values[("rest", "other_kinds", t)] = other
            unprinted.append(("rest", "other_kinds", t))
            parts.append(("rest", "other_kinds", t))
        eqs.append((("topic", "current", t), parts))

    # Repeated cases: repeats are part of what was received.
    rs = repeat_summary(history, period, rule)
    values["repeat"] = rs.repeat_petitions
    values[("rest", "first_submission")] = rs.received - rs.repeat_petitions
    unprinted.append(("rest", "first_submission"))
    eqs.append(("received", ["repeat", ("rest", "first_submission")]))
    values["repeated_cases"] = rs.repeated_cases
    values["cases_3plus"] = rs.cases_3plus

    # Large-group delegations (monthly activity reports), where reported.
    for p in (period, prev, ly):
        n = _delegations(activity, p) if len(activity) else None
        if n is not None:
            values[("delegations", str(p))] = n

    fixed = [] if D.sensitive(values["received"], threshold) else ["received"]
    last_resort = [(code, keys[-1]) for code in periods]
    cells = D.protect_cells(values, eqs, threshold=threshold, fixed=fixed, unprinted=unprinted,
                            last_resort=last_resort)
    return PublishedSet(cur, cells)
