"""Small-number suppression: every hidden small count is checked against a brute-force reader
who enumerates every table consistent with what is printed."""

from __future__ import annotations

import contextlib
import pickle
import random

import pandas as pd
import pytest

from reportkit.analysis import disclosure as D
from reportkit.errors import ParameterError

T = 3


# -- an independent reader ----------------------------------------------------------------------
def possible_values(counts: pd.DataFrame, status: pd.DataFrame, row_total: str | None,
                    col_total: str | None, cap: int) -> dict[tuple, set[int]]:
    """Every value each hidden inner cell can take in some table that matches the printed one.

    The reader knows printed numbers, that "<3" is 1 or 2, "*" at least 3, "x" anything; cells
    are searched up to ``cap`` (a bound the real reader may not even have). Backtracking over
    the hidden cells row by row, pruning on printed row and column totals.
    """
    rows = [r for r in counts.index if r != col_total]
    cols = [c for c in counts.columns if c != row_total]
    hidden = [(r, c) for r in rows for c in cols if status.at[r, c] in D.HIDDEN]

    def domain(s: str) -> range:
        return {D.SMALL: range(1, T), D.COMPLEMENT: range(T, cap + 1)}.get(s, range(cap + 1))

    def ok(value: int, st: str, printed: int) -> bool:
        if st == D.SMALL:
            return 0 < value < T
        if st == D.COMPLEMENT:
            return value >= T
        if st == D.WITHHELD:
            return value >= 0
        return value == printed

    def printed_limit(st: str, printed: int) -> float:
        return printed if st == "" else (T - 1 if st == D.SMALL else float("inf"))

    known = counts.loc[rows, cols].astype("int64").copy()
    for h in hidden:
        known.at[h] = 0
    row_sum = {r: int(known.loc[r].sum()) for r in rows}
    col_sum = {c: int(known[c].sum()) for c in cols}
    row_lim = {r: printed_limit(status.at[r, row_total], counts.at[r, row_total])
               if row_total else float("inf") for r in rows}
    col_lim = {c: printed_limit(status.at[col_total, c], counts.at[col_total, c])
               if col_total else float("inf") for c in cols}
    last_in_row = {r: max((i for i, h in enumerate(hidden) if h[0] == r), default=-1)
                   for r in rows}
    last_in_col = {c: max((i for i, h in enumerate(hidden) if h[1] == c), default=-1)
                   for c in cols}

    def forced(i: int) -> int | None:
        """The value an equation with a printed total leaves to the last hidden cell in it."""
        r, c = hidden[i]
        if row_total is not None and last_in_row[r] == i and status.at[r, row_total] == "":
            return int(counts.at[r, row_total]) - row_sum[r]
        if col_total is not None and last_in_col[c] == i and status.at[col_total, c] == "":
            return int(counts.at[col_total, c]) - col_sum[c]
        return None
    found: dict[tuple, set[int]] = {h: set() for h in hidden}
    chosen: list[int] = []

    def row_done(r: str) -> bool:
        return row_total is None or ok(row_sum[r], status.at[r, row_total],
                                       counts.at[r, row_total])

    def finish() -> None:
        good = all(row_done(r) for r in rows if last_in_row[r] == -1)
        if col_total is not None:
            good &= all(ok(col_sum[c], status.at[col_total, c], counts.at[col_total, c])
                        for c in cols)
            if row_total is not None:
                good &= ok(sum(row_sum.values()), status.at[col_total, row_total],
                           counts.at[col_total, row_total])
        if good:
            for h, v in zip(hidden, chosen, strict=True):
                found[h].add(v)

    def search(i: int) -> None:
        if i == len(hidden):
            finish()
            return
        r, c = hidden[i]
        f = forced(i)
        values = domain(status.at[r, c])
        for v in (values if f is None else [f] if f in values else []):
            if row_sum[r] + v > row_lim[r] or col_sum[c] + v > col_lim[c]:
                break  # values only grow
            row_sum[r] += v
            col_sum[c] += v
            if last_in_row[r] != i or row_done(r):
                chosen.append(v)
                search(i + 1)
                chosen.pop()
            row_sum[r] -= v
            col_sum[c] -= v

    size = 1
    for i, h in enumerate(hidden):
        if forced(i) is None or i != last_in_row[h[0]] and i != last_in_col[h[1]]:
            size *= len(domain(status.at[h]))
    if size > 3_000_000:
        raise TooBig(size)
    search(0)
    return found


