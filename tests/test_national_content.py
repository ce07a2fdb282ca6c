"""The national summary says something in every section: no "0" as a key figure, no chart of
34 identical bars, no table of "không thay đổi" rows, no doubled full stop (#14 point 7)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reportkit.presentation import report as R


@pytest.fixture()
def national(sample_env: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """The 2025-Q3 national summary of the sample data, with its page pieces collected as text
    instead of displayed (what ``show_*`` would put in the notebook)."""
    shown: list[str] = []
    monkeypatch.setattr(R, "show_html", lambda markup: shown.append(str(markup)))
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append("<EXPLORER>"))
    nat = R.NationalReport("2025-Q3")
    nat.shown = shown
    return nat


def _set_processing(nat: R.NationalReport, rates: pd.Series) -> None:
    nat.values = nat.values.copy()
    nat.values["processing_rate"] = rates.reindex(nat.values.index)


def test_no_unit_at_full_processing_names_the_best_instead_of_a_zero(national) -> None:
    nat = national
    rates = pd.Series(0.80, index=nat.values.index)
    best = nat.values.index[3]
    rates[best] = 0.934
    _set_processing(nat, rates)

    cards = str(nat.key_figures_html())
    assert "93,4%" in cards and f"Tỷ lệ xử lý cao nhất ({nat.names[best]})" in cards
    assert "Địa phương xử lý 100% đơn, thư" not in cards
    overview = nat.overview_text()
    assert "có 0 địa phương" not in overview
    assert f"chưa có địa phương nào giải quyết hết 100% đơn, thư; cao nhất là {nat.names[best]}" \
        in overview

    nat.show_full_processing(7)
    section = nat.shown[-1]
    assert "chưa có địa phương nào xử lý hết 100% đơn, thư" in section
    assert ".." not in section and "Không có" not in section


def test_units_at_full_processing_are_listed_with_one_full_stop(national) -> None:
    nat = national
    rates = pd.Series(0.80, index=nat.values.index)
    rates.iloc[:2] = 1.0
    _set_processing(nat, rates)
    nat.show_full_processing(7)
    names = sorted((nat.names[c] for c in nat.values.index[:2]), key=R.U.normalize_name)
    assert f"2 địa phương: {', '.join(names)}." in nat.shown[-1]
    assert ".." not in nat.shown[-1]
    assert "có 2 địa phương tỷ lệ giải quyết đơn, thư đạt 100%" in nat.overview_text()


def test_an_indicator_where_every_unit_is_equal_is_one_sentence(national) -> None:
    nat = national
    ind = "nonsecret_electronic_share"
    nat.values = nat.values.copy()
    nat.values[ind] = 1.0
    nat.prev_values = nat.prev_values.copy()
    nat.prev_values[ind] = 1.0
    nat.show_indicator(ind, 2)
    assert "<EXPLORER>" not in nat.shown  # no chart of identical bars
    assert len(nat.shown) == 1  # no table of "không thay đổi" rows either
    n = nat.values[ind].notna().sum()
    assert f"Cả {n} đơn vị có số liệu đều đạt 100,0%, không thay đổi so với kỳ trước." \
        in nat.shown[0]


def test_movers_leave_out_units_that_did_not_change(national) -> None:
    nat = national
    ind = "network_share"
    nat.values = nat.values.copy()
    nat.prev_values = nat.prev_values.copy()
    nat.prev_values[ind] = nat.values[ind]
    changed = nat.values.index[5]
    nat.values.loc[changed, ind] = nat.prev_values.loc[changed, ind] - 0.05
    mv = nat.movers(ind)
    assert list(mv.iloc[:, 0]) == [nat.names[changed]]
    assert "không thay đổi" not in mv.to_string()

    nat.values[ind] = nat.prev_values[ind]
    nat.values.loc[changed, ind] = 0.5  # units differ, none changed since last time
    nat.prev_values.loc[changed, ind] = 0.5
    nat.show_indicator(ind, 1)
    assert "Không đơn vị nào thay đổi so với kỳ trước." in nat.shown[0]
    assert "<EXPLORER>" in nat.shown  # the chart still shows how the units differ
    assert not any("<table" in piece for piece in nat.shown)  # no table of unchanged rows
