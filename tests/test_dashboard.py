"""The live dashboard without a browser: ipywidgets run in-process, so changing a dropdown's
value runs the Python callback exactly as a reader's click in JupyterLab does."""

from __future__ import annotations

import json
from pathlib import Path

import ipywidgets
import pandas as pd
import pytest

from reportkit.analysis import disclosure as D
from reportkit.analysis import indicators as I
from reportkit.core import units as U
from reportkit.core.periods import Period
from reportkit.errors import (
    LookupInRegistryError,
    PeriodError,
    UnknownUnitError,
    WarehouseError,
)
from reportkit.presentation import charts
from reportkit.presentation import dashboard as DB

ROOT = Path(__file__).resolve().parents[1]
PNG = "data:image/png;base64,"
PERIODS = ["2025-Q3", "2025-Q2", "2024-Q4"]


def _dash(**kwargs: object) -> DB.Dashboard:
    kwargs.setdefault("periods", PERIODS)
    d = DB.Dashboard(**kwargs)  # type: ignore[arg-type]
    assert d.error is None
    return d


def _shown(d: DB.Dashboard) -> dict[str, str]:
    return {"heading": d.heading.value, "table": d.table_out.value, "trend": d.trend_out.value,
            "ranking": d.ranking_out.value}


def _small_unit(period: str, column: str) -> str:
    """A unit whose ``column`` is 1 or 2 in the sample data for ``period``."""
    agg = I.aggregates(period)
    small = agg[agg[column].between(1, 2)]
    assert not small.empty, f"the sample data has no small {column} in {period}"
    return str(small.index[0])


# -- the widget and its callbacks ----------------------------------------------------------------
def test_defaults_draw_the_processing_rate_of_lao_cai(sample_env: Path) -> None:
    d = _dash()
    assert d.renders == 1
    assert isinstance(d.widget, ipywidgets.VBox) and "reportkit-dashboard" in d.widget._dom_classes
    assert (d.unit.name, str(d.period), d.indicator.id, d.lang) == (
        "Lào Cai", "2025-Q3", "processing_rate", "vi")
    shown = _shown(d)
    assert "Tỷ lệ xử lý đơn, thư" in shown["heading"]
    assert "Lào Cai — quý III/2025" in shown["heading"]
    assert "DỮ LIỆU MẪU" in shown["heading"]
    assert D.EXACT_MARK not in shown["heading"]
    assert PNG in shown["trend"] and PNG in shown["ranking"]
    assert 'alt="Tỷ lệ xử lý đơn, thư — Lào Cai"' in shown["trend"]
    # The small table: the rate, its parts, against the previous period, last year, national.
    table = d.view.table
    assert list(table.columns) == ["Chỉ tiêu", "Kỳ này", "Kỳ trước", "Cùng kỳ năm trước",
                                   "Toàn quốc"]
    assert list(table["Chỉ tiêu"]) == ["Tỷ lệ xử lý đơn, thư", "Đơn, thư đã xử lý",
                                       "Đơn, thư tiếp nhận"]
    res = I.result("processing_rate", "Lào Cai", "2025-Q3")
    assert table.loc[0, "Kỳ này"] == f"{res.value * 100:.1f}%".replace(".", ",")
    assert table.loc[2, "Kỳ này"] == f"{res.denominator:,.0f}".replace(",", ".")
    assert f"Xếp hạng: {res.rank}/{res.n_units}." in d.view.notes
    # The 34 units in force at the end of the period, by name; the choices of periods.
    assert len(d.unit_dd.options) == 34 and d.unit_dd.value == "15"
    assert ("Quý III/2025", "2025-Q3") in d.period_dd.options
    assert len(d.indicator_dd.options) == len(I.INDICATORS)
    bundle = d._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_choosing_a_unit_redraws_everything(sample_env: Path) -> None:
    d = _dash()
    before = _shown(d)
    d.unit_dd.value = U.resolve("Cần Thơ", at=d.period.last).code  # what a click does
    assert d.renders == 2 and d.error is None
    after = _shown(d)
    assert "Cần Thơ — quý III/2025" in after["heading"]
    assert all(after[k] != before[k] for k in before)
    # Cần Thơ was formed from three provinces: the trend says so.
    assert d.view.trend._supxlabel is not None
    assert "Hậu Giang" in d.view.trend._supxlabel.get_text()