class TooBig(Exception):
    """The brute-force search would take too long for a unit test."""


def assert_protected(p: D.Protected, row_total: str | None, col_total: str | None) -> None:
    counts, status = p.counts, p.status
    cap = int(counts.to_numpy().max())  # no cell exceeds the largest total
    seen = possible_values(counts, status, row_total, col_total, cap)
    for (r, c), values in seen.items():
        true = int(counts.at[r, c])
        assert true in values, "the true table must be consistent with what is printed"
        if D.sensitive(true, T):
            assert len(values) >= 2, f"cell {(r, c)} = {true} can be worked out: {values}"
    # Printed totals that are small are hidden too.
    for r in counts.index:
        for c in counts.columns:
            if D.sensitive(counts.at[r, c], T):
                assert status.at[r, c] in D.HIDDEN


# -- basics ---------------------------------------------------------------------------------------
def test_small_counts_print_as_less_than_three_and_zero_stays_zero() -> None:
    s = pd.Series([0, 1, 2, 3, 1234], index=list("abcde"))
    out = D.suppress_series(s)
    assert out.tolist() == ["0", "<3", "<3", "3", "1.234"]
    assert D.suppress_series(s, lang="en").tolist()[-1] == "1,234"


def test_a_single_small_cell_beside_a_total_takes_the_next_smallest_with_it() -> None:
    s = pd.Series([2, 7, 40, 0], index=["a", "b", "c", "d"])
    p = D.protect_series(s, total="Tổng")
    assert p.text()["n"].tolist() == ["<3", "*", "40", "0", "49"]
    assert p.secure
    assert_protected(p, None, "Tổng")


def test_two_small_cells_that_pin_each_other_take_a_third() -> None:
    # 1 + 1 = 2 next to a printed total: each "<3" would have to be 1.
    p = D.protect_series(pd.Series([1, 1, 5, 9], index=list("abcd")), total="T")
    assert p.text()["n"].tolist() == ["<3", "<3", "*", "9", "16"]
    assert_protected(p, None, "T")


def test_a_complement_of_exactly_three_is_not_enough() -> None:
    # "<3" + "*" = 4 means 1 + 3: the complement must leave room, so the total goes.
    p = D.protect_series(pd.Series([1, 3, 0], index=list("abc")), total="T")
    text = p.text()["n"].tolist()
    assert text[0] == "<3" and text[-1] == "*"
    assert_protected(p, None, "T")


def test_small_cells_pinned_by_a_fixed_total_are_withheld() -> None:
    # 2 + 2 = 4 and the 4 is printed elsewhere: no complement can help, so both are "x".
    p = D.protect_series(pd.Series([2, 2, 0], index=list("abc")), total="T", fixed_total=True)
    assert p.secure and p.any_withheld
    assert p.text()["n"].tolist() == ["x", "x", "0", "4"]
    assert "“x”" in p.note("vi")
    assert_protected(p, None, "T")
    # With a third cell to hide, a complement does it.
    p = D.protect_series(pd.Series([2, 2, 6], index=list("abc")), total="T", fixed_total=True)
    assert p.secure and p.text()["n"].tolist() == ["<3", "<3", "*", "10"]


def test_a_total_of_two_made_of_one_and_one_is_withheld() -> None:
    # "<3" + "<3" = "<3" can only be 1 + 1 = 2.
    t = pd.DataFrame({"a": [1, 3, 1], "b": [0, 1, 5], "c": [1, 6, 1]}, index=["x", "y", "z"])
    p = D.protect(t, row_total="T", col_total="T")
    assert p.secure
    assert p.text().loc["x"].tolist() == ["x", "0", "x", "<3"]
    with contextlib.suppress(TooBig):  # heavily suppressed: too many tables to enumerate
        assert_protected(p, "T", "T")


def test_a_small_fixed_cell_cannot_be_protected() -> None:
    p = D.protect_series(pd.Series([1, 1], index=list("ab")), total="T", fixed_total=True)
    assert not p.secure


