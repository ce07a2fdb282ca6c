"""The report notebooks, executed for real with papermill on the sample data and exported with
nbconvert; the HTML is checked against figures computed here straight from the sample CSVs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from reportkit.batch.execute import run_report
from reportkit.core import fmt
from reportkit.store.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = ROOT / "notebooks" / "province_report.ipynb"
NATIONAL = ROOT / "notebooks" / "national_summary.ipynb"
PII = ["petitioner_name", "petitioner_id", "petitioner_phone", "petitioner_address"]
IMG = re.compile(r"data:(?:image|font)/[a-z+]+;base64,[A-Za-z0-9+/=]+")

pytestmark = pytest.mark.slow


# Unit codes whose petition ids a report may list (the unit and the old units it was formed of).
OWN_CODES = {"laocai_q3": {"10", "15"}, "laocai_en": {"10", "15"}, "yenbai_month": {"15"},
             "cantho_cross": {"92", "93", "94"}}


def visible(html: str) -> str:
    """The HTML without embedded images and fonts (their base64 could match anything)."""
    return IMG.sub("", html)


def sample_csvs(sample: Path, table: str) -> pd.DataFrame:
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False)
              for f in sorted((sample / table).rglob("*.csv"))]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def raw(sample_dirs: dict[str, Path]) -> dict[str, pd.DataFrame]:
    return {"activity": sample_csvs(sample_dirs["sample"], "activity"),
            "petitions": sample_csvs(sample_dirs["sample"], "petitions")}


@pytest.fixture(scope="module")
def rendered(sample_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
             every_report: dict[tuple[str, str], dict[str, Path]]) -> dict[str, str]:
    """Render each report once (module scope) and return its HTML text; the Lào Cai and
    national reports of 2025-Q3 come from the session's batch of every report
    (conftest.every_report) rather than being rendered again."""
    mp = pytest.MonkeyPatch()
    mp.setenv("REPORTKIT_WAREHOUSE", str(sample_dirs["warehouse"]))
    mp.setenv("REPORTKIT_HOME", str(sample_dirs["base"]))
    out = tmp_path_factory.mktemp("outputs")
    jobs = {
        "yenbai_month": (PROVINCE, "Yên Bái", "2019-03", "vi"),
        "cantho_cross": (PROVINCE, "Cần Thơ", "2025-04..2025-09", "vi"),
        "national_pub": (NATIONAL, None, "2016-07..2018-12", "vi"),
    }
    shared = {"laocai_q3": ("province_report", "vi"), "laocai_en": ("province_report", "en"),
              "national_q3": ("national_summary", "en")}
    html = {}
    for key, report in shared.items():
        for kind in ("html", "ipynb"):
            text = every_report[report][kind].read_text(encoding="utf-8")
            html[key if kind == "html" else key + ".ipynb"] = text
    try:
        for key, (nb, unit, period, lang) in jobs.items():
            res = run_report(nb, unit=unit, period=period, lang=lang, output_root=out)
            assert res.status == "ok", res.error
            html[key] = res.html.read_text(encoding="utf-8")
            html[key + ".ipynb"] = res.ipynb.read_text(encoding="utf-8")
    finally:
        mp.undo()
    return html


def test_national_summary_shows_the_published_figures(rendered: dict[str, str]) -> None:
    text = visible(rendered["national_pub"])
    for figure in ("40.976", "17.472", "69.160", "75,5%"):
        assert figure in text
    assert "có 22 địa phương tỷ lệ giải quyết đơn, thư đạt 100%" in text
    assert "DỮ LIỆU MẪU" in text


def test_province_quarter_figures_match_the_raw_submissions(rendered: dict[str, str],
                                                            raw: dict[str, pd.DataFrame]) -> None:
    act = raw["activity"]
    rows = act[(act["unit_code"] == "15") & act["month"].isin(["2025-07", "2025-08", "2025-09"])]
    assert len(rows) == 3
    sent = rows["docs_sent"].astype(int).sum()
    net = rows["docs_sent_network"].astype(int).sum()
    pet = raw["petitions"]
    received = ((pet["unit_code"] == "15") & (pet["received_on"] >= "2025-07-01")
                & (pet["received_on"] <= "2025-09-30")).sum()
    text = visible(rendered["laocai_q3"])
    assert (f"đã gửi {fmt.number(sent)} văn bản, báo cáo lên Trung ương, trong đó "
            f"{fmt.number(net)} văn bản ({fmt.percent(net / sent)})") in text
    assert f"tiếp nhận {fmt.number(received)} đơn, thư" in text
    assert "Văn phòng Tỉnh ủy Lào Cai" in text and "quý III/2025" in text
    en = visible(rendered["laocai_en"])
    assert f"sent {fmt.number(sent, 'en')} documents and reports" in en
    assert f"({fmt.percent(net / sent, 'en')})" in en


def test_the_figures_recorded_are_the_figures_printed(rendered: dict[str, str],
                                                    raw: dict[str, pd.DataFrame]) -> None:
    """What the batch stores with a report (its key figures, for `reportkit diff` and the
    changes section) is what the page prints, taken out of the page itself."""
    import json

    def recorded(key: str) -> dict[str, dict]:
        md = json.loads(rendered[key + ".ipynb"])["metadata"]["reportkit"]
        return {f["id"]: f for f in md["figures"]}

    national = recorded("national_pub")
    assert national["docs_sent"]["text"] == "40.976" and national["docs_sent"]["value"] == 40976
    assert national["docs_sent_network"]["text"] == "17.472"
    assert national["petitions_received"]["text"] == "69.160"
    assert national["processing_rate"]["text"] == "75,5%"
    assert national["units_full_processing"]["text"] == "22"
    act = raw["activity"]
    rows = act[(act["unit_code"] == "15") & act["month"].isin(["2025-07", "2025-08", "2025-09"])]
    province = recorded("laocai_q3")
    assert province["docs_sent"]["text"] == fmt.number(rows["docs_sent"].astype(int).sum())
    assert province["docs_sent"]["label"]["en"] == "Documents and reports sent to the Centre"
    assert recorded("laocai_en")["network_share"]["text"].endswith("%")
    for key in ("laocai_q3", "national_pub"):
        assert "vnd.reportkit.figures" not in rendered[key]  # never in the page itself


def test_pre_merger_month_uses_the_old_unit(rendered: dict[str, str],
                                            raw: dict[str, pd.DataFrame]) -> None:
    act = raw["activity"]
    row = act[(act["unit_code"] == "15") & (act["month"] == "2019-03")]  # 15 = Yên Bái then
    assert row["unit_name"].tolist() == ["Yên Bái"]
    text = visible(rendered["yenbai_month"])
    assert "Văn phòng Tỉnh ủy Yên Bái" in text and "tháng 3/2019" in text
    assert f"đã gửi {fmt.number(int(row['docs_sent'].iloc[0]))} văn bản" in text


def test_range_across_the_merger_reaggregates_old_members(rendered: dict[str, str],
                                                          raw: dict[str, pd.DataFrame]) -> None:
    act = raw["activity"]
    months = ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09"]
    pre = act[act["unit_code"].isin(["92", "93", "94"]) & act["month"].isin(months[:3])]
    post = act[(act["unit_code"] == "92") & act["month"].isin(months[3:])]
    assert len(pre) == 9 and len(post) == 3
    sent = pre["docs_sent"].astype(int).sum() + post["docs_sent"].astype(int).sum()
    text = visible(rendered["cantho_cross"])
    assert f"đã gửi {fmt.number(sent)} văn bản" in text
    assert "Hậu Giang" in text and "Sóc Trăng" in text  # the footnote names the old members


def test_no_code_cells_and_no_prompts(rendered: dict[str, str]) -> None:
    for key in ("laocai_q3", "national_pub"):
        text = rendered[key]
        assert "from reportkit" not in text
        assert not re.search(r'class="[^"]*\b(jp-InputArea|jp-InputPrompt|jp-OutputPrompt)\b', text)
        assert not re.search(r">\s*(In|Out)(&nbsp;|\s)*\[\d*\]:", text)


def test_no_personal_data_anywhere(rendered: dict[str, str], raw: dict[str, pd.DataFrame]) -> None:
    pet = raw["petitions"]
    ids = set(pet["petitioner_id"]) | set(pet["petitioner_phone"])
    names = set(pet["petitioner_name"])
    for key, doc in rendered.items():
        text = visible(doc)
        assert not ids & set(re.findall(r"\d{9,12}", text)), key
        words = re.findall(r"[^\W\d_]+", text)
        triples = {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}
        assert not names & triples, key
        assert not re.search(r"Số \d+, đường ", text), key
        # Record-level data only of the report's own unit (its follow-up list of ids and
        # dates): petition ids look like 15-202507-000123, the prefix is the unit code.
        ids_shown = {m[:2] for m in re.findall(r"\b\d{2}-\d{6}-\d{6}\b", text)}
        assert ids_shown <= OWN_CODES.get(key.removesuffix(".ipynb"), set()), key


def test_data_text_is_escaped(sample_dirs: dict[str, Path], tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile agency name planted in the data is shown as text, never run as HTML."""
    wh_dir = tmp_path / "warehouse"
    shutil.copytree(sample_dirs["warehouse"], wh_dir)
    wh = Warehouse(wh_dir)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    from reportkit.store.warehouse import load

    pet = load("petitions", "Lào Cai", "2025-Q3", root=wh_dir, include_personal_data=True)
    in_q3 = pet["handled_on"] <= pd.Timestamp(2025, 9, 30)
    rows = pet[pet["status"].eq("transferred") & in_q3].head(5).copy()
    assert len(rows) == 5
    rows["transferred_to"] = hostile
    rows["result_updated_on"] = pd.NaT  # still awaiting a result: listed by agency
    from reportkit.core.schema import PETITIONS

    wh.upsert("petitions", rows[PETITIONS.columns])
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(wh_dir))
    res = run_report(PROVINCE, unit="Lào Cai", period="2025-Q3", output_root=tmp_path / "out")
    text = res.html.read_text(encoding="utf-8")
    assert "<script>alert" not in text
    assert "<img src=x onerror" not in text
    assert "&lt;script&gt;alert(" in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_reports_are_self_contained_and_small(rendered: dict[str, str]) -> None:
    """Offline readers get everything in the file: widget state and renderer, no URL."""
    from reportkit.rendering.export import external_references

    for key in ("laocai_q3", "national_pub"):
        doc = rendered[key]
        assert external_references(doc) == [], key
        assert "application/vnd.jupyter.widget-state+json" in doc, key
        assert len(doc.encode("utf-8")) < 3_000_000, key
    # Two explorers in the province report, one per key indicator in the national summary.
    control = re.compile(r'"_dom_classes":\s*\[\s*"reportkit-explorer-control"')
    assert len(control.findall(rendered["laocai_q3"])) == 2
    assert len(control.findall(rendered["national_pub"])) == 6


