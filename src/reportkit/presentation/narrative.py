"""Sentences and "Hạn chế" (limitations) written from indicator results, in Vietnamese or
English.

Every sentence is built from :class:`~reportkit.analysis.indicators.IndicatorResult` values and the
formatting rules of :mod:`reportkit.core.fmt`; nothing here reads data itself.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from reportkit.analysis.indicators import COUNT, PERCENT, IndicatorResult
from reportkit.core import fmt
from reportkit.core.i18n import text
from reportkit.core.periods import Period

Results = Mapping[str, IndicatorResult]

def in_period(p: Period, lang: str = "vi") -> str:
    """ "Trong quý" / "During the quarter"."""
    return text(f"narrative.in_period.{p.kind}", lang)


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
    return text("narrative.vs_last_year", lang, change=ch)


@dataclass(frozen=True)
class Section:
    """One report section: its title and paragraphs."""

    key: str
    title: str
    paragraphs: tuple[str, ...]


SECTION_KEYS = ("advising", "information", "meetings", "petitions", "archives", "staffing",
                "limitations")


def title(key: str, lang: str = "vi") -> str:
    """A section's title (one of :data:`SECTION_KEYS`)."""
    return text(f"narrative.title.{key}", lang)


def information(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    docs, net, ns = r["docs_sent"], r["network_share"], r["nonsecret_electronic_share"]
    tl = r["reporting_timeliness"]
    s = text("narrative.information.sent", lang, lead=in_period(p, lang), office=office,
             docs=_n(docs.value, lang), net=_n(net.numerator, lang),
             net_share=_pct(net.value, lang), vs=_vs_last_year(net, lang))
    s += text("narrative.information.electronic_met" if ns.target_met
              else "narrative.information.electronic", lang, share=_pct(ns.value, lang))
    s += text("narrative.information.on_time", lang, on_time=_n(tl.numerator, lang),
              due=_n(tl.denominator, lang), share=_pct(tl.value, lang))
    return s


def advising(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    pc = r["programme_completion"]
    return text("narrative.advising", lang, lead=in_period(p, lang), office=office,
                done=_n(pc.numerator, lang), items=_n(pc.denominator, lang),
                share=_pct(pc.value, lang), vs=_vs_last_year(pc, lang))


def meetings(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    m = r["meetings_served"]
    return text("narrative.meetings", lang, lead=in_period(p, lang), office=office,
                meetings=_n(m.value, lang), vs=_vs_last_year(m, lang))


def petitions(r: Results, p: Period, office: str, lang: str = "vi", *,
              published: Mapping[str, str] | None = None) -> str:
    """The petitions paragraph. ``published`` gives the printed words of the figures that
    small-number suppression hides or keeps (keys groups, received, vs, processed, share,
    transferred, updated, fu_share, backlog): "dưới 3", "một số"; a share of "" is left out."""
    rec, pr, cit = r["petitions_received"], r["processing_rate"], r["citizens_received"]
    grp, fu, b90 = r["group_delegations"], r["transfer_followup_rate"], r["backlog_over_90"]
    pub = published or {}
    s = text("narrative.petitions.citizens", lang, lead=in_period(p, lang), office=office,
             citizens=_n(cit.value, lang))
    if grp.value:
        s += text("narrative.petitions.groups", lang,
                  groups=pub.get("groups", _n(grp.value, lang)))
    share = pub.get("share", _pct(pr.value, lang))
    s += text("narrative.petitions.received" if share else "narrative.petitions.received_count",
              lang, received=pub.get("received", _n(rec.value, lang)),
              vs=pub.get("vs", _vs_last_year(rec, lang)),
              processed=pub.get("processed", _n(pr.numerator, lang)), share=share)
    if fu.denominator:
        share = pub.get("fu_share", _pct(fu.value, lang))
        s += text("narrative.petitions.followup" if share
                  else "narrative.petitions.followup_count", lang,
                  transferred=pub.get("transferred", _n(fu.denominator, lang)),
                  updated=pub.get("updated", _n(fu.numerator, lang)), share=share)
    return s + text("narrative.petitions.backlog", lang,
                    backlog=pub.get("backlog", _n(b90.value, lang)))


def archives(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    a = r["archive_files"]
    return text("narrative.archives", lang, lead=in_period(p, lang), office=office,
                files=_n(a.value, lang), vs=_vs_last_year(a, lang))


def staffing(r: Results, p: Period, office: str, lang: str = "vi") -> str:
    st, un = r["staffing_rate"], r["staff_university_share"]
    return text("narrative.staffing", lang, office=office, in_post=_n(st.numerator, lang),
                quota=_n(st.denominator, lang), share=_pct(st.value, lang),
                university=_pct(un.value, lang))


# Indicators whose weakness is already told by another one (backlog over 90 covers 30/60).
_NOT_IN_LIMITATIONS = frozenset({"backlog_over_30", "backlog_over_60"})


def limitations(r: Results, lang: str = "vi", *, bottom: int = 5,
                min_points: float = 0.01, followup: bool = True,
                published: Mapping[str, str] | None = None,
                no_change: Collection[str] = ()) -> list[str]:
    """Limitations found from the indicators, one sentence per weak indicator: below target,
    worse than the same period last year (by at least ``min_points``), in the bottom
    ``bottom`` of the ranking; then transferred petitions without a result update.

    ``published`` gives the printed words of the indicators that small-number suppression
    governs (id → "12", "dưới 3", "một số"); the change on last year of the indicators in
    ``no_change`` is not written (it would give a hidden figure away)."""
    pub = published or {}
    out: list[str] = []
    for res in r.values():
        ind = res.indicator
        if res.value is None or not ind.direction or ind.id in _NOT_IN_LIMITATIONS:
            continue
        clauses = []
        if res.target_met is False:
            clauses.append(text("narrative.limitation.below_target", lang, target=_target(res,
                                                                                          lang)))
        d = res.change_vs_last_year
        if ind.id in no_change:
            d = None
        if ind.unit == PERCENT and res.worse_than_last_year and d is not None \
                and abs(d) >= min_points:
            ch = fmt.change(d, lang, kind="points")
            clauses.append(text("narrative.limitation.worse", lang, ch=ch))
        if res.rank and res.n_units >= 10 and res.rank > res.n_units - bottom:
            clauses.append(text("narrative.limitation.bottom_rank", lang, rank=res.rank,
                                n_units=res.n_units))
        if clauses:
            verb = text("narrative.limitation.verb", lang)
            shown = pub.get(ind.id, _shown(res, lang))
            out.append(f"{ind.label(lang)} {verb} {shown}, {', '.join(clauses)}.")
    fu = r.get("transfer_followup_rate") if followup else None
    if fu is not None and fu.denominator and fu.numerator is not None:
        missing = int(fu.denominator - fu.numerator)
        if missing > 0:
            out.append(
                text("narrative.limitation.followup", lang, missing=_n(missing, lang)))
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