def test_two_way_table_with_margins() -> None:
    t = pd.DataFrame({"a": [2, 5, 7], "b": [0, 6, 8], "c": [4, 9, 1]}, index=["x", "y", "z"])
    p = D.protect(t, row_total="T", col_total="T")
    assert p.secure
    text = p.text()
    assert text.at["x", "a"] == "<3" and text.at["z", "c"] == "<3"
    assert text.at["x", "b"] == "0"
    assert text.at["T", "T"] == "42"
    assert_protected(p, "T", "T")


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_against_a_brute_force_reader(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(40):
        shape = rng.choice([(2, 3), (3, 2), (3, 3)])
        values = [[rng.choice([0, 1, 2, 3, 4, 5, 6, 9]) for _ in range(shape[1])]
                  for _ in range(shape[0])]
        t = pd.DataFrame(values, index=[f"r{i}" for i in range(shape[0])],
                         columns=[f"c{j}" for j in range(shape[1])])
        margins = rng.choice([("T", "T"), ("T", None), (None, "T")])
        p = D.protect(t, row_total=margins[0], col_total=margins[1])
        assert p.secure
        try:
            assert_protected(p, *margins)
        except TooBig:
            continue
        checked += 1
    assert checked >= 30


def test_exposed_finds_cells_pinned_by_bounds_and_by_equations() -> None:
    vals = {"t": 4, "a": 2, "b": 2}
    eqs = [("t", ["a", "b"])]
    assert D.exposed(vals, {"t": "", "a": D.SMALL, "b": D.SMALL}, eqs) == ["a", "b"]
    vals = {"t": 9, "a": 2, "b": 7}
    assert D.exposed(vals, {"t": "", "a": D.SMALL, "b": ""}, eqs) == ["a"]
    assert D.exposed(vals, {"t": "", "a": D.SMALL, "b": D.COMPLEMENT}, eqs) == []


def test_protect_cells_with_an_unprinted_remainder() -> None:
    # received = group + non_group; only received and group are printed. 12 - 10 = 2.
    vals = {"received": 12, "group": 10, "non_group": 2}
    p = D.protect_cells(vals, [("received", ["group", "non_group"])], fixed=["received"],
                        unprinted=["non_group"])
    assert p.status["group"] == D.COMPLEMENT and p.text("group") == "*"
    assert p.text("received") == "12" and p.value("group") is None
    assert p.secure


def test_protect_cells_checks_its_equations() -> None:
    with pytest.raises(ValueError, match="not the sum"):
        D.protect_cells({"t": 5, "a": 1, "b": 1}, [("t", ["a", "b"])])
    with pytest.raises(KeyError):
        D.protect_cells({"t": 2, "a": 2}, [("t", ["a", "zz"])])


def test_notes_and_values() -> None:
    p = D.protect_series(pd.Series([2, 7, 40], index=list("abc")), total="T")
    assert "“<3”: dưới 3 đơn" in p.note("vi") and "“*”" in p.note("vi")
    assert "fewer than 3" in p.note("en")
    v = p.values()
    assert v["n"].isna().tolist() == [True, True, False, False]
    assert p.values(publish=False)["n"].tolist() == [2, 7, 40, 49]
    assert D.protect_series(pd.Series([5, 7])).note() == ""


# -- publishing guard -----------------------------------------------------------------------------
def test_exact_figures_are_refused_while_publishing(monkeypatch: pytest.MonkeyPatch) -> None:
    s = pd.Series([1, 5], index=["a", "b"])
    monkeypatch.delenv(D.PUBLISHING_ENV, raising=False)
    assert D.suppress_series(s, publish=False).tolist() == ["1", "5"]
    assert D.check_publish(False) is False
    for value in ("1", "true", "YES"):
        monkeypatch.setenv(D.PUBLISHING_ENV, value)
        with pytest.raises(D.DisclosureError, match="publish=False"):
            D.suppress_series(s, publish=False)
    assert D.suppress_series(s).tolist() == ["<3", "5"]
    monkeypatch.setenv(D.PUBLISHING_ENV, "0")
    assert D.check_publish(False) is False


def test_disclosure_error_is_a_parameter_error_and_pickles() -> None:
    err = D.DisclosureError("no", parameter="publish")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, ParameterError) and back.parameter == "publish"
    assert back.exit_code == 3
    with pytest.raises(D.DisclosureError):
        D.check_publish("no")  # type: ignore[arg-type]