def test_complete_sample_has_no_incomplete_warning(sample_env: Path) -> None:
    from reportkit.core.periods import Period
    from reportkit.core.units import resolve
    from reportkit.presentation.report import completeness_warning

    p = Period.parse("2025-Q3")
    assert completeness_warning(p, resolve("Lào Cai", at=p.last), "vi") == ""
    assert completeness_warning(p, None, "vi") == ""


def test_batch_outputs_carry_no_personal_data(sample_dirs: dict[str, Path], tmp_path: Path,
                                              raw: dict[str, pd.DataFrame],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file a batch writes (reports, executed notebooks, manifest, catalogue) is free
    of every petitioner's name, ID number, phone and address in the sample."""
    import yaml

    from reportkit import batch

    monkeypatch.setenv("REPORTKIT_HOME", str(sample_dirs["base"]))
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(sample_dirs["warehouse"]))
    sched = tmp_path / "pii.yaml"
    sched.write_text(yaml.safe_dump({
        "notebooks": [str(PROVINCE), str(ROOT / "notebooks" / "petitions.ipynb")],
        "units": ["Lào Cai", "Cần Thơ"], "period": "2025-Q3", "formats": ["html"],
        "warm": [],
    }, allow_unicode=True), encoding="utf-8")
    plan = batch.plan_batch(sched, out=tmp_path / "out", warehouse=sample_dirs["warehouse"])
    result = batch.execute_plan(plan, workers=2, progress=False)
    assert {o.status for o in result.outcomes} == {"ok"}, [o.error for o in result.outcomes]
    files = [f for f in (tmp_path / "out").rglob("*") if f.is_file()]
    from reportkit.rendering.catalog_pages import PAGES

    assert len([f for f in files if f.suffix == ".html" and f.name not in PAGES]) == 4
    pet = raw["petitions"]
    ids = set(pet["petitioner_id"]) | set(pet["petitioner_phone"])
    names = set(pet["petitioner_name"])
    for f in files:
        text = visible(f.read_text(encoding="utf-8", errors="replace"))
        assert not ids & set(re.findall(r"\d{9,12}", text)), f
        words = re.findall(r"[^\W\d_]+", text)
        assert not names & {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}, f
        assert not re.search(r"Số \d+, đường ", text), f


