"""Sentences and "Hạn chế" (limitations) written from indicator results, in Vietnamese or
English.

Every sentence is built from :class:`~reportkit.analysis.indicators.IndicatorResult` values and the
formatting rules of :mod:`reportkit.core.fmt`; nothing here reads data itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reportkit.analysis.indicators import COUNT, PERCENT, IndicatorResult
from reportkit.core import fmt
from reportkit.core.periods import Period

Results = Mapping[str, IndicatorResult]

_IN_PERIOD = {
    "vi": {"month": "Trong tháng", "quarter": "Trong quý", "half": "Trong 6 tháng",
           "9m": "Trong 9 tháng", "year": "Trong năm", "term": "Trong nhiệm kỳ",
           "range": "Trong kỳ báo cáo"},
    "en": {"month": "During the month", "quarter": "During the quarter",
           "half": "During the half-year", "9m": "During the nine months",
           "year": "During the year", "term": "During the term",
           "range": "During the reporting period"},
}


def in_period(p: Period, lang: str = "vi") -> str:
    """ "Trong quý" / "During the quarter"."""
    return _IN_PERIOD[lang][p.kind]


def _n(x: float | None, lang: str) -> str:
    return fmt.number(x, lang)


def _pct(x: float | None, lang: str) -> str:
    return fmt.percent(x, lang)


def _vs_last_year(r: IndicatorResult, lang: str) -> str:
    """ ", tăng 5,2 điểm phần trăm so với cùng kỳ năm trước" or "" when there is no base."""
    d = r.change_vs_last_year
    if d is None:
        return ""
    if r.indicator.unit == PERCENT:
        ch = fmt.change(d, lang, kind="points")
    elif r.last_year:
        ch = fmt.change(d / r.last_year, lang, kind="percent")
    else:
        return ""
    if lang == "vi":
        return f", {ch} so với cùng kỳ năm trước"
    return f", {ch} on the same period last year"


@dataclass(frozen=True)
class Section:
    """One report section: its title and paragraphs."""

    key: str
    title: str
    paragraphs: tuple[str, ...]


TITLES = {
    "advising": ("Công tác tham mưu, thực hiện chương trình công tác",
                 "Advising and the work programme"),
    "information": ("Công tác thông tin, báo cáo", "Information and reporting"),
    "meetings": ("Công tác phục vụ hội nghị", "Serving meetings"),
    "petitions": ("Công tác tiếp công dân, xử lý đơn, thư",
                  "Citizen reception and petitions"),
    "archives": ("Công tác hành chính, văn thư, lưu trữ", "Administration and archives"),
    "staffing": ("Công tác tổ chức, cán bộ", "Staffing"),
    "limitations": ("Hạn chế", "Limitations"),
}


def title(key: str, lang: str = "vi") -> str:
    vi, en = TITLES[key]
    return vi if lang == "vi" else en


def information(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    docs, net, ns = r["docs_sent"], r["network_share"], r["nonsecret_electronic_share"]
    tl = r["reporting_timeliness"]
    if lang == "vi":
        s = (f"{in_period(p)}, {office} đã gửi {_n(docs.value, lang)} văn bản, báo cáo lên Trung "
             f"ương, trong đó {_n(net.numerator, lang)} văn bản ({_pct(net.value, lang)}) gửi qua "
             f"mạng thông tin diện rộng{_vs_last_year(net, lang)}. ")
        s += (f"Tỷ lệ văn bản không mật gửi điện tử đạt {_pct(ns.value, lang)}"
              + (" (đạt mục tiêu 100%)." if ns.target_met else " (mục tiêu 100%).") + " ")
        s += (f"Gửi đúng hạn {_n(tl.numerator, lang)}/{_n(tl.denominator, lang)} báo cáo định kỳ "
              f"({_pct(tl.value, lang)}).")
        return s
    s = (f"{in_period(p, lang)}, the {office} sent {_n(docs.value, lang)} documents and reports to "
         f"the Centre, of which {_n(net.numerator, lang)} ({_pct(net.value, lang)}) went over the "
         f"wide-area network{_vs_last_year(net, lang)}. ")
    s += (f"{_pct(ns.value, lang)} of non-secret documents were sent electronically"
          + (" (target of 100% met)." if ns.target_met else " (target 100%).") + " ")
    s += (f"{_n(tl.numerator, lang)} of {_n(tl.denominator, lang)} periodic reports were submitted "
          f"on time ({_pct(tl.value, lang)}).")
    return s


def advising(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    pc = r["programme_completion"]
    if lang == "vi":
        return (f"{in_period(p)}, {office} đã tham mưu hoàn thành {_n(pc.numerator, lang)}/"
                f"{_n(pc.denominator, lang)} nội dung chương trình công tác "
                f"({_pct(pc.value, lang)}){_vs_last_year(pc, lang)}.")
    return (f"{in_period(p, lang)}, the {office} completed {_n(pc.numerator, lang)} of "
            f"{_n(pc.denominator, lang)} work-programme items ({_pct(pc.value, lang)})"
            f"{_vs_last_year(pc, lang)}.")


def meetings(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    m = r["meetings_served"]
    if lang == "vi":
        return (f"{in_period(p)}, {office} đã phục vụ {_n(m.value, lang)} hội nghị, cuộc họp của "
                f"Ban Chấp hành, Ban Thường vụ, Thường trực và hội nghị cán bộ"
                f"{_vs_last_year(m, lang)}.")
    return (f"{in_period(p, lang)}, the {office} served {_n(m.value, lang)} conferences and "
            f"meetings of the executive committee, standing committee, standing board and "
            f"cadre conferences{_vs_last_year(m, lang)}.")


def petitions(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    rec, pr, cit = r["petitions_received"], r["processing_rate"], r["citizens_received"]
    grp, fu, b90 = r["group_delegations"], r["transfer_followup_rate"], r["backlog_over_90"]
    if lang == "vi":
        s = (f"{in_period(p)}, {office} đã tiếp {_n(cit.value, lang)} lượt công dân"
             + (f", trong đó {_n(grp.value, lang)} đoàn đông người" if grp.value else "")
             + f"; tiếp nhận {_n(rec.value, lang)} đơn, thư{_vs_last_year(rec, lang)}, "
             f"đã xử lý {_n(pr.numerator, lang)} đơn, thư ({_pct(pr.value, lang)}). ")
        if fu.denominator:
            s += (f"Trong số {_n(fu.denominator, lang)} đơn đã chuyển cơ quan có thẩm quyền, "
                  f"{_n(fu.numerator, lang)} đơn ({_pct(fu.value, lang)}) đã được cập nhật kết quả "
                  f"giải quyết. ")
        s += f"Cuối kỳ còn {_n(b90.value, lang)} đơn tồn đọng quá 90 ngày."
        return s
    s = (f"{in_period(p, lang)}, the {office} received {_n(cit.value, lang)} citizen visits"
         + (f", including {_n(grp.value, lang)} large-group delegations" if grp.value else "")
         + f"; it took in {_n(rec.value, lang)} petitions and letters{_vs_last_year(rec, lang)} "
         f"and processed {_n(pr.numerator, lang)} ({_pct(pr.value, lang)}). ")
    if fu.denominator:
        s += (f"Of {_n(fu.denominator, lang)} petitions transferred to the competent agency, "
              f"{_n(fu.numerator, lang)} ({_pct(fu.value, lang)}) have a recorded result. ")
    s += f"At the end of the period {_n(b90.value, lang)} petitions were open for over 90 days."
    return s


def archives(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    a = r["archive_files"]
    if lang == "vi":
        return (f"{in_period(p)}, {office} đã tiếp nhận {_n(a.value, lang)} hồ sơ nộp lưu vào "
                f"kho lưu trữ{_vs_last_year(a, lang)}.")
    return (f"{in_period(p, lang)}, {_n(a.value, lang)} files were transferred to the archive"
            f"{_vs_last_year(a, lang)}.")


def staffing(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    st, un = r["staffing_rate"], r["staff_university_share"]
    if lang == "vi":
        return (f"Cuối kỳ, {office} có {_n(st.numerator, lang)} biên chế/"
                f"{_n(st.denominator, lang)} biên chế được giao ({_pct(st.value, lang)}); "
                f"{_pct(un.value, lang)} cán bộ, công chức có trình độ đại học trở lên.")
    return (f"At the end of the period the {office} had {_n(st.numerator, lang)} staff in post "
            f"against a quota of {_n(st.denominator, lang)} ({_pct(st.value, lang)}); "
            f"{_pct(un.value, lang)} hold a university degree or higher.")


# Indicators whose weakness is already told by another one (backlog over 90 covers 30/60).
_NOT_IN_LIMITATIONS = frozenset({"backlog_over_30", "backlog_over_60"})


def limitations(r: Results, lang: str = "vi", *, bottom: int = 5,
                min_points: float = 0.01, followup: bool = True) -> list[str]:
    """Limitations found from the indicators, one sentence per weak indicator: below target,
    worse than the same period last year (by at least ``min_points``), in the bottom
    ``bottom`` of the ranking; then transferred petitions without a result update."""
    out: list[str] = []
    for res in r.values():
        ind = res.indicator
        if res.value is None or not ind.direction or ind.id in _NOT_IN_LIMITATIONS:
            continue
        clauses = []
        if res.target_met is False:
            clauses.append(f"chưa đạt mục tiêu {_target(res, lang)}" if lang == "vi"
                           else f"below the target of {_target(res, lang)}")
        d = res.change_vs_last_year
        if ind.unit == PERCENT and res.worse_than_last_year and d is not None \
                and abs(d) >= min_points:
            ch = fmt.change(d, lang, kind="points")
            clauses.append(f"{ch} so với cùng kỳ năm trước" if lang == "vi"
                           else f"{ch} on the same period last year")
        if res.rank and res.n_units >= 10 and res.rank > res.n_units - bottom:
            clauses.append(f"xếp thứ {res.rank}/{res.n_units}, thuộc nhóm thấp nhất cả nước"
                           if lang == "vi" else
                           f"ranked {res.rank} of {res.n_units}, among the lowest in the country")
        if clauses:
            verb = "đạt" if lang == "vi" else "was"
            out.append(f"{ind.label(lang)} {verb} {_shown(res, lang)}, {', '.join(clauses)}.")
    fu = r.get("transfer_followup_rate") if followup else None
    if fu is not None and fu.denominator and fu.numerator is not None:
        missing = int(fu.denominator - fu.numerator)
        if missing > 0:
            out.append(
                f"Còn {_n(missing, lang)} đơn đã chuyển cơ quan có thẩm quyền nhưng chưa được "
                f"theo dõi, cập nhật kết quả giải quyết." if lang == "vi" else
                f"{_n(missing, lang)} petitions transferred to the competent agency still have "
                f"no recorded result.")
    return out


def _shown(res: IndicatorResult, lang: str) -> str:
    if res.indicator.unit == PERCENT:
        return _pct(res.value, lang)
    return _n(res.value, lang) if res.indicator.unit == COUNT else fmt.number(res.value, lang, 1)


def _target(res: IndicatorResult, lang: str) -> str:
    t = res.indicator.target
    if res.indicator.unit == PERCENT:
        return fmt.percent(t, lang, decimals=0)
    return fmt.number(t, lang)


SECTION_WRITERS = {
    "advising": advising, "information": information, "meetings": meetings,
    "petitions": petitions, "archives": archives, "staffing": staffing,
}