def test_choosing_an_indicator_redraws(sample_env: Path) -> None:
    d = _dash()
    before = _shown(d)
    d.indicator_dd.value = "network_share"
    assert d.renders == 2
    after = _shown(d)
    assert "Tỷ lệ văn bản gửi qua mạng thông tin diện rộng" in after["heading"]
    assert after["trend"] != before["trend"] and after["ranking"] != before["ranking"]
    assert list(d.view.table["Chỉ tiêu"])[1:] == [
        "Trong đó: gửi qua mạng thông tin diện rộng", "Văn bản, báo cáo gửi lên Trung ương"]
    d.indicator_dd.value = "docs_sent"  # a count: no parts
    assert list(d.view.table["Chỉ tiêu"]) == ["Văn bản, báo cáo gửi lên Trung ương"]


def test_choosing_a_period_across_the_merger_carries_the_unit(sample_env: Path) -> None:
    d = _dash()
    d.period_dd.value = "2024-Q4"
    assert d.renders == 2  # one redraw, although the unit list changed too
    assert len(d.unit_dd.options) == 63
    assert d.unit.name == "Lào Cai" and d.unit.era == "pre-2025" and d.unit_dd.value == "10"
    assert "Lào Cai — quý IV/2024" in d.heading.value
    d.unit_dd.value = U.resolve("Yên Bái", at=d.period.last).code
    d.period_dd.value = "2025-Q3"
    assert d.unit.name == "Lào Cai" and d.unit.era == "post-2025"  # Yên Bái's successor
    assert len(d.unit_dd.options) == 34 and d.renders == 4 and d.error is None


def test_language_toggle_relabels_and_redraws(sample_env: Path) -> None:
    d = _dash()
    d.lang_toggle.value = "en"
    assert d.renders == 2 and d.error is None
    assert ("Q3 2025", "2025-Q3") in d.period_dd.options
    assert d.period_dd.value == "2025-Q3" and d.indicator_dd.value == "processing_rate"
    assert d.unit_dd.description == "Unit" and d.indicator_dd.description == "Indicator"
    assert "Petition processing rate" in d.heading.value
    assert "Lào Cai — Q3 2025" in d.heading.value
    assert list(d.view.table.columns)[1:] == ["This period", "Previous period",
                                              "Same period last year", "National"]


def test_select_changes_choices_like_a_reader(sample_env: Path) -> None:
    d = _dash()
    d.select(period="2025-Q2", unit="TP.HCM", indicator="reporting_timeliness")
    assert (d.unit.name, str(d.period), d.indicator.id) == ("Hồ Chí Minh", "2025-Q2",
                                                            "reporting_timeliness")
    assert d.renders == 4 and "Hồ Chí Minh — quý II/2025" in d.heading.value