def test_the_explorers_show_the_sections_charts_without_drawing_again(
        sample_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every explorer view travels inside the page, drawn before it exists: the province
    report's explorers offer the charts its sections drew, so no report of a batch pays for a
    drawing of theirs."""
    import IPython.display

    from reportkit.analysis import indicators as I
    from reportkit.presentation import charts
    from reportkit.presentation.report import ProvinceReport

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: None)
    rep = ProvinceReport("Lào Cai", "2025-Q3", lang="vi")
    drawn: list[str] = []
    to_svg = charts.to_svg
    monkeypatch.setattr(charts, "to_svg", lambda fig, alt=None: drawn.append(
        fig.get_suptitle()) or to_svg(fig, alt))
    for number, key in enumerate(["advising", "information", "petitions"], 1):
        rep.show_section(key, number)
    sections = list(drawn)
    shown: list[str] = []
    monkeypatch.setattr(charts, "show", lambda fig, *a, **k: shown.append(fig))
    trend, rank = rep.explorers()
    assert drawn == sections  # nothing drawn for the explorers
    views = [*rep.EXPLORE_TRENDS, *rep.EXPLORE_RANKINGS]
    assert [c.options for c in (trend.children[0], rank.children[0])] == [
        tuple(I.get(i).label("vi") for i in rep.EXPLORE_TRENDS),
        tuple(I.get(i).label("vi") for i in rep.EXPLORE_RANKINGS)]
    kinds = ["trend"] * len(rep.EXPLORE_TRENDS) + ["ranking"] * len(rep.EXPLORE_RANKINGS)
    assert shown == [rep._chart(k, i) for k, i in zip(kinds, views, strict=True)]
    assert all(markup.startswith("<svg") for markup in shown)
