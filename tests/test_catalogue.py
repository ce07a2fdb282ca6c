"""The catalogue of ``outputs/`` (rendering/catalog_pages.py): what a recipient sees in
``index.html`` / ``index.en.html`` and what only the operators' ``runs.html`` shows.

The manifests are written with :func:`reportkit.rendering.catalog.record`, as a batch, ``run``
and ``issue`` write them: several notebooks, both languages, two periods, a draft issued and
rendered again since, a first attempt that failed, a unit name holding a script. The browser
checks (filter, search, 375 px) are in ``test_catalogue_browser.py``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reportkit.cli import main
from reportkit.rendering import catalog, catalog_pages
from reportkit.rendering.export import external_references

NB = Path(__file__).resolve().parent / "notebooks"
Q3, Q2 = "2025-Q3", "2025-Q2"
RANGE, RANGE_CODE = "2016-07_to_2018-12", "2016-07..2018-12"  # folder, period code
HOSTILE = "<script>alert(1)</script> Tỉnh"
TITLES = {
    "province_report": "Báo cáo kết quả công tác văn phòng cấp ủy",
    "national_summary": "Tổng hợp kết quả công tác văn phòng tỉnh ủy, thành ủy",
    "petitions": "Tình hình tiếp nhận, xử lý đơn, thư",
    "data_quality": "Tình hình gửi số liệu",
}


class _Text(HTMLParser):
    """The text a reader sees (no script, no style, no attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def rows_of(html: str) -> list[str]:
    """The report rows of a recipients' page (each row's visible text)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [visible(r) for r in body.split("</tr>") if "<td" in r]


def write(folder: Path, rel: str, *, notebook: str, unit: str | None = None,
          unit_name: str | None = None, period: str | None = None, lang: str = "vi",
          status: str = "ok",
          formats: tuple[str, ...] = ("html", "pdf", "ipynb"), **extra: Any) -> dict[str, Any]:
    """Record one report (its files written) in ``folder``'s manifest."""
    leaf, stem = rel.rsplit("/", 1)
    files = {}
    for fmt in formats:
        path = folder / leaf / f"{stem}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{fmt} of {rel}", encoding="utf-8")
        files[fmt] = catalog.file_info(path, folder)
    entry = {"notebook": notebook, "unit": unit, "unit_name": unit_name,
             "period": period or folder.name,
             "lang": lang, "status": status, "files": files, "error": None, "seconds": 12.4,
             "finished": "2025-10-05T06:30:00+07:00", "worker": "host:4242",
             "input_hash": "hash-now", "run_id": "r1", **extra}
    return catalog.record(folder, rel, lambda _old: entry, {"status": status})


def make_outputs(root: Path) -> Path:
    """Two periods; Q3 has every notebook, both languages, issued copies and a failure."""
    for period in (Q3, Q2):
        f = root / period
        write(f, "national/national_summary", notebook="national_summary.ipynb")
        write(f, "national/national_summary.en", notebook="national_summary.ipynb", lang="en")
        write(f, "national/petitions", notebook="petitions.ipynb",
              formats=("html", "pdf", "docx", "ipynb"))
        write(f, "national/data_quality", notebook="data_quality.ipynb")
        for code, name in (("15", "Lào Cai"), ("01", "Hà Nội"), ("92", "Cần Thơ")):
            write(f, f"{code}-x/province_report", notebook="province_report.ipynb", unit=code,
                  unit_name=name)
        write(f, "15-x/province_report.en", notebook="province_report.ipynb", unit="15",
              unit_name="Lào Cai", lang="en")
    # the published window: a period whose name is long
    write(root / RANGE, "national/national_summary", notebook="national_summary.ipynb",
          period=RANGE_CODE)
    q3 = root / Q3
    write(q3, "99-x/province_report", notebook="province_report.ipynb", unit="99",
          unit_name=HOSTILE)
    # a first attempt that failed: nothing to read, an error for the operators
    write(q3, "48-x/province_report", notebook="province_report.ipynb", unit="48",
          unit_name="Đà Nẵng", status="failed", formats=(),
          error="ValueError: <b>boom</b> in cell 3", failed_files={})
    # Lào Cai's draft was issued, then its data changed and the draft was rendered again
    write(q3, "15-x/issued/12-BC-VPTU/province_report", notebook="province_report.ipynb",
          unit="15", unit_name="Lào Cai", status="issued",
          issued={"number": "12-BC/VPTU", "date": "2025-10-06",
                  "approver": {"name": "Nguyễn Văn An", "title": "Chánh Văn phòng"},
                  "draft": f"{Q3}/15-x/province_report", "draft_input_hash": "hash-before"})
    # Hà Nội's draft was issued and has not changed since
    write(q3, "01-x/issued/7-BC-VPTU/province_report", notebook="province_report.ipynb",
          unit="01", unit_name="Hà Nội", status="issued",
          issued={"number": "7-BC/VPTU", "date": "2025-10-07",
                  "approver": {"name": "Trần Thị Bình", "title": "Phó Chánh Văn phòng"},
                  "draft": f"{Q3}/01-x/province_report", "draft_input_hash": "hash-now"})
    assert catalog_pages.write_root_index(root) == root / "index.html"
    return root