def test_exact_mark() -> None:
    assert D.shows_exact_figures(f'<div {D.EXACT_MARK}="1">')
    assert not D.shows_exact_figures("<div>")


# -- which cell is hidden as a complement ----------------------------------------------------------
def test_the_complement_is_the_smallest_cell_not_the_big_one_two_lines_share() -> None:
    # a and c are small; "big" would protect both lines at once, but it is the figure the
    # reader came for: each line gives up its own smallest printed cell instead.
    vals = {"T1": 46, "a": 1, "b": 5, "big": 40, "T2": 48, "c": 2, "d": 6}
    p = D.protect_cells(vals, [("T1", ["a", "b", "big"]), ("T2", ["c", "big", "d"])])
    assert p.text("big") == "40" and p.text("T1") == "46" and p.text("T2") == "48"
    assert (p.text("b"), p.text("d")) == ("*", "*")
    assert D.exposed(p.values, p.status, p.equations) == []


def test_over_90_days_figures_stay_printed_when_a_total_or_a_smaller_cell_will_do() -> None:
    # Waiting transferred petitions per agency by days waited: agency b's row has nothing
    # printable but its over-90 count and its total, and the over-90 column would be the
    # cheapest way to cover two lines. The over-90 counts are what a reader chases: hidden
    # only when nothing else can protect a small count.
    t = pd.DataFrame({"≤30": [9, 0, 12], "31–60": [1, 2, 7], "61–90": [6, 0, 5],
                      ">90": [50, 31, 44]}, index=["a", "b", "c"])
    over90 = [(r, ">90") for r in [*t.index, "T"]]
    p = D.protect(t, row_total="T", col_total="T", last_resort=over90)
    text = p.text()
    assert text[">90"].tolist() == ["50", "31", "44", "125"]
    assert text.at["a", "31–60"] == "<3" and text.at["b", "31–60"] == "<3"
    # Among the ordinary cells, the complements are the smallest that do the job.
    hidden = [int(t.at[r, c]) for r in t.index for c in t.columns
              if p.status.at[r, c] == D.COMPLEMENT]
    assert hidden and max(hidden) < 9
    assert p.secure
    assert_protected(p, "T", "T")  # nothing small can be worked out
    # Only when nothing else will do is an over-90 figure hidden: here b's own over-90 is small.
    t.loc["b", ">90"] = 2
    p = D.protect(t, row_total="T", col_total="T", last_resort=over90)
    assert p.secure and (p.status[">90"] == D.COMPLEMENT).sum() == 1
    assert_protected(p, "T", "T")


# Waiting transferred petitions per agency of a real sample province (2025-Q3): several cells
# tie as the cheapest complement, which once made the pattern depend on each process's hash
# seed, so one report could hide a different total than the next render of the same data.
_TIED = {"≤30": [5, 4, 4, 5, 5, 0, 0, 5, 5, 2], "31–60": [4, 3, 2, 1, 4, 0, 0, 1, 2, 2],
         "61–90": [0, 1, 2, 1, 0, 0, 0, 0, 0, 0], ">90": [20, 17, 17, 16, 20, 19, 16, 14, 0, 0]}
_PATTERN = """
import json, sys
import pandas as pd
from reportkit.analysis import disclosure as D
t = pd.DataFrame(json.loads(sys.argv[1]), index=[f"agency {i}" for i in range(10)])
p = D.protect(t, row_total="T", col_total="T", last_resort=[(r, ">90") for r in [*t.index, "T"]])
print(json.dumps(p.status.to_numpy().tolist()))
"""


def test_the_same_counts_get_the_same_pattern_in_every_process() -> None:
    import json
    import subprocess
    import sys

    patterns = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        out = subprocess.run([sys.executable, "-c", _PATTERN, json.dumps(_TIED)],
                             env={**__import__("os").environ, "PYTHONHASHSEED": seed},
                             capture_output=True, text=True, check=True).stdout
        patterns.add(out.strip())
    assert len(patterns) == 1, patterns
