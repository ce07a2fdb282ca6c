"""Indicators on a tiny hand-made warehouse whose answers are computed by hand below."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reportkit.analysis import indicators as I
from reportkit.core.periods import Period
from reportkit.core.schema import ACTIVITY, PETITIONS, validate
from reportkit.errors import LookupInRegistryError
from reportkit.store import cache
from reportkit.store.warehouse import Warehouse, load


def activity_row(code: str, month: str, **kw: int) -> dict:
    row = {c: 0 for c in ACTIVITY.columns}
    row.update(unit_code=code, unit_name="x", month=pd.Timestamp(month + "-01"),
               submitted_on=pd.Timestamp(month + "-01") + pd.Timedelta(days=35),
               staff_in_post=10, staff_quota=12)
    row.update(kw)
    return row


def petition(pid: str, code: str, received: str, handled: str | None = None,
             status: str | None = None, updated: str | None = None) -> dict:
    st = status or ("resolved" if handled else "pending")
    return {
        "petition_id": pid, "unit_code": code, "received_on": pd.Timestamp(received),
        "channel": "post", "kind": "complaint", "topic": "land", "is_group": False,
        "within_jurisdiction": st != "transferred", "status": st,
        "handled_on": pd.Timestamp(handled) if handled else pd.NaT,
        "transferred_to": "Thanh tra tỉnh" if st == "transferred" else None,
        "result_updated_on": pd.Timestamp(updated) if updated else pd.NaT,
        "case_key": pid, "petitioner_name": "Nguyễn Văn A", "petitioner_id": None,
        "petitioner_phone": None, "petitioner_address": None,
    }


@pytest.fixture()
def wh(tmp_path: Path) -> Warehouse:
    """Hà Nội (01) and Cần Thơ (92), which absorbed Hậu Giang (93) and Sóc Trăng (94)."""
    act = [
        # Q2 2025, before the merger: 92, 93, 94 old and 01.
        activity_row("92", "2025-04", docs_sent=10, docs_sent_network=5),
        activity_row("93", "2025-05", docs_sent=20, docs_sent_network=5),
        activity_row("94", "2025-06", docs_sent=10, docs_sent_network=10),
        activity_row("01", "2025-06", docs_sent=100, docs_sent_network=90),
        # Q3 2025, after: new 92 and 01.
        activity_row("92", "2025-07", docs_sent=10, docs_sent_network=9, staff_in_post=30,
                     staff_quota=40, reports_due=4, reports_on_time=4),
        activity_row("92", "2025-08", docs_sent=30, docs_sent_network=21, staff_in_post=31,
                     staff_quota=40, reports_due=4, reports_on_time=2),
        activity_row("92", "2025-09", docs_sent=0, docs_sent_network=0, staff_in_post=36,
                     staff_quota=40),
        activity_row("01", "2025-07", docs_sent=300, docs_sent_network=150, staff_in_post=50,
                     staff_quota=50, reports_due=2, reports_on_time=2),
    ]
    pets = [
        # Cần Thơ, Q3 2025: 4 received, 3 handled by 30/9 (2, 5 and 11 days), one open.
        petition("a1", "92", "2025-07-01", "2025-07-03"),
        petition("a2", "92", "2025-08-10", "2025-08-15", status="transferred",
                 updated="2025-09-01"),
        petition("a3", "92", "2025-09-01", "2025-09-12", status="transferred"),
        petition("a4", "92", "2025-09-20"),  # open at 30/9, 10 days old
        # An older open petition of Hậu Giang (pre-merger), open at 30/9/2025: 92 days old.
        petition("b1", "93", "2025-06-30"),
        # Hà Nội Q3: 2 received, 1 handled by 30/9 (the other handled in October).
        petition("c1", "01", "2025-07-05", "2025-07-06"),
        petition("c2", "01", "2025-09-29", "2025-10-02"),
    ]
    w = Warehouse(tmp_path / "wh")
    a = pd.DataFrame(act)
    p = pd.DataFrame(pets)
    assert validate(a, ACTIVITY) == []
    assert validate(p, PETITIONS) == []
    w.upsert("activity", a)
    w.upsert("petitions", p)
    return w


Q3 = Period.parse("2025-Q3")


def test_ratio_is_recomputed_from_sums_not_averaged(wh: Warehouse) -> None:
    vals = I.values(Q3, root=wh.root)
    assert vals.loc["92", "network_share"] == pytest.approx(30 / 40)
    assert vals.loc["01", "network_share"] == pytest.approx(150 / 300)
    nat = I.national(Q3, root=wh.root)
    # (30 + 150) / (40 + 300), not the mean of 0.75 and 0.5.
    assert nat["network_share"] == pytest.approx(180 / 340)


def test_processing_rate_national_is_the_mean_of_unit_rates(wh: Warehouse) -> None:
    vals = I.values(Q3, root=wh.root, rule="calendar")
    assert vals.loc["92", "processing_rate"] == pytest.approx(3 / 4)
    assert vals.loc["01", "processing_rate"] == pytest.approx(1 / 2)
    nat = I.national(Q3, root=wh.root, rule="calendar")
    assert nat["processing_rate"] == pytest.approx((0.75 + 0.5) / 2)
    assert nat["petitions_received"] == 6


def test_median_days_backlog_and_followup(wh: Warehouse) -> None:
    vals = I.values(Q3, root=wh.root, rule="calendar")
    assert vals.loc["92", "median_days_to_handle"] == 5  # 2, 5, 11
    # Open at 30/9: a4 (10 days) and Hậu Giang's b1 (92 days), re-aggregated onto Cần Thơ.
    assert vals.loc["92", "backlog_over_30"] == 1
    assert vals.loc["92", "backlog_over_90"] == 1
    assert vals.loc["01", "backlog_over_30"] == 0
    assert vals.loc["92", "transfer_followup_rate"] == pytest.approx(1 / 2)


def test_stock_takes_the_last_month(wh: Warehouse) -> None:
    vals = I.values(Q3, root=wh.root)
    assert vals.loc["92", "staffing_rate"] == pytest.approx(36 / 40)
    assert I.national(Q3, root=wh.root)["staffing_rate"] == pytest.approx((36 + 50) / (40 + 50))


def test_summary_has_previous_rank_and_target(wh: Warehouse) -> None:
    res = {r.indicator.id: r for r in I.summary("Cần Thơ", Q3, root=wh.root, rule="calendar")}
    net = res["network_share"]
    assert net.value == pytest.approx(0.75) and net.numerator == 30 and net.denominator == 40
    # Q2 2025 re-aggregated from Cần Thơ, Hậu Giang and Sóc Trăng: 20 / 40.
    assert net.previous == pytest.approx(0.5)
    assert net.rank == 1 and net.n_units == 2
    tl = res["reporting_timeliness"]
    assert tl.value == pytest.approx(6 / 8) and tl.target_met is False and tl.rank == 2
    assert res["backlog_over_90"].rank == 2  # lower is better


def test_trend_series_crosses_the_merger(wh: Warehouse) -> None:
    s = I.series("docs_sent", "Cần Thơ", [Period.parse("2025-Q2"), Q3], root=wh.root)
    assert list(s) == [40, 40]
    nat = I.series("docs_sent", None, [Period.parse("2025-Q2"), Q3], root=wh.root)
    assert list(nat) == [140, 340]


def test_decree09_rule_moves_late_september_into_october(wh: Warehouse) -> None:
    cal = load("petitions", "Cần Thơ", Q3, rule="calendar", root=wh.root)
    d09 = load("petitions", "Cần Thơ", Q3, rule="decree09", root=wh.root)
    assert "a4" in set(cal["petition_id"])  # received 20/9
    assert "a4" not in set(d09["petition_id"])  # 20/9 ≥ 15/9 → reporting month October
    # Decree 09's Q3 starts 15/6: Hậu Giang's 30/6 petition is re-aggregated into Cần Thơ.
    assert "b1" in set(d09["petition_id"])


def test_registry_lookup_lists_what_exists() -> None:
    with pytest.raises(LookupInRegistryError) as exc:
        I.get("nope")
    assert "No indicator named 'nope'; available:" in str(exc.value)
    assert "processing_rate" in str(exc.value)


def test_incomplete_data_is_announced(wh: Warehouse) -> None:
    from datetime import date

    from reportkit.core.units import resolve
    from reportkit.presentation.report import completeness_warning

    hau_giang = resolve("Hậu Giang", at=date(2025, 6, 1))
    text = completeness_warning(Period.parse("2025-Q2"), hau_giang, "vi", root=wh.root)
    assert "Số liệu chưa đầy đủ" in text
    assert "Hậu Giang mới gửi 1/3 báo cáo tháng của kỳ" in text
    assert "0/63 đơn vị gửi đủ báo cáo" in text
    en = completeness_warning(Period.parse("2025-Q3"), resolve("Cần Thơ", at=date(2025, 9, 1)),
                              "en", root=wh.root)
    assert "Cần Thơ sent" not in en  # Cần Thơ sent all three months of Q3
    assert "1 of 34 units sent every report" in en


def test_data_quality_report_counts_expected_and_received(wh: Warehouse) -> None:
    from reportkit.presentation.report import DataQualityReport

    rep = DataQualityReport("2025-Q3", root=wh.root, lang="en")
    # 34 units × 3 months expected; Cần Thơ sent 3 (on time), Hà Nội 1.
    assert rep.overall["expected"] == 102 and rep.overall["actual"] == 4
    table = rep.units_table()
    row = table[table["Unit"] == "Cần Thơ"].iloc[0]
    assert (row["Received"], row["Reporting rate"]) == ("3", "100.0%")
    assert table.iloc[-1]["Unit"] == "Cần Thơ"  # lowest timeliness first, Cần Thơ the best


# -- the disk cache of aggregates --------------------------------------------------------------
def _fresh(monkeypatch: pytest.MonkeyPatch, *, core_allowed: bool) -> None:
    """Forget everything held in memory, as a new kernel would; optionally forbid the core."""
    I._aggregates_cached.cache_clear()
    I._core.cache_clear()
    if not core_allowed:
        def no_core(*_a: object) -> None:
            raise AssertionError("the records were read although the cache holds the answer")
        monkeypatch.setattr(I, "_core", no_core)


def test_aggregates_are_cached_on_disk_per_data_version(wh: Warehouse,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch, core_allowed=True)
    computed = I.aggregates(Q3, root=wh.root, rule="calendar")
    files = list((wh.root / I.CACHE_DIR).rglob("*.arrow"))
    assert [f.name for f in files] == ["2025-Q3.calendar.current.arrow"]
    _fresh(monkeypatch, core_allowed=False)  # a new kernel: answered from the disk
    pd.testing.assert_frame_equal(I.aggregates(Q3, root=wh.root, rule="calendar"), computed)
    assert I.values(Q3, root=wh.root, rule="calendar").loc["92", "processing_rate"] == 0.75
    monkeypatch.undo()

    # New data: a fifth Cần Thơ petition, handled. The old cache is not consulted.
    wh.upsert("petitions", pd.DataFrame([petition("a5", "92", "2025-09-02", "2025-09-03")]))
    _fresh(monkeypatch, core_allowed=True)
    assert I.values(Q3, root=wh.root, rule="calendar").loc["92", "processing_rate"] == 4 / 5
    assert len(list((wh.root / I.CACHE_DIR).iterdir())) == 2  # one folder per data version


def test_who_submitted_when_is_cached_per_activity_version(wh: Warehouse,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The completeness warning every report of a period shows reads the same ~100 activity
    files: the first report keeps the answer, the others read it, and a late submission is
    seen at once (a new data version, a new cache entry)."""
    from reportkit.analysis import quality
    from reportkit.store import warehouse as W

    monkeypatch.setenv(cache.ENV_NO_CACHE, "1")
    fresh = quality.submission_status(Q3, root=wh.root)
    monkeypatch.delenv(cache.ENV_NO_CACHE)
    assert not (wh.root / "cache" / "submissions").exists()
    pd.testing.assert_frame_equal(quality.submission_status(Q3, root=wh.root), fresh)
    assert len(list((wh.root / "cache" / "submissions").rglob("*.arrow"))) == 1

    def no_read(*_a: object, **_k: object) -> None:
        raise AssertionError("the activity files were read although the cache holds it")

    with monkeypatch.context() as m:
        m.setattr(W.Warehouse, "read", no_read)
        pd.testing.assert_frame_equal(quality.submission_status(Q3, root=wh.root), fresh)
        assert quality.submission_status(Q3, root=wh.root, units=["92"]).equals(
            fresh[fresh["unit_code"] == "92"].reset_index(drop=True))

    # Hà Nội's September report comes in late: the next report sees it.
    assert not fresh.set_index(["unit_code", "month"]).loc[("01", pd.Timestamp("2025-09-01")),
                                                            "submitted"]
    wh.upsert("activity", pd.DataFrame([activity_row("01", "2025-09")]))
    now = quality.submission_status(Q3, root=wh.root).set_index(["unit_code", "month"])
    assert now.loc[("01", pd.Timestamp("2025-09-01")), "submitted"]