@pytest.fixture()
def outputs(tmp_path: Path) -> Path:
    return make_outputs(tmp_path / "outputs")


def readable(root: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """Every manifest entry with a file to read: (period, key, entry)."""
    return [(p.parent.name, k, e) for p in sorted(root.glob("*/manifest.json"))
            for k, e in catalog.load_manifest(p.parent)["reports"].items() if e["files"]]


def test_root_page_lists_every_report_of_every_period(outputs: Path) -> None:
    html = (outputs / "index.html").read_text(encoding="utf-8")
    entries = readable(outputs)
    assert len(entries) == 2 * 8 + 3 + 1
    rows = rows_of(html)
    assert len(rows) == len(entries)
    for period, key, entry in entries:
        for fmt in ("html", "pdf", "docx"):
            if fmt in entry["files"]:
                assert f'href="{period}/{entry["files"][fmt]["path"]}"' in html, (key, fmt)
    # every notebook, by its title, in both periods; both languages
    for stem, title in TITLES.items():
        assert sum(title in r for r in rows) >= 2, stem
    assert sum("Tiếng Anh" in r for r in rows) == 4
    assert sum("Tiếng Việt" in r for r in rows) == len(entries) - 4
    # one page per period, linked from the root
    for period in (Q3, Q2, RANGE):
        assert f'href="{period}/index.html"' in html
        assert len(rows_of((outputs / period / "index.html").read_text(encoding="utf-8"))) == \
            sum(p == period for p, _, _ in entries)


def test_titles_units_and_periods_read_as_people_write_them(outputs: Path) -> None:
    text = visible((outputs / "index.html").read_text(encoding="utf-8"))
    assert "Quý III/2025" in text and "Quý II/2025" in text
    assert "Từ tháng 7/2016 đến tháng 12/2018" in text
    assert "2025-Q3" not in text and ".ipynb" not in text and "province_report" not in text
    assert "Lào Cai" in text and "Toàn quốc" in text
    q3 = (outputs / Q3 / "index.html").read_text(encoding="utf-8")
    assert "<h1>Danh mục báo cáo Quý III/2025</h1>" in q3
    assert 'href="15-x/province_report.html"' in q3  # links relative to the period folder
    assert 'href="../index.html"' in q3


def test_english_page(outputs: Path) -> None:
    vi = (outputs / "index.html").read_text(encoding="utf-8")
    en = (outputs / "index.en.html").read_text(encoding="utf-8")
    assert 'href="index.en.html"' in vi and 'href="index.html"' in en
    assert '<html lang="en">' in en
    text = visible(en)
    assert "Q3 2025" in text and "Party committee office report" in text
    assert "National summary of the provincial offices" in text and "National" in text
    assert "Issued" in text and "No. 12-BC/VPTU, of 6 October 2025" in text
    assert "Quý" not in text and "Dự thảo" not in text
    assert len(rows_of(en)) == len(rows_of(vi))
    assert "Reports: Q3 2025" in (outputs / Q3 / "index.en.html").read_text(encoding="utf-8")


def test_issued_reports_show_number_date_and_changes(outputs: Path) -> None:
    rows = rows_of((outputs / Q3 / "index.html").read_text(encoding="utf-8"))
    lao_cai = [r for r in rows if "Lào Cai" in r and "Tiếng Việt" in r]
    issued = [r for r in lao_cai if "Đã ban hành" in r]
    draft = [r for r in lao_cai if "Dự thảo" in r]
    assert len(issued) == 1 and len(draft) == 1
    assert "Số 12-BC/VPTU, ngày 6/10/2025" in issued[0]
    assert "Người ký: Nguyễn Văn An, Chánh Văn phòng" in issued[0]
    assert "Có dự thảo mới với số liệu khác" in issued[0]
    assert "Số liệu khác với bản đã ban hành số 12-BC/VPTU" in draft[0]
    ha_noi = [r for r in rows if "Hà Nội" in r]
    assert any("Số 7-BC/VPTU, ngày 7/10/2025" in r for r in ha_noi)
    assert any("Đã ban hành: số 7-BC/VPTU" in r for r in ha_noi)  # the draft, unchanged
    assert not any("khác" in r for r in ha_noi)
    # the status filter offers the changed reports; the rows carry what it matches
    html = (outputs / Q3 / "index.html").read_text(encoding="utf-8")
    assert '<option value="changed">Số liệu thay đổi sau khi ban hành</option>' in html
    assert html.count('data-status="issued changed"') == 1
    assert html.count('data-status="draft changed"') == 1


def test_changed_since_issued_flag_is_read(tmp_path: Path) -> None:
    folder = tmp_path / Q3
    write(folder, "15-x/province_report", notebook="province_report.ipynb", unit="15",
          unit_name="Lào Cai", changed_since_issued=True)
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "Số liệu thay đổi sau khi ban hành" in visible(html)
    assert 'data-status="draft changed"' in html


def test_issued_files_of_an_entry_are_linked(tmp_path: Path) -> None:
    """An issued record that names its own files (``issued.files``) links those."""
    folder = tmp_path / Q3
    signed = folder / "15-x" / "issued" / "province_report.pdf"
    signed.parent.mkdir(parents=True)
    signed.write_bytes(b"%PDF signed")
    write(folder, "15-x/province_report", notebook="province_report.ipynb", unit="15",
          unit_name="Lào Cai", issued={"number": "3-BC/VPTU", "date": "2026-01-05",
                                       "files": {"pdf": catalog.file_info(signed, folder)}})
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="15-x/issued/province_report.pdf"' in html
    assert 'href="15-x/province_report.pdf"' not in html
    assert "Số 3-BC/VPTU, ngày 5/1/2026" in visible(html)


def test_names_are_escaped(outputs: Path) -> None:
    for page in ("index.html", "index.en.html", "runs.html"):
        for html in ((outputs / page).read_text(encoding="utf-8"),
                     (outputs / Q3 / page).read_text(encoding="utf-8")):
            assert "<script>alert(1)" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt; Tỉnh" in html
            assert html.count("<script") == (0 if page == "runs.html" else 1)
    runs = (outputs / Q3 / "runs.html").read_text(encoding="utf-8")
    assert "ValueError: &lt;b&gt;boom&lt;/b&gt; in cell 3" in runs


def test_pages_load_nothing_and_allow_only_their_own_script(outputs: Path) -> None:
    for page in sorted(outputs.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        if page.name not in catalog_pages.PAGES:
            continue
        assert external_references(html) == [], page
        assert "http:" not in html and "https:" not in html and "src=" not in html, page
        csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
        assert csp, page
        policy = csp.group(1).replace("&#39;", "'")
        assert policy.startswith("default-src 'none';")
        # the policy names the sha256 of exactly the inline style and script in the page
        for tag, directive in (("style", "style-src"), ("script", "script-src")):
            bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
            allowed = re.search(rf"{directive} ([^;]+)", policy).group(1).split()
            digests = ["'sha256-" + base64.b64encode(hashlib.sha256(
                b.encode("utf-8")).digest()).decode() + "'" for b in bodies]
            assert allowed == (digests or ["'none'"]), (page, tag)


def test_operator_columns_are_on_the_operators_page_only(outputs: Path) -> None:
    for where in (outputs, outputs / Q3):
        index = visible((where / "index.html").read_text(encoding="utf-8"))
        runs_html = (where / "runs.html").read_text(encoding="utf-8")
        runs = visible(runs_html)
        for operator_text in ("Giây", "Seconds", "12,4", "host:4242", ".ipynb", "boom",
                              "Notebook", "Tiến trình"):
            assert operator_text not in index, operator_text
            assert operator_text in runs, operator_text
        assert "Đà Nẵng" not in index  # its only attempt failed: nothing to read
        assert "48 Đà Nẵng" in runs and "lỗi" in runs
        assert 'href="runs.html"' in (where / "index.html").read_text(encoding="utf-8")
        assert 'href="index.html"' in runs_html


def test_an_empty_period_says_so(tmp_path: Path) -> None:
    folder = tmp_path / Q3
    write(folder, "48-x/province_report", notebook="province_report.ipynb", unit="48",
          unit_name="Đà Nẵng", status="failed", formats=(), error="boom")
    text = visible((folder / "index.html").read_text(encoding="utf-8"))
    assert "Chưa có báo cáo nào." in text and "Đà Nẵng" not in text


def test_verify_accepts_the_catalogue_pages(outputs: Path) -> None:
    rep = catalog.verify(outputs / Q3)
    assert rep.unlisted == []
    # The fixture's issued copies are not really signed: those are the only problems.
    assert all("/issued/" in p for p in rep.problems), rep.problems
    assert not any(p.startswith(catalog_pages.PAGES) for p in rep.problems)


def test_root_without_periods_writes_nothing(tmp_path: Path) -> None:
    assert catalog_pages.write_root_index(tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_a_broken_manifest_is_named_on_the_operators_page(outputs: Path) -> None:
    entries = readable(outputs)
    (outputs / "2024").mkdir()
    (outputs / "2024" / "manifest.json").write_text("{not json", encoding="utf-8")
    catalog_pages.write_root_index(outputs)
    assert "Không đọc được 2024/manifest.json" in (outputs / "runs.html").read_text("utf-8")
    assert len(rows_of((outputs / "index.html").read_text("utf-8"))) == len(entries)


def test_period_labels() -> None:
    assert catalog_pages.period_label("2025-Q3") == "Quý III/2025"
    assert catalog_pages.period_label("2025-Q3", "en") == "Q3 2025"
    assert catalog_pages.period_label("2016-07..2018-12") == \
        "Từ tháng 7/2016 đến tháng 12/2018"
    assert catalog_pages.period_label("not-a-period") == "not-a-period"
    assert catalog_pages.report_name("province_report.ipynb", "en") == \
        "Party committee office report"
    assert catalog_pages.report_name("unit_report.ipynb") == "unit_report"


@pytest.mark.slow
def test_run_keeps_the_catalogue(tmp_path: Path, empty_warehouse: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``reportkit run`` (what ``make report``'s ``demo`` calls) leaves ``outputs/index.html``
    and the period's page, listing what it rendered, and each run adds to them."""
    monkeypatch.setenv("REPORTKIT_HOME", str(tmp_path))
    out = tmp_path / "outputs"
    for unit in ("15", "Hà Nội"):
        res = CliRunner().invoke(main, ["run", str(NB / "unit_report.ipynb"), "--unit", unit,
                                        "--period", Q3, "--out", str(out), "--allow-empty"])
        assert res.exit_code == 0, res.output
    for page in (out / "index.html", out / Q3 / "index.html"):
        html = page.read_text(encoding="utf-8")
        rows = rows_of(html)
        assert len(rows) == 2 and "Quý III/2025" in visible(html)
        assert any("Lào Cai" in r for r in rows) and any("Hà Nội" in r for r in rows)
    assert (out / "index.en.html").is_file() and (out / "runs.html").is_file()
