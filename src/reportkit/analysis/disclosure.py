"""Small-number suppression for published outputs.

A count of fewer than ``threshold`` (3) petitions is published as "<3"; zero is published as
"0". Hiding the cell is not enough when a total is printed next to it: the reader subtracts.
So suppression here is *complementary*: after the small cells are hidden, every hidden small
cell is audited against what a reader can work out from the printed figures, and further cells
("*") are hidden until none of the small ones can be recovered.

What the reader is assumed to know when auditing:

* every printed number, and every additive relation between printed figures (a row and its
  total, a column and its total, a stage of a flow and its sub-stages);
* that "<3" means 1 or 2 (zero is printed as "0"), that "*" means at least 3 (a smaller
  number would have been printed "<3"), and nothing about "x".

A small cell counts as recovered when those facts leave it a single possible value. The audit
combines exact linear algebra (a hidden cell fixed by the equations alone) with interval
propagation (a hidden cell pinned by the bounds, e.g. "<3" + "<3" = 4 gives 2 and 2). This is
the standard textbook auditing short of integer programming; it is exact for one row or column
and for the flows and two-way tables reportkit prints.

Complements ("*") are chosen greedily: first so that no equation is left with a single hidden
cell, taking the cell that loses the reader least: the smallest eligible one, a total only
when no other cell of the equation will do, a *last-resort* cell (a figure readers look for,
such as the petitions waiting over 90 days) only after the totals; then, for what the audit
still finds, the printed cell that best removes the exposure, in the same order. A total that
is *fixed* (printed elsewhere in the same report) is never chosen. When nothing can protect a
cell (a total of 2 made of 1 + 1), the cells of its equations are withheld ("x": the reader
learns no bound at all).

Exact figures in a live notebook: ``publish=False`` shows every number as it is, for the
analyst. It is refused whenever the environment variable ``REPORTKIT_PUBLISHING`` is set to
a true value ("1", "true", "yes"); the batch sets it for every report kernel, so an
exported report is always suppressed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reportkit.core import fmt
from reportkit.core.i18n import text
from reportkit.errors import ParameterError

THRESHOLD = 3
PUBLISHING_ENV = "REPORTKIT_PUBLISHING"
COMPLEMENT_MARK = "*"
WITHHELD_MARK = "x"

# Cell status.
SHOWN, SMALL, COMPLEMENT, UNPRINTED, WITHHELD = (
    "", "small", "complement", "unprinted", "withheld")
HIDDEN = (SMALL, COMPLEMENT, UNPRINTED, WITHHELD)

# Marks the output of a notebook that showed exact figures (``publish=False``); an exporter
# can refuse any notebook whose outputs contain it (see :func:`shows_exact_figures`).
EXACT_MARK = "data-reportkit-exact-figures"

_TRUE = {"1", "true", "yes", "on"}
_INF = float("inf")
LAST_RESORT = 2  # the preference rank of a last-resort cell (0 ordinary, 1 a total)
_PASSES = 30  # propagation rounds; small cells (bounds 1..2) pin within a few


class DisclosureError(ParameterError):
    """Exact figures were asked for where only published (suppressed) figures may go."""


# -- publishing guard ------------------------------------------------------------------------
def publishing() -> bool:
    """Whether this process renders reports for publication (``REPORTKIT_PUBLISHING`` set)."""
    return os.environ.get(PUBLISHING_ENV, "").strip().lower() in _TRUE


def check_publish(publish: bool) -> bool:
    """Return ``publish``; refuse ``publish=False`` while rendering for publication.

    Args:
        publish: False asks for exact figures (an analyst's live notebook only).

    Raises:
        DisclosureError: ``publish`` is False and ``REPORTKIT_PUBLISHING`` is set, as it is
            for every report the runner renders.
    """
    if not isinstance(publish, bool):
        raise DisclosureError(f"publish must be True or False, got {publish!r}",
                              parameter="publish")
    if not publish and publishing():
        raise DisclosureError(
            f"publish=False shows exact small counts and is refused while {PUBLISHING_ENV} is "
            "set (reports rendered by the runner are always published with small numbers "
            "suppressed); use publish=False only in a live notebook", parameter="publish")
    return publish


def shows_exact_figures(text: str) -> bool:
    """Whether rendered output (HTML or notebook JSON) carries the exact-figures mark."""
    return EXACT_MARK in text


# -- the auditing engine ----------------------------------------------------------------------
Equation = tuple[Hashable, Sequence[Hashable]]  # (total, parts): total = sum(parts)


def _bounds_of(status: str, threshold: int) -> tuple[float, float]:
    if status == SMALL:
        return 1.0, float(threshold - 1)
    if status == COMPLEMENT:
        return float(threshold), _INF
    return 0.0, _INF  # unprinted or withheld: nothing is known


def _propagate(values: Mapping[Hashable, int], status: Mapping[Hashable, str],
               equations: Sequence[Equation], threshold: int
               ) -> dict[Hashable, tuple[float, float]]:
    """Bounds of every hidden cell that interval propagation can prove (sound, not always
    tight: a cell pinned here is truly pinned)."""
    bounds = {k: _bounds_of(s, threshold) for k, s in status.items() if s in HIDDEN}
    terms = []
    for total, parts in equations:
        coef: dict[Hashable, int] = {}
        const = 0.0  # sum(coef * x) = const over the hidden x
        for k, c in ((total, -1), *((p, 1) for p in parts)):
            if k in bounds:
                coef[k] = coef.get(k, 0) + c
            else:
                const -= c * float(values[k])
        coef = {k: c for k, c in coef.items() if c}
        if coef:
            terms.append((coef, const))
    for _ in range(_PASSES):
        changed = False
        for coef, const in terms:
            # Each term b*x_j spans [tlo_j, thi_j]; sums keep infinities apart so that the
            # range of "all terms but k" is the total minus k's own term.
            span = {}
            lo_fin = hi_fin = 0.0
            lo_inf = hi_inf = 0
            for j, b in coef.items():
                lo_j, hi_j = bounds[j]
                tlo, thi = min(b * lo_j, b * hi_j), max(b * lo_j, b * hi_j)
                span[j] = (tlo, thi)
                if math.isinf(tlo):
                    lo_inf += 1
                else:
                    lo_fin += tlo
                if math.isinf(thi):
                    hi_inf += 1
                else:
                    hi_fin += thi
            for k, a in coef.items():
                tlo, thi = span[k]
                k_lo_inf, k_hi_inf = math.isinf(tlo), math.isinf(thi)
                lo_rest = -_INF if lo_inf - k_lo_inf else lo_fin - (0.0 if k_lo_inf else tlo)
                hi_rest = _INF if hi_inf - k_hi_inf else hi_fin - (0.0 if k_hi_inf else thi)
                # a*x_k = const - rest
                lo_k, hi_k = (const - hi_rest) / a, (const - lo_rest) / a
                if a < 0:
                    lo_k, hi_k = hi_k, lo_k
                old_lo, old_hi = bounds[k]
                new_lo = (max(old_lo, float(math.ceil(lo_k - 1e-9))) if math.isfinite(lo_k)
                          else old_lo)
                new_hi = (min(old_hi, float(math.floor(hi_k + 1e-9))) if math.isfinite(hi_k)
                          else old_hi)
                if (new_lo, new_hi) != (old_lo, old_hi):
                    bounds[k] = (new_lo, new_hi)
                    changed = True
        if not changed:
            break
    return bounds


def _determined(status: Mapping[Hashable, str], equations: Sequence[Equation]) -> set[Hashable]:
    """Hidden cells whose value the equations alone fix (exact linear algebra)."""
    hidden = [k for k, s in status.items() if s in HIDDEN]
    if not hidden:
        return set()
    col = {k: i for i, k in enumerate(hidden)}
    rows = []
    for total, parts in equations:
        r = np.zeros(len(hidden))
        for k, c in ((total, -1.0), *((p, 1.0) for p in parts)):
            if k in col:
                r[col[k]] += c
        if r.any():
            rows.append(r)
    if not rows:
        return set()
    a = np.array(rows)
    # x_k is fixed by A x = b exactly when every solution of A x = 0 has x_k = 0, i.e. the
    # k-th coordinate of every null-space vector vanishes.
    _, sv, vt = np.linalg.svd(a)
    rank = int((sv > 1e-9 * max(1.0, float(sv.max(initial=0)))).sum())
    null = vt[rank:]
    if null.shape[0] == 0:
        return set(hidden)
    return {k for k, i in col.items() if np.abs(null[:, i]).max() < 1e-9}


def sensitive(value: float, threshold: int) -> bool:
    """Whether a count must not be published exactly (``0 < value < threshold``)."""
    return bool(0 < value < threshold)


def exposed(values: Mapping[Hashable, int], status: Mapping[Hashable, str],
            equations: Sequence[Equation], threshold: int = THRESHOLD) -> list[Hashable]:
    """Small cells a reader can work out exactly from what is printed (audit).

    Args:
        values: every cell's true count.
        status: every cell's status (SHOWN, SMALL, COMPLEMENT, UNPRINTED or WITHHELD).
        equations: (total, parts) relations between cells that a reader knows.
        threshold: counts ``0 < n < threshold`` are sensitive.

    Returns:
        The sensitive cells that are printed, or pinned to one value by the printed figures.
    """
    return _exposed(values, status, equations, threshold,
                    _propagate(values, status, equations, threshold))


def _exposed(values: Mapping[Hashable, int], status: Mapping[Hashable, str],
             equations: Sequence[Equation], threshold: int,
             bounds: Mapping[Hashable, tuple[float, float]]) -> list[Hashable]:
    """:func:`exposed`, given the bounds :func:`_propagate` proved."""
    fixed = _determined(status, equations)
    out = []
    for k, v in values.items():
        if not sensitive(v, threshold):
            continue
        if status[k] not in HIDDEN or k in fixed:
            out.append(k)
        elif k in bounds and bounds[k][0] == bounds[k][1]:
            out.append(k)
    return out


@dataclass
class ProtectedCells:
    """Named counts after suppression: their true values, status and whether it is safe.

    ``secure`` is False when some small count stays recoverable because every cell that could
    hide it is fixed (printed elsewhere); the caller should then drop the breakdown.
    """

    values: dict[Hashable, int]
    status: dict[Hashable, str]
    threshold: int = THRESHOLD
    secure: bool = True
    equations: list[Equation] = field(default_factory=list)

    def hidden(self, key: Hashable) -> bool:
        return self.status[key] in HIDDEN

    def value(self, key: Hashable) -> float | None:
        """The published value (None when hidden)."""
        return None if self.hidden(key) else float(self.values[key])

    def text(self, key: Hashable, lang: str = "vi", publish: bool = True) -> str:
        """The printed text of one cell: the number, "<3" or "*"."""
        return cell_text(self.values[key], self.status[key] if publish else SHOWN, lang,
                         self.threshold)

    @property
    def any_hidden(self) -> bool:
        return any(s in (SMALL, COMPLEMENT, WITHHELD) for s in self.status.values())

    @property
    def any_complement(self) -> bool:
        return any(s == COMPLEMENT for s in self.status.values())

    @property
    def any_withheld(self) -> bool:
        return any(s == WITHHELD for s in self.status.values())


def cell_text(value: Any, status: str, lang: str = "vi", threshold: int = THRESHOLD) -> str:
    """A count as printed for its status: "12", "<3", "*", "x" (UNPRINTED cells print "–")."""
    if status == SMALL:
        return f"<{threshold}"
    if status == COMPLEMENT:
        return COMPLEMENT_MARK
    if status == WITHHELD:
        return WITHHELD_MARK
    if status == UNPRINTED:
        return fmt.MISSING
    return fmt.number(value, lang)


def protect_cells(values: Mapping[Hashable, int], equations: Iterable[Equation] = (), *,
                  threshold: int = THRESHOLD, fixed: Iterable[Hashable] = (),
                  unprinted: Iterable[Hashable] = (),
                  last_resort: Iterable[Hashable] = ()) -> ProtectedCells:
    """Suppress small counts among named cells related by additive equations.

    Args:
        values: cell → count (non-negative integers).
        equations: (total, parts) with ``values[total] == sum(values[p] for p in parts)``;
            cells may appear in several equations (a flow stage and its sub-stages).
        threshold: counts ``0 < n < threshold`` are hidden as "<threshold".
        fixed: cells printed elsewhere in the same output: never chosen as complements.
        unprinted: cells that are not printed at all but that a reader can derive (e.g. a
            remainder); they are protected like printed ones when small.
        last_resort: cells hidden as complements only when no other cell will do, not even a
            total: the figures a reader looks for, e.g. the over-90-days backlog.

    Returns:
        Every cell's status (SHOWN, SMALL, COMPLEMENT, UNPRINTED or WITHHELD) and the audit
        verdict.

    When no complement can protect an exposed cell (a total of 2 made of 1 + 1, or small
    cells pinned by a fixed total), the parts of the equation that pins it are withheld ("x":
    no bound known to the reader) as a last resort.
    """
    vals = {k: int(v) for k, v in values.items()}
    eqs = [(t, tuple(p)) for t, p in equations]
    for t, parts in eqs:
        for k in (t, *parts):
            if k not in vals:
                raise KeyError(f"equation refers to unknown cell {k!r}")
        if vals[t] != sum(vals[p] for p in parts):
            raise ValueError(f"cell {t!r} = {vals[t]} is not the sum of {list(parts)}")
    if any(v < 0 for v in vals.values()):
        raise ValueError("counts must not be negative")
    fixed_set, unprinted_set = set(fixed), set(unprinted)
    frozen = fixed_set | unprinted_set
    # Complement preference: 0 an ordinary cell, 1 a total, 2 a last-resort cell.
    last = {**{t: 1 for t, _ in eqs}, **{k: LAST_RESORT for k in last_resort}}
    status = {k: UNPRINTED if k in unprinted_set
              else SMALL if sensitive(v, threshold) and k not in fixed_set else SHOWN
              for k, v in vals.items()}
    stuck: set[Hashable] = set()
    while True:
        _pair_lines(vals, status, eqs, threshold, frozen, last)
        risky = [k for k in exposed(vals, status, eqs, threshold) if k not in stuck]
        if not risky:
            break
        stuck.update(k for k in risky if status[k] not in HIDDEN)  # small and fixed
        risky = [k for k in risky if status[k] in HIDDEN]
        if not risky:
            continue
        pick = _complement(risky, vals, status, eqs, threshold, frozen, last)
        if pick is not None:
            status[pick] = COMPLEMENT
            continue
        changed = False
        for k in risky:
            around = [(t, p) for t, p in eqs if k == t or k in p]
            # Where the total is itself small or fixed, the parts are what gives them away.
            inherent = [(t, p) for t, p in around if status[t] == SMALL or t in frozen]
            for _, parts in inherent or around:
                for m in parts:
                    if m not in frozen and (status[m] in (SMALL, COMPLEMENT)
                                            or status[m] == SHOWN and vals[m] > 0):
                        status[m] = WITHHELD
                        changed = True
        if not changed:
            stuck.update(risky)
    return ProtectedCells(vals, status, threshold, not stuck, eqs)


def _pair_lines(vals: dict[Hashable, int], status: dict[Hashable, str], eqs: list[Equation],
                threshold: int, frozen: set[Hashable], last: Mapping[Hashable, int]) -> None:
    """The classic rule, applied until it holds: no equation has exactly one hidden cell
    (it would be its total minus the rest). The complement chosen for a line is one that
    leaves the line some slack, not a last-resort cell if another will do, one that is not
    the same count as a printed cell of another line (its twin would go with it), not a
    total (and then the one in the fewest equations), then the smallest (the least lost to
    the reader), then one that also completes another line."""
    def lone(members: Sequence[Hashable]) -> Hashable | None:
        hidden = [m for m in members if status[m] in (SMALL, COMPLEMENT, WITHHELD)
                  or status[m] == UNPRINTED and sensitive(vals[m], threshold)]
        n_hidden = sum(status[m] in HIDDEN for m in members)
        return hidden[0] if len(hidden) == 1 and n_hidden == 1 else None

    lines = [(t, *p) for t, p in eqs]
    degree: dict[Hashable, int] = {}
    for members in lines:
        for m in set(members):
            degree[m] = degree.get(m, 0) + 1
    changed = True
    while changed:
        changed = False
        for members in lines:
            if lone(members) is None:
                continue
            free = [m for m in members if status[m] == SHOWN and vals[m] > 0
                    and m not in frozen]
            if not free:
                continue

            def closes(c: Hashable, members: tuple[Hashable, ...] = members) -> int:
                return sum(1 for other in lines if c in other and other is not members
                           and lone(other) is not None)

            def pins(c: Hashable, members: tuple[Hashable, ...] = members) -> bool:
                # "<3" + "*" = 4 pins both: a complement must leave the line some slack.
                trial = {**status, c: COMPLEMENT}
                b = _propagate(vals, trial, [(members[0], members[1:])], threshold)
                return any(lo == hi for k, (lo, hi) in b.items() if sensitive(vals[k], threshold))

            def opens(c: Hashable, members: tuple[Hashable, ...] = members) -> int:
                # The same count under another name (a line of two: a July's open petitions
                # are its open ones up to 30 days): hiding c hides its twin, and what that
                # one is part of, with it.
                return sum(1 for other in lines if c in other and other is not members
                           and len(other) == 2
                           and not any(status[m] in HIDDEN for m in other))

            def cost(c: Hashable) -> tuple[bool, bool, int, int, int, int, int]:
                # A total in fewer other equations opens fewer new lines to protect (hiding
                # "over 60 days" would take "over 90 days" with it; "over 30 days" does not).
                tier = last.get(c, 0)
                return (pins(c), tier >= LAST_RESORT, opens(c), tier, degree[c] if tier else 0,
                        vals[c], -closes(c))

            pick = min(free, key=cost)
            status[pick] = COMPLEMENT
            changed = True


def _complement(risky: list[Hashable], vals: dict[Hashable, int], status: dict[Hashable, str],
                eqs: list[Equation], threshold: int, frozen: set[Hashable],
                last: Mapping[Hashable, int]) -> Hashable | None:
    """The next cell to hide, or None if hiding more cannot help.

    In order: a printed cell of an equation holding an exposed cell whose hiding removes that
    exposure (totals and last-resort cells after the others, smallest first); then the printed
    cell whose hiding leaves the fewest exposures (again totals and last-resort cells last).
    """
    def free(c: Hashable) -> bool:
        return status[c] == SHOWN and vals[c] > 0 and c not in frozen

    def helps(c: Hashable, k: Hashable | None = None) -> bool:
        after = exposed(vals, {**status, c: COMPLEMENT}, eqs, threshold)
        return k not in after if k is not None else len(after) < len(risky)

    near: list[Hashable] = []
    for k in risky:
        parts_c: list[Hashable] = []
        totals_c: list[Hashable] = []
        for total, parts in eqs:
            if k != total and k not in parts:
                continue
            parts_c += [p for p in parts if free(p) and p not in parts_c]
            if free(total) and total not in totals_c:
                totals_c.append(total)
        for c in sorted(parts_c + [t for t in totals_c if t not in parts_c],
                        key=lambda c: (last.get(c, 0), vals[c])):
            if last.get(c, 0) < LAST_RESORT and helps(c, k):
                return c
        near += parts_c + totals_c
    if not risky:
        return None
    # Only a cell of an equation that reaches an exposed cell through hidden cells can change
    # what the reader knows of it; hiding any other cell would lose a figure for nothing.
    reach, todo = set(risky), list(risky)
    while todo:
        k = todo.pop()
        for t, p in eqs:
            if k != t and k not in p:
                continue
            for x in (t, *p):
                if x not in reach and status[x] in HIDDEN:
                    reach.add(x)
                    todo.append(x)
    linked = {c for t, p in eqs for c in (t, *p) if reach & {t, *p}}
    # Ties are broken by the cells' order in the table, never by set order (which changes
    # with the hash seed of each process): the same counts always get the same pattern.
    order = {c: i for i, c in enumerate(vals)}
    pool = sorted({c for c in vals if free(c) and c in linked} | set(near),
                  key=lambda c: (vals[c], order[c]))
    if not pool:
        return None

    def score(c: Hashable) -> tuple[bool, int, int, float, int]:
        # Not a last-resort cell (two ordinary cells rather than one of those), fewest exposed
        # cells, not a total, then the most room left to the small ones, then smallest.
        trial = {**status, c: COMPLEMENT}
        bounds = _propagate(vals, trial, eqs, threshold)
        after = _exposed(vals, trial, eqs, threshold, bounds)
        room = sum(min(hi, 1e6) - lo for k, (lo, hi) in bounds.items()
                   if sensitive(vals[k], threshold))
        return last.get(c, 0) >= LAST_RESORT, len(after), last.get(c, 0), -room, vals[c]

    return min(pool, key=score)


# -- tables --------------------------------------------------------------------------------
@dataclass
class Protected:
    """A table of counts after suppression.

    ``counts`` holds the exact values including any total row/column (never publish it);
    ``status`` the status of every cell; :meth:`text` the strings to print.
    """

    counts: pd.DataFrame
    status: pd.DataFrame
    threshold: int = THRESHOLD
    secure: bool = True

    def text(self, lang: str = "vi", publish: bool = True) -> pd.DataFrame:
        """The table as printed: numbers in ``lang`` style, "<3" and "*" where hidden."""
        out = pd.DataFrame(index=self.counts.index, columns=self.counts.columns, dtype=object)
        for c in self.counts.columns:
            out[c] = [cell_text(v, s if publish else SHOWN, lang, self.threshold)
                      for v, s in zip(self.counts[c], self.status[c], strict=True)]
        return out

    def values(self, publish: bool = True) -> pd.DataFrame:
        """The published values as floats, NaN where hidden (for charts)."""
        v = self.counts.astype(float)
        return v if not publish else v.mask(self.status.isin(HIDDEN))

    def hidden(self) -> pd.DataFrame:
        """True where a cell is hidden."""
        return self.status.isin(HIDDEN)

    @property
    def any_hidden(self) -> bool:
        return bool(self.hidden().to_numpy().any())

    @property
    def any_complement(self) -> bool:
        return bool((self.status == COMPLEMENT).to_numpy().any())

    def note(self, lang: str = "vi") -> str:
        """The footnote explaining the marks used, or "" if nothing is hidden."""
        if not self.any_hidden:
            return ""
        return note(lang, self.threshold, self.any_complement, self.any_withheld)

    @property
    def any_withheld(self) -> bool:
        return bool((self.status == WITHHELD).to_numpy().any())


def note(lang: str = "vi", threshold: int = THRESHOLD, complement: bool = True,
         withheld: bool = False) -> str:
    """The footnote for suppressed outputs (texts ``disclosure.note.*`` in core.i18n)."""
    parts = [text("disclosure.note.small", lang, threshold=threshold)]
    if complement:
        parts.append(text("disclosure.note.complement", lang, mark=COMPLEMENT_MARK,
                          threshold=threshold))
    if withheld:
        parts.append(text("disclosure.note.withheld", lang, mark=WITHHELD_MARK))
    return " ".join(parts)


def protect(table: pd.DataFrame, threshold: int = THRESHOLD, *, row_total: str | None = None,
            col_total: str | None = None, fixed: Iterable[tuple[Any, Any]] = (),
            last_resort: Iterable[tuple[Any, Any]] = ()) -> Protected:
    """Suppress small counts in a table, with complementary suppression.

    Args:
        table: counts (non-negative integers), rows × columns.
        threshold: counts ``0 < n < threshold`` print as "<threshold".
        row_total: if given, a total column of this name is appended (each row's sum).
        col_total: if given, a total row of this name is appended (each column's sum).
        fixed: (row, column) cells printed elsewhere (usually totals): never hidden as
            complements. A small fixed cell is left visible and makes ``secure`` False.
        last_resort: (row, column) cells hidden as complements only when no other cell will
            do, like the totals (e.g. every row's over-90-days count).

    Returns:
        The counts with totals, every cell's status and whether the audit passed.
    """
    counts = table.copy()
    if counts.isna().to_numpy().any():
        raise ValueError("counts must not be missing; use 0")
    counts = counts.astype("int64")
    if row_total is not None:
        counts[row_total] = counts.sum(axis=1)
    if col_total is not None:
        counts.loc[col_total] = counts.sum(axis=0)
    rows, cols = list(counts.index), list(counts.columns)
    if len(set(rows)) != len(rows) or len(set(cols)) != len(cols):
        raise ValueError("row and column labels must be unique")
    values = {(r, c): int(counts.at[r, c]) for r in rows for c in cols}
    eqs: list[Equation] = []
    inner_cols = [c for c in cols if c != row_total]
    inner_rows = [r for r in rows if r != col_total]
    if row_total is not None:
        eqs += [((r, row_total), [(r, c) for c in inner_cols]) for r in rows]
    if col_total is not None:
        eqs += [((col_total, c), [(r, c) for r in inner_rows]) for c in cols]
    res = protect_cells(values, eqs, threshold=threshold, fixed=fixed, last_resort=last_resort)
    status = pd.DataFrame([[res.status[(r, c)] for c in cols] for r in rows], index=counts.index,
                          columns=counts.columns)
    return Protected(counts, status, threshold, res.secure)


def suppress(table: pd.DataFrame, threshold: int = THRESHOLD, lang: str = "vi", *,
             row_total: str | None = None, col_total: str | None = None,
             fixed: Iterable[tuple[Any, Any]] = (), publish: bool = True) -> pd.DataFrame:
    """The table as strings to print, small counts as "<3" and complements as "*".

    See :func:`protect` for the arguments; ``publish=False`` prints exact figures and is
    refused under ``REPORTKIT_PUBLISHING``.
    """
    check_publish(publish)
    return protect(table, threshold, row_total=row_total, col_total=col_total,
                   fixed=fixed).text(lang, publish)


def protect_series(s: pd.Series, threshold: int = THRESHOLD, *, total: str | None = None,
                   fixed_total: bool = False) -> Protected:
    """:func:`protect` for one column of counts, with an optional total appended."""
    name = s.name if s.name is not None else "n"
    fixed = [(total, name)] if total is not None and fixed_total else []
    return protect(s.rename(name).to_frame(), threshold, col_total=total, fixed=fixed)


def suppress_series(s: pd.Series, threshold: int = THRESHOLD, lang: str = "vi", *,
                    total: str | None = None, fixed_total: bool = False,
                    publish: bool = True) -> pd.Series:
    """A series of counts as strings to print (total appended under ``total`` if given).

    Args:
        s: counts, e.g. open petitions by age band.
        threshold: counts ``0 < n < threshold`` print as "<threshold".
        lang: "vi" or "en" number style.
        total: the label of an appended total, which takes part in the suppression.
        fixed_total: the total is printed elsewhere and must stay visible (the parts then
            protect each other).
        publish: False prints exact figures (refused under ``REPORTKIT_PUBLISHING``).
    """
    check_publish(publish)
    p = protect_series(s, threshold, total=total, fixed_total=fixed_total)
    return p.text(lang, publish).iloc[:, 0]
