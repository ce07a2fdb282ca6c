"""Small-number suppression: every hidden small count is checked against a brute-force reader
who enumerates every table consistent with what is printed."""

from __future__ import annotations

import itertools
import pickle
import random

import pandas as pd
import pytest

from reportkit import disclosure as D
from reportkit.errors import ParameterError

T = 3


# -- an independent reader ----------------------------------------------------------------------
def possible_values(counts: pd.DataFrame, status: pd.DataFrame, row_total: str | None,
                    col_total: str | None, cap: int) -> dict[tuple, set[int]]:
    """Every value each hidden inner cell can take in some table that matches the printed one.

    The reader knows printed numbers, that "<3" is 1 or 2 and "*" is at least 3; hidden cells
    are enumerated up to ``cap`` (more than the reader could know: a stronger reader).
    """
    rows = [r for r in counts.index if r != col_total]
    cols = [c for c in counts.columns if c != row_total]
    hidden = [(r, c) for r in rows for c in cols if status.at[r, c] in D.HIDDEN]

    def domain(s: str) -> range:
        return range(1, T) if s == D.SMALL else range(T, cap + 1)

    def ok(value: int, st: str, printed: int) -> bool:
        if st == D.SMALL:
            return 0 < value < T
        if st == D.COMPLEMENT:
            return value >= T
        return value == printed

    found: dict[tuple, set[int]] = {h: set() for h in hidden}
    for combo in itertools.product(*(domain(status.at[h]) for h in hidden)):
        table = counts.loc[rows, cols].copy()
        for h, v in zip(hidden, combo, strict=True):
            table.at[h] = v
        good = True
        if row_total is not None:
            for r in rows:
                good &= ok(int(table.loc[r].sum()), status.at[r, row_total],
                           counts.at[r, row_total])
        if col_total is not None:
            for c in cols:
                good &= ok(int(table[c].sum()), status.at[col_total, c], counts.at[col_total, c])
            if row_total is not None:
                good &= ok(int(table.to_numpy().sum()), status.at[col_total, row_total],
                           counts.at[col_total, row_total])
        if good:
            for h, v in zip(hidden, combo, strict=True):
                found[h].add(v)
    return found


def assert_protected(p: D.Protected, row_total: str | None, col_total: str | None) -> None:
    counts, status = p.counts, p.status
    cap = int(counts.to_numpy().max()) + 2
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


def test_a_fixed_total_that_pins_small_cells_is_reported_insecure() -> None:
    # 2 + 2 = 4 and the 4 is printed elsewhere: nothing in the table can protect them.
    p = D.protect_series(pd.Series([2, 2, 0], index=list("abc")), total="T", fixed_total=True)
    assert not p.secure
    assert p.text()["n"].tolist() == ["<3", "<3", "0", "4"]
    # With a third cell to hide, it is secure again.
    p = D.protect_series(pd.Series([2, 2, 6], index=list("abc")), total="T", fixed_total=True)
    assert p.secure and p.text()["n"].tolist() == ["<3", "<3", "*", "10"]


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
        if int(p.hidden().to_numpy().sum()) > 8:  # enumeration too slow; still audited above
            continue
        assert_protected(p, *margins)
        checked += 1
    assert checked >= 20


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