def test_a_damaged_cache_file_is_recomputed_not_trusted(wh: Warehouse,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch, core_allowed=True)
    computed = I.aggregates(Q3, root=wh.root, rule="calendar")
    (cached,) = (wh.root / I.CACHE_DIR).rglob("*.arrow")
    cached.write_bytes(cached.read_bytes()[:100])  # truncated
    _fresh(monkeypatch, core_allowed=True)
    pd.testing.assert_frame_equal(I.aggregates(Q3, root=wh.root, rule="calendar"), computed)
    assert cache.read_frame(cached).equals(computed)  # and rewritten whole


def test_no_cache_switch_and_read_only_warehouse(wh: Warehouse,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch, core_allowed=True)
    monkeypatch.setenv(I.ENV_NO_CACHE, "1")
    first = I.aggregates(Q3, root=wh.root, rule="calendar")
    assert not (wh.root / I.CACHE_DIR).exists()
    monkeypatch.delenv(I.ENV_NO_CACHE)
    I._aggregates_cached.cache_clear()
    (wh.root / "cache").write_text("not a folder")  # writing the cache fails: still an answer
    pd.testing.assert_frame_equal(I.aggregates(Q3, root=wh.root, rule="calendar"), first)


def test_old_data_versions_are_pruned(wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(I.CACHE_KEEP + 2):
        wh.upsert("petitions", pd.DataFrame([petition(f"p{i}", "01", "2025-08-01")]))
        _fresh(monkeypatch, core_allowed=True)
        I.aggregates(Q3, root=wh.root, rule="calendar")
    assert len(list((wh.root / I.CACHE_DIR).iterdir())) == I.CACHE_KEEP


def test_the_catalogue_is_parsed_once_while_unchanged_and_never_stale(
        wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from reportkit.store import warehouse as W

    parses, loads = [], json.loads
    monkeypatch.setattr(W.json, "loads", lambda s, **kw: parses.append(1) or loads(s, **kw))
    version = wh.data_version("petitions")
    for _ in range(5):
        assert wh.data_version("petitions") == version
        assert Warehouse(wh.root).partitions("activity")  # another handle, same file
    assert len(parses) == 1
    # Writes right after one another (same size, perhaps the same inode and timestamp) are
    # each seen at once: the cache is keyed by the file's bytes.
    for i in range(3):
        wh.upsert("petitions", pd.DataFrame([petition(f"n{i}", "01", "2025-08-01")]))
        assert wh.data_version("petitions") != version
        version = wh.data_version("petitions")
        assert wh.partitions("petitions") == W.Warehouse(wh.root).catalog()["tables"]["petitions"]
    # What partitions() hands out is a copy of the table's map: changing it changes nothing.
    wh.partitions("petitions").clear()
    assert wh.partitions("petitions")


def test_sample_data_is_known_from_the_ledger(wh: Warehouse) -> None:
    assert not wh.holds_sample_data()
    wh.append_ledger([{"sha256": "a", "status": "loaded"}])
    assert not wh.holds_sample_data()
    wh.append_ledger([{"sha256": "b", "status": "loaded", "sample": True}])
    assert wh.holds_sample_data()
    assert not Warehouse(wh.root / "nowhere").holds_sample_data()


def test_value_is_the_ratio_where_the_denominator_is_positive() -> None:
    """The arithmetic of every indicator, as pandas would do it (kept in numpy for speed)."""
    import numpy as np

    agg = pd.DataFrame({"n": pd.array([3, 4, None, 5, 6], dtype="Int64"),
                        "d": [6.0, 0.0, 2.0, -1.0, np.nan]}, index=list("abcde"))
    ratio = I.Indicator("r", "r", "r", I.PERCENT, numerator="n", denominator="d")
    count = I.Indicator("c", "c", "c", "", numerator="n", denominator=None)
    absent = I.Indicator("x", "x", "x", "", numerator="missing", denominator=None)
    expected = agg["n"].astype(float) / agg["d"].where(agg["d"] > 0)
    got = I._value(ratio, agg)
    pd.testing.assert_series_equal(got, expected.astype(float))
    assert got.tolist()[0] == 0.5 and got.isna().tolist() == [False, True, True, True, True]
    pd.testing.assert_series_equal(I._value(count, agg), agg["n"].astype(float))
    assert I._value(absent, agg).isna().all() and list(I._value(absent, agg).index) == list("abcde")


def test_data_versions_follow_the_catalogue_at_once(wh: Warehouse) -> None:
    """Data versions are remembered per parsed catalogue: a write is seen by the next call,
    a slice's version depends only on its partitions, and the key order does not matter."""
    before = wh.data_version("petitions")
    some = sorted(wh.partitions("petitions"))[:2]
    part = wh.data_version("petitions", some)
    assert wh.data_version("petitions", list(reversed(some))) == part
    assert wh.data_version("petitions") == before and part != before
    wh.upsert("petitions", pd.DataFrame([petition("v9", "92", "2025-09-03", "2025-09-04")]))
    assert wh.data_version("petitions") != before
    assert Warehouse(wh.root).data_version("petitions") == wh.data_version("petitions")


def test_frames_handed_out_are_the_callers_own(wh: Warehouse) -> None:
    """Aggregates are cached in memory; a caller changing its frame changes nothing cached."""
    from reportkit.core import units as U

    unit = U.resolve("92")
    for get in (lambda: I.aggregates(Q3, root=wh.root, rule="calendar"),
                lambda: I.unit_aggregates(unit, Q3, root=wh.root,
                                          rule="calendar")):
        first = get()
        assert first is not None
        expected = first.copy()
        first.iloc[:, :] = -1
        pd.testing.assert_frame_equal(get(), expected)