def test_a_failing_redraw_is_shown_not_raised(sample_env: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    d = _dash()

    def broken(*args: object) -> DB.DashboardView:
        raise RuntimeError("kho dữ liệu <b>tạm khóa</b>")

    monkeypatch.setattr(d, "compute", broken)
    d.indicator_dd.value = "network_share"
    assert isinstance(d.error, RuntimeError)
    assert "Không vẽ được bảng điều khiển" in d.status.value
    assert "&lt;b&gt;tạm khóa&lt;/b&gt;" in d.status.value  # escaped
    monkeypatch.undo()
    d.indicator_dd.value = "processing_rate"
    assert d.error is None and d.status.value == ""


# -- small numbers -------------------------------------------------------------------------------
def test_small_counts_are_hidden_unless_publish_is_false(sample_env: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(D.PUBLISHING_ENV, raising=False)
    code = _small_unit("2025-07", "transferred_updated")
    unit = U.get(code, Period.parse("2025-07").last)
    agg = I.aggregates("2025-07").loc[code]
    exact = int(agg["transferred_updated"])

    d = _dash(unit=code, period="2025-07", indicator="transfer_followup_rate",
              periods=["2025-07"])
    table = d.view.table
    assert table.loc[1, "Kỳ này"] == "<3"  # the result updates
    assert table.loc[0, "Kỳ này"] == "–"  # the rate would reveal them
    assert any("“<3”: dưới 3" in n for n in d.view.notes)
    assert not any(n.startswith("Xếp hạng") for n in d.view.notes)
    assert "Toàn quốc" in table.columns and table.loc[1, "Toàn quốc"] != "<3"
    # The unit leaves the ranking, which says why; its trend point is left out.
    assert unit.name not in charts.row_labels(d.view.ranking)
    assert "không hiển thị" in d.view.ranking._supxlabel.get_text().lower()
    assert "không hiển thị" in d.view.trend._supxlabel.get_text().lower()

    exact_d = _dash(unit=code, period="2025-07", indicator="transfer_followup_rate",
                    periods=["2025-07"], publish=False)
    assert exact_d.view.table.loc[1, "Kỳ này"] == str(exact)
    assert exact_d.view.table.loc[0, "Kỳ này"].endswith("%")
    assert D.EXACT_MARK in exact_d.heading.value
    assert "SỐ LIỆU CHÍNH XÁC" in exact_d.heading.value


def test_small_lone_counts_use_the_count_label(sample_env: Path) -> None:
    code = _small_unit("2025-07", "group_delegations")
    d = _dash(unit=code, period="2025-07", indicator="group_delegations", periods=["2025-07"])
    assert d.view.table.loc[0, "Kỳ này"] == "<3"
    # Counts that are not about people are never hidden.
    d.indicator_dd.value = "meetings_served"
    assert "<3" not in d.view.table.to_string()


def test_publish_false_is_refused_while_publishing(sample_env: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(D.PUBLISHING_ENV, "1")
    with pytest.raises(D.DisclosureError, match="publish=False"):
        DB.Dashboard(publish=False, periods=PERIODS)
    assert DB.Dashboard(periods=PERIODS).publish is True


def test_bad_parameters_fail_before_any_widget(sample_env: Path) -> None:
    with pytest.raises(UnknownUnitError, match="did you mean"):
        DB.Dashboard(unit="Lào Kay", periods=PERIODS)
    with pytest.raises(LookupInRegistryError, match="available: .*processing_rate"):
        DB.Dashboard(indicator="speed", periods=PERIODS)
    with pytest.raises(PeriodError):
        DB.Dashboard(period="2025-Q5", periods=PERIODS)
    with pytest.raises(ValueError, match="language"):
        DB.Dashboard(lang="fr", periods=PERIODS)


def test_an_empty_warehouse_says_to_ingest(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="reportkit ingest"):
        DB.Dashboard(root=tmp_path / "warehouse")


# -- the pure parts --------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "at", "to", "expected"), [
    ("Lào Cai", "2025-Q3", "2024-Q4", ("Lào Cai", "10")),  # back: the same name
    ("Lào Cai", "2024-Q4", "2025-Q3", ("Lào Cai", "15")),  # forward: the successor
    ("Yên Bái", "2024-Q4", "2025-Q3", ("Lào Cai", "15")),
    ("Hậu Giang", "2025-Q2", "2025-07", ("Cần Thơ", "92")),
    ("Hà Nội", "2025-Q3", "2016-Q1", ("Hà Nội", "01")),
    ("Hà Nội", "2025-Q3", "2026-Q1", ("Hà Nội", "01")),  # in force at both ends
])
def test_carry_unit(name: str, at: str, to: str, expected: tuple[str, str]) -> None:
    unit = U.resolve(name, at=Period.parse(at).last)
    carried = DB.carry_unit(unit, Period.parse(to))
    assert (carried.name, carried.code) == expected
    assert carried.in_force(Period.parse(to).last)


def test_carry_unit_without_a_namesake_takes_the_first_member(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Every unit of the 34 has a namesake among the 63 today; a future one may not.
    new = U.resolve("Tuyên Quang", at=Period.parse("2025-Q3").last)
    before = U.units_at

    def without_namesake(d):  # noqa: ANN001, ANN202
        return tuple(u for u in before(d) if u.name != "Tuyên Quang")

    monkeypatch.setattr(U, "units_at", without_namesake)
    carried = DB.carry_unit(new, Period.parse("2024-Q4"))
    assert carried == U.members(new)[0] and carried.name == "Hà Giang"


def test_hidden_and_value_of() -> None:
    rate, count, days, docs = (I.get(i) for i in ("processing_rate", "group_delegations",
                                                   "median_days_to_handle", "network_share"))
    base = {"handled": 48, "received": 50, "group_delegations": 2, "median_days": 4.0,
            "docs_sent_network": 1, "docs_sent": 2}

    def row(**changes: float) -> pd.Series:
        return pd.Series({**base, **changes}, dtype="float64")

    assert DB.value_of(rate, row()) == pytest.approx(0.96)
    assert DB.hidden(rate, row())  # the 2 petitions not handled can be worked out
    assert not DB.hidden(rate, row(handled=40))
    assert DB.hidden(rate, row(handled=1))
    assert DB.hidden(count, row()) and not DB.hidden(count, row(group_delegations=0))
    assert not DB.hidden(days, row()) and DB.hidden(days, row(handled=2))
    assert not DB.hidden(docs, row())  # documents are not people
    assert DB.value_of(rate, row(received=0)) is None
    assert DB.value_of(rate, None) is None and not DB.hidden(rate, None)


def test_period_choices_follow_the_data(sample_env: Path) -> None:
    choices = DB.period_choices()
    quarters = [str(p) for p in choices if p.kind == "quarter"]
    years = [str(p) for p in choices if p.kind == "year"]
    assert quarters[0] == "2026-Q3" and quarters[-1] == "2016-Q1"  # data: 2016-01..2026-10
    assert len(quarters) == 43
    assert years == [str(y) for y in range(2025, 2015, -1)]
    assert DB.period_options([Period.parse("2025-H1")], "vi") == [
        ("6 tháng đầu năm 2025", "2025-H1")]
    with pytest.raises(ValueError, match="available"):
        DB.period_choices(kinds=["decade"])


def test_the_default_period_is_added_to_the_choices(sample_env: Path) -> None:
    d = _dash(period="2025-9M")
    assert d.period_dd.value == "2025-9M"
    assert d.period_dd.options[0] == ("9 tháng năm 2025", "2025-9M")


# -- the notebook --------------------------------------------------------------------------------
def test_explore_notebook_is_thin_with_working_defaults() -> None:
    nb = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    cells = nb["cells"]
    assert 2 <= len(cells) <= 3
    params = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    ns: dict[str, object] = {}
    exec("".join(params[0]["source"]), ns)  # noqa: S102 - our own notebook's parameters
    assert ns["publish"] is True
    assert {k: ns[k] for k in ("unit", "period", "indicator", "lang")} == {
        "unit": "Lào Cai", "period": "2025-Q3", "indicator": "processing_rate", "lang": "vi"}
    body = "".join("".join(c["source"]) for c in cells if c is not params[0])
    assert "Dashboard(unit, period, indicator, lang=lang, publish=publish)" in body
    assert nb["metadata"]["kernelspec"]["name"] == "reportkit"
