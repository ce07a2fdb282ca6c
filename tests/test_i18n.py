"""The table of texts (:mod:`reportkit.core.i18n`): every message in both languages, every id a
page asks for exists, and mistakes fail loudly with a useful message."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from reportkit.core.i18n import LANGS, T, UnknownText, pair, text

SRC = Path(__file__).resolve().parents[1] / "src" / "reportkit"

# Messages whose two languages use different fields, with the reason. Keep this short.
FIELDS_DIFFER = {
    "period.month": "Vietnamese writes the month's number (tháng 7/2025), English its name",
    "period.quarter": "Vietnamese writes the quarter in Roman numerals (quý III/2025)",
    "unit.day": "Vietnamese writes the month's number (1/7/2025), English its name",
    "narrative.archives": "the English sentence is passive and does not name the office",
    "report.national.overview": "the Vietnamese sentence opens with the period, capitalised "
                                "({Label}); the English one says \"In {label}\"",
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# Calls that take a text id, and the position of the id: text(id, lang), the command's
# say(id, ...), Text(id, values) (a text an error carries) and error(cls, id, ...).
ID_ARG = {"text": 0, "say": 0, "Text": 0, "error": 1}


def _text_calls() -> list[tuple[str, ast.expr]]:
    """``(place, id argument)`` of every call under src that names a text id: ``text(...)``,
    ``i18n.text(...)``, ``say(...)``, ``Text(...)``, ``i18n.error(cls, ...)``."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) and f.id in ID_ARG else (
                f.attr if isinstance(f, ast.Attribute) and f.attr in ID_ARG
                and isinstance(f.value, ast.Name) and f.value.id == "i18n" else None)
            if name is None or len(node.args) <= ID_ARG[name]:
                continue
            out.append((f"{path.relative_to(SRC.parent)}:{node.lineno}", node.args[ID_ARG[name]]))
    return out


def _literal_keys(arg: ast.expr) -> list[str]:
    """The ids a first argument can take when it is written out: a literal, or either branch
    of ``"a" if cond else "b"``."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.IfExp):
        return _literal_keys(arg.body) + _literal_keys(arg.orelse)
    return []


def _prefix(arg: ast.expr) -> str | None:
    """The literal start of an id built with an f-string (``f"dashboard.{key}"``)."""
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return str(arg.values[0].value)
    return None


def test_every_message_has_both_languages() -> None:
    assert LANGS == ("vi", "en")
    for key, texts in T.items():
        assert isinstance(texts, tuple) and len(texts) == 2, key
        vi, en = texts
        assert isinstance(vi, str) and vi.strip(), f"{key}: no Vietnamese text"
        assert isinstance(en, str) and en.strip(), f"{key}: no English text"


def test_both_languages_use_the_same_fields() -> None:
    bad = [key for key, (vi, en) in T.items()
           if _fields(vi) != _fields(en) and key not in FIELDS_DIFFER]
    assert not bad, f"fields differ between vi and en: {bad}"
    assert set(FIELDS_DIFFER) <= set(T)


def test_every_id_used_under_src_exists() -> None:
    calls = _text_calls()
    assert len(calls) > 150  # the scan sees the pages
    missing, prefixes = [], []
    for place, arg in calls:
        keys = _literal_keys(arg)
        for key in keys:
            if key not in T:
                missing.append(f"{place}: {key}")
        prefix = _prefix(arg)
        if prefix is not None:
            prefixes.append(prefix)
            if not any(k.startswith(prefix) for k in T):
                missing.append(f"{place}: {prefix}…")
        if not keys and prefix is None and not isinstance(arg, ast.Name):
            missing.append(f"{place}: id not checkable ({ast.unparse(arg)})")
    assert not missing, "unknown text ids:\n" + "\n".join(missing)


def _ingest_keys() -> list[tuple[str, str]]:
    """``(place, key)`` of every ingest message key under src: the first literal argument of
    ``tr(...)`` / ``refuse(...)`` and the literal keys of refusals (``return "bad_zip", {}``);
    each stands for the id ``ingest.<key>``."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            arg = None
            if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Name) \
                    and node.func.id in ("tr", "refuse"):
                arg = node.args[0]
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) \
                    and len(node.value.elts) == 2 and isinstance(node.value.elts[1], ast.Dict):
                arg = node.value.elts[0]
            for key in _literal_keys(arg) if arg is not None else []:
                out.append((f"{path.relative_to(SRC.parent)}:{node.lineno}", key))
    return out


def test_every_ingest_message_key_exists() -> None:
    keys = _ingest_keys()
    assert len(keys) > 25  # the scan sees the readers, the validation and the loading
    missing = [f"{place}: ingest.{key}" for place, key in keys if f"ingest.{key}" not in T]
    assert not missing, "unknown ingest message ids:\n" + "\n".join(missing)


def test_every_message_is_used() -> None:
    """No dead texts: each id is named under src, or built from a prefix that is."""
    used, prefixes = set(), []
    for _place, arg in _text_calls():
        used.update(_literal_keys(arg))
        if (p := _prefix(arg)) is not None:
            prefixes.append(p)
    # Ids passed through a variable (``paren("petitions.flow.rate", ...)``) are literals too.
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for key in (node.value, f"ingest.{node.value}"):  # ingest keys lack the prefix
                    if key in T:
                        used.add(key)
    dead = [k for k in T if k not in used and not any(k.startswith(p) for p in prefixes)]
    assert not dead, f"texts no page uses: {dead}"


def test_text_fills_fields_in_the_language() -> None:
    assert text("petitions.window", "vi", start="1/7/2025", end="30/9/2025") == \
        "Số liệu từ 1/7/2025 đến 30/9/2025"
    assert text("petitions.window", "en", start="1 July", end="30 September") == \
        "Figures from 1 July to 30 September"
    assert pair("common.total") == ("Tổng số", "Total")


def test_unknown_id_names_the_close_ones() -> None:
    with pytest.raises(UnknownText, match="petitions.window"):
        text("petitions.windw", "vi")
    with pytest.raises(KeyError):  # UnknownText is a KeyError for callers that expect one
        text("no.such.text")


def test_unknown_language_and_missing_field_are_errors() -> None:
    with pytest.raises(ValueError, match="available: vi, en"):
        text("common.total", "fr")
    with pytest.raises(KeyError, match="start"):
        text("petitions.window", "vi", end="30/9/2025")


def test_every_receiving_agency_has_an_english_name() -> None:
    from reportkit.core.schema import AGENCIES, AGENCY_NAMES, NOT_RECORDED, agency_label

    assert "Sở Tài nguyên và Môi trường" in AGENCY_NAMES  # what offices write stays accepted
    assert agency_label("Sở Tài nguyên và Môi trường", "en") == \
        "Department of Natural Resources and Environment"
    assert agency_label("  Sở  Tài nguyên và Môi trường ", "vi") == "Sở Tài nguyên và Môi trường"
    for a in AGENCIES:
        assert agency_label(a.name, "vi") == a.name
        english = agency_label(a.name, "en")
        assert english != a.name and english.isascii(), a.name
    english = [agency_label(n, "en") for n in AGENCY_NAMES]
    assert len(set(english)) == len(english)  # no two agencies share an English name
    assert agency_label(NOT_RECORDED, "en") == "(not recorded)"
    assert agency_label("Các cơ quan khác", "en") == "Các cơ quan khác"  # not an agency: as is
