"""Data contracts: the tables reportkit stores, every field with its Vietnamese label, and the
cross-field rules.

Field rules live here, beside the fields, so that the XLSX form (``intake.forms``) and ingest
check the same thing: a value the form's cell validation accepts is a value ingest accepts. The
receiving-agency list (:data:`AGENCIES`) is data of the contract for the same reason: the form's
dropdown and ingest's check read it from one place.

Validation follows pandera's ``lazy=True``: every rule runs on every row and all failures are
returned together as :class:`Problem` records (table, row, column, rule, value). Values of
personal-data fields are never copied into a problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from reportkit.core import fmt
from reportkit.core.i18n import text
from reportkit.errors import LookupInRegistryError

if TYPE_CHECKING:
    import pandas as pd

# Field types. "code" is a unit code: text, two digits, never a number.
CODE, COUNT, MONTH, DATE, CATEGORY, BOOL, TEXT, ID = (
    "code", "count", "month", "date", "category", "bool", "text", "id",
)

# Upper bounds of counts (the "upper bound" rule). Every count has one: its field's ``max``,
# else COUNT_MAX. They are sanity bounds, far above any real figure, not targets: the largest
# monthly figures of a provincial office (documents sent, citizen visits) are in the
# thousands, so 10,000,000 a month only refuses typing slips and overflow ("1e30",
# "99999999999999999999999"), which would otherwise not fit the warehouse's 64-bit integers.
# Staff numbers of one office are in the tens or hundreds: 100,000 is their bound.
COUNT_MAX = 10_000_000
STAFF_MAX = 100_000


@dataclass(frozen=True)
class Field:
    """One column of a table."""

    name: str
    label_vi: str
    label_en: str
    type: str
    required: bool = True
    categories: tuple[str, ...] = ()
    pii: bool = False  # personal data: stored, never shown in a report, a log or an error
    help_vi: str = ""
    # A regular expression every non-empty value must match in full, and what it means.
    pattern: str | None = None
    pattern_text: tuple[str, str] = ("", "")  # (Vietnamese, English)
    pattern_rule: str = "pattern"  # the rule's name in a problem report
    # A closed list of accepted values (exact spelling), e.g. the receiving agencies; the form
    # offers them in a dropdown. Empty: any value.
    choices: tuple[str, ...] = ()
    choices_rule: str = "listed value"
    # Counts: the largest accepted value (None: :data:`COUNT_MAX`); see :attr:`upper`.
    max: int | None = None

    @property
    def upper(self) -> int | None:
        """The largest accepted value of a count (its ``max``, else :data:`COUNT_MAX`);
        None for other types."""
        if self.type != COUNT:
            return None
        return self.max if self.max is not None else COUNT_MAX

    def label(self, lang: str = "vi") -> str:
        return self.label_vi if lang == "vi" else self.label_en


@dataclass(frozen=True)
class Rule:
    """A cross-field rule. ``violations(df)`` returns a boolean mask of offending rows."""

    name: str
    columns: tuple[str, ...]
    text_vi: str
    text_en: str
    violations: Callable[[pd.DataFrame], pd.Series]

    def text(self, lang: str = "vi") -> str:
        return self.text_vi if lang == "vi" else self.text_en


@dataclass(frozen=True)
class Table:
    """A data contract: fields, the key that identifies a row, and cross-field rules."""

    name: str
    label_vi: str
    label_en: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...] = ()

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def pii_columns(self) -> list[str]:
        return [f.name for f in self.fields if f.pii]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise LookupInRegistryError(
            f"No field named {name!r} in table {self.name}; available: {', '.join(self.columns)}"
        )

    def fields_of(self, type_: str) -> list[str]:
        return [f.name for f in self.fields if f.type == type_]


@dataclass(frozen=True)
class Problem:
    """One failure, located as precisely as the data allows. ``row`` is 1-based within the
    submitted file's data rows when the caller maps it, else the DataFrame position."""

    table: str
    rule: str
    message: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    file: str | None = None
    sheet: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "sheet": self.sheet, "table": self.table, "row": self.row,
            "column": self.column, "value": None if self.value is None else str(self.value),
            "rule": self.rule, "message": self.message,
        }

    def __str__(self) -> str:
        where = ", ".join(
            p for p in (
                self.file, f"sheet {self.sheet}" if self.sheet else None,
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column}" if self.column else None,
            ) if p
        )
        shown = "" if self.value is None else f" (value: {self.value!r})"
        return f"{where}: {self.message}{shown}" if where else f"{self.message}{shown}"


def _le(a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        return (df[a] > df[b]).fillna(False).astype(bool)

    return check


def _rule_le(a: str, b: str, vi_a: str, vi_b: str) -> Rule:
    return Rule(
        name=f"{a} <= {b}",
        columns=(a, b),
        text_vi=f"{vi_a} không được lớn hơn {vi_b}",
        text_en=f"{a} must not exceed {b}",
        violations=_le(a, b),
    )


# ---------------------------------------------------------------------------------------------
# Office activity: one row per unit and month.
ACTIVITY = Table(
    name="activity",
    label_vi="Kết quả công tác văn phòng",
    label_en="Office activity",
    key=("unit_code", "month"),
    fields=(
        Field("unit_code", "Mã đơn vị", "Unit code", CODE),
        Field("unit_name", "Tên đơn vị", "Unit name", TEXT, required=False),
        Field("month", "Tháng báo cáo", "Reporting month", MONTH),
        Field("docs_sent", "Văn bản, báo cáo gửi lên Trung ương",
              "Documents and reports sent to the Centre", COUNT),
        Field("docs_sent_network", "Trong đó: gửi qua mạng thông tin diện rộng",
              "Of which sent over the wide-area network", COUNT),
        Field("docs_nonsecret", "Văn bản không mật gửi lên Trung ương",
              "Non-secret documents sent to the Centre", COUNT),
        Field("docs_nonsecret_electronic", "Trong đó: gửi điện tử",
              "Of which sent electronically", COUNT),
        Field("reports_due", "Báo cáo định kỳ phải gửi", "Periodic reports due", COUNT),
        Field("reports_on_time", "Báo cáo định kỳ gửi đúng hạn",
              "Periodic reports submitted on time", COUNT),
        Field("meetings_executive", "Hội nghị Ban Chấp hành phục vụ",
              "Executive committee conferences served", COUNT),
        Field("meetings_standing_committee", "Hội nghị Ban Thường vụ phục vụ",
              "Standing committee meetings served", COUNT),
        Field("meetings_standing_board", "Cuộc họp Thường trực phục vụ",
              "Standing board meetings served", COUNT),
        Field("meetings_cadre_conferences", "Hội nghị cán bộ phục vụ",
              "Cadre conferences served", COUNT),
        Field("programme_planned", "Nội dung chương trình công tác theo kế hoạch",
              "Work-programme items planned", COUNT),
        Field("programme_completed", "Nội dung chương trình công tác đã hoàn thành",
              "Work-programme items completed", COUNT),
        Field("proposals_appraised", "Đề án, dự án đã thẩm định",
              "Project proposals appraised", COUNT),
        Field("citizens_received", "Lượt tiếp công dân", "Citizen visits received", COUNT),
        Field("group_delegations", "Đoàn đông người", "Large-group delegations", COUNT),
        Field("staff_in_post", "Biên chế hiện có", "Staff in post", COUNT, max=STAFF_MAX),
        Field("staff_quota", "Biên chế được giao", "Staff quota", COUNT, max=STAFF_MAX),
        Field("staff_university", "Cán bộ trình độ đại học trở lên",
              "Staff with a university degree or higher", COUNT, max=STAFF_MAX),
        Field("staff_postgraduate", "Trong đó: sau đại học", "Of which postgraduate", COUNT,
              max=STAFF_MAX),
        Field("archive_files", "Hồ sơ nộp lưu", "Files transferred to the archive", COUNT),
        Field("submitted_on", "Ngày gửi báo cáo", "Submission date", DATE),
    ),
    rules=(
        _rule_le("docs_sent_network", "docs_sent", "Số văn bản gửi qua mạng",
                 "số văn bản gửi lên Trung ương"),
        _rule_le("docs_nonsecret", "docs_sent", "Số văn bản không mật",
                 "số văn bản gửi lên Trung ương"),
        _rule_le("docs_nonsecret_electronic", "docs_nonsecret", "Số văn bản không mật gửi điện tử",
                 "số văn bản không mật"),
        _rule_le("reports_on_time", "reports_due", "Số báo cáo đúng hạn",
                 "số báo cáo phải gửi"),
        _rule_le("programme_completed", "programme_planned", "Số nội dung đã hoàn thành",
                 "số nội dung theo kế hoạch"),
        _rule_le("group_delegations", "citizens_received", "Số đoàn đông người",
                 "số lượt tiếp công dân"),
        _rule_le("staff_university", "staff_in_post", "Số cán bộ trình độ đại học",
                 "biên chế hiện có"),
        _rule_le("staff_postgraduate", "staff_university", "Số cán bộ sau đại học",
                 "số cán bộ trình độ đại học trở lên"),
        Rule("submitted_on >= month", ("submitted_on", "month"),
             "Ngày gửi báo cáo không được trước tháng báo cáo",
             "the submission date must not be before the reporting month",
             lambda df: (df["submitted_on"] < df["month"]).fillna(False).astype(bool)),
    ),
)

# ---------------------------------------------------------------------------------------------
# Petition records: one row per petition or letter (đơn, thư).
CHANNELS = ("direct", "post", "online", "transferred")
KINDS = ("complaint", "denunciation", "petition")
TOPICS = ("land", "environment", "cadres", "social_policy", "justice", "other")
STATUSES = ("pending", "in_progress", "transferred", "resolved", "filed")
HANDLED_STATUSES = ("transferred", "resolved", "filed")

CATEGORY_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "channel": {
        "direct": ("Trực tiếp", "In person"), "post": ("Qua bưu điện", "By post"),
        "online": ("Trực tuyến", "Online"), "transferred": ("Cơ quan khác chuyển đến", "Forwarded"),
    },
    "kind": {
        "complaint": ("Khiếu nại", "Complaint"), "denunciation": ("Tố cáo", "Denunciation"),
        "petition": ("Kiến nghị, phản ánh", "Petition or recommendation"),
    },
    "topic": {
        "land": ("Đất đai, thu hồi đất", "Land and land acquisition"),
        "environment": ("Môi trường", "Environment"),
        "cadres": ("Đảng viên, cán bộ", "Party members and cadres"),
        "social_policy": ("Chính sách xã hội", "Social policy"),
        "justice": ("Tư pháp", "Justice"), "other": ("Khác", "Other"),
    },
    "status": {
        "pending": ("Chưa xử lý", "Pending"), "in_progress": ("Đang xử lý", "In progress"),
        "transferred": ("Đã chuyển cơ quan có thẩm quyền", "Transferred to the competent agency"),
        "resolved": ("Đã giải quyết", "Resolved"), "filed": ("Lưu đơn", "Filed"),
    },
}


def category_label(column: str, value: str, lang: str = "vi") -> str:
    """The Vietnamese or English label of a category value."""
    pair = CATEGORY_LABELS.get(column, {}).get(value)
    if pair is None:
        return str(value)
    return pair[0] if lang == "vi" else pair[1]


# Receiving agencies of transferred petitions (the ``transferred_to`` column), as a provincial
# office writes them. Units that are cities under the central government (kind "city") write
# "thành phố" / "Thành ủy" where provinces write "tỉnh" / "Tỉnh ủy". Validity dates: the
# provincial departments of natural resources and of agriculture merged on 1 March 2025
# (Sở Nông nghiệp và Môi trường); district-level people's committees ended on 1 July 2025.
# The form offers the agencies in force during its period; ingest accepts every listed name
# (a petition received before a change may be transferred after it).
@dataclass(frozen=True)
class Agency:
    """One receiving agency: its key (its names are the texts ``agency.<key>`` of
    :mod:`reportkit.core.i18n`), the unit kind it belongs to ("province", "city" or None for
    both) and the days it existed (None: open-ended)."""

    key: str
    kind: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def name(self) -> str:
        """The name offices write (Vietnamese): what the form offers and ingest accepts."""
        return self.label("vi")

    def label(self, lang: str = "vi") -> str:
        """The agency's name in ``lang``."""
        return text(f"agency.{self.key}", lang)

    def in_force(self, first: date, last: date) -> bool:
        """Whether the agency existed on some day between ``first`` and ``last``."""
        return ((self.valid_from is None or self.valid_from <= last)
                and (self.valid_to is None or self.valid_to >= first))


def _both_kinds(province: str, city: str, **kw: Any) -> tuple[Agency, Agency]:
    return Agency(province, "province", **kw), Agency(city, "city", **kw)


_DEPT_MERGER, _DISTRICTS_END = date(2025, 3, 1), date(2025, 7, 1)
AGENCIES: tuple[Agency, ...] = (
    *_both_kinds("committee_province", "committee_city"),
    *_both_kinds("inspection_province", "inspection_city"),
    *_both_kinds("internal_affairs_province", "internal_affairs_city"),
    *_both_kinds("inspectorate_province", "inspectorate_city"),
    *_both_kinds("court_province", "court_city"),
    *_both_kinds("procuracy_province", "procuracy_city"),
    *_both_kinds("police_province", "police_city"),
    Agency("natural_resources", valid_to=_DEPT_MERGER - timedelta(days=1)),
    Agency("agriculture_environment", valid_from=_DEPT_MERGER),
    Agency("construction"),
    Agency("justice"),
    Agency("home_affairs"),
    Agency("district_committees", valid_to=_DISTRICTS_END - timedelta(days=1)),
    Agency("commune_committees"),
)
AGENCY_NAMES: tuple[str, ...] = tuple(dict.fromkeys(a.name for a in AGENCIES))
_AGENCY_BY_NAME = {a.name: a for a in AGENCIES}
NOT_RECORDED = text("agency.not_recorded", "vi")  # a transfer whose agency was left blank


def agency_label(name: str, lang: str = "vi") -> str:
    """A receiving agency's name as written in the data (Vietnamese), in ``lang``: an English
    report names "Sở Tài nguyên và Môi trường" the Department of Natural Resources and
    Environment. A name that is not a listed agency (a row label such as "other agencies") is
    returned as it is."""
    if name == NOT_RECORDED:
        return text("agency.not_recorded", lang)
    agency = _AGENCY_BY_NAME.get(" ".join(str(name).split()))
    return agency.label(lang) if agency else str(name)


def agencies(first: date, last: date, kind: str | None = None) -> list[str]:
    """The agency names in force at some day of ``first``..``last`` for a unit of ``kind``
    ("province" or "city"; None: both), in list order: what a form for that period offers."""
    return list(dict.fromkeys(
        a.name for a in AGENCIES
        if a.in_force(first, last) and (kind is None or a.kind in (None, kind))))


# Personal contact data: checked, stored, never shown.
# CCCD (căn cước công dân): exactly 12 digits, kept as text so leading zeros survive. The old
# 9-digit CMND stopped being valid on 1 January 2025 and is refused.
CCCD_PATTERN = r"\d{12}"
# Phone: digits only, no spaces, dots or dashes (the form's cell validation says so as it is
# typed, and stored numbers then compare equal). A mobile is 10 digits starting with 0; a
# fixed line is 11 digits starting with 02 (area code, since 2017); either may be written
# with +84 instead of the leading 0.
PHONE_PATTERN = r"(?:0|\+84)(?:[1-9]\d{8}|2\d{9})"


def _petition_rules() -> tuple[Rule, ...]:
    def handled_before_received(df: pd.DataFrame) -> pd.Series:
        return (df["handled_on"] < df["received_on"]).fillna(False).astype(bool)

    def updated_before_handled(df: pd.DataFrame) -> pd.Series:
        return (df["result_updated_on"] < df["handled_on"]).fillna(False).astype(bool)

    def handled_without_date(df: pd.DataFrame) -> pd.Series:
        return (df["status"].isin(HANDLED_STATUSES) & df["handled_on"].isna()).astype(bool)

    def pending_with_date(df: pd.DataFrame) -> pd.Series:
        return (df["status"].eq("pending") & df["handled_on"].notna()).astype(bool)

    def transferred_without_agency(df: pd.DataFrame) -> pd.Series:
        agency = df["transferred_to"].fillna("").astype(str).str.strip()
        return (df["status"].eq("transferred") & agency.eq("")).astype(bool)

    return (
        Rule("handled_on >= received_on", ("handled_on", "received_on"),
             "Ngày xử lý không được trước ngày nhận đơn",
             "handled date must not be before the received date", handled_before_received),
        Rule("result_updated_on >= handled_on", ("result_updated_on", "handled_on"),
             "Ngày cập nhật kết quả không được trước ngày xử lý",
             "result update must not be before the handled date", updated_before_handled),
        Rule("handled status needs handled_on", ("status", "handled_on"),
             "Đơn đã xử lý phải có ngày xử lý",
             "a handled petition needs a handled date", handled_without_date),
        Rule("pending has no handled_on", ("status", "handled_on"),
             "Đơn chưa xử lý không được có ngày xử lý",
             "a pending petition cannot have a handled date", pending_with_date),
        Rule("transferred needs agency", ("status", "transferred_to"),
             "Đơn đã chuyển phải ghi cơ quan nhận",
             "a transferred petition needs the receiving agency", transferred_without_agency),
    )


PETITIONS = Table(
    name="petitions",
    label_vi="Đơn, thư",
    label_en="Petitions and letters",
    key=("petition_id",),
    fields=(
        Field("petition_id", "Số hiệu đơn", "Petition id", ID),
        Field("unit_code", "Mã đơn vị", "Unit code", CODE),
        Field("received_on", "Ngày nhận", "Received on", DATE),
        Field("channel", "Hình thức tiếp nhận", "Channel", CATEGORY, categories=CHANNELS),
        Field("kind", "Loại đơn", "Kind", CATEGORY, categories=KINDS),
        Field("topic", "Lĩnh vực", "Topic", CATEGORY, categories=TOPICS),
        Field("is_group", "Đơn đông người", "Group petition", BOOL),
        Field("within_jurisdiction", "Thuộc thẩm quyền", "Within jurisdiction", BOOL),
        Field("status", "Tình trạng xử lý", "Status", CATEGORY, categories=STATUSES),
        Field("handled_on", "Ngày xử lý", "Handled on", DATE, required=False),
        Field("transferred_to", "Cơ quan nhận chuyển", "Transferred to", TEXT, required=False,
              choices=AGENCY_NAMES, choices_rule="listed agency"),
        Field("result_updated_on", "Ngày cập nhật kết quả", "Result last updated on", DATE,
              required=False),
        Field("case_key", "Mã vụ việc", "Case key", ID, required=False),
        Field("petitioner_name", "Họ tên người gửi", "Petitioner's name", TEXT, pii=True),
        Field("petitioner_id", "Số CCCD", "Petitioner's ID number", TEXT, required=False,
              pii=True, pattern=CCCD_PATTERN, pattern_rule="CCCD 12 digits",
              pattern_text=("số CCCD phải gồm đúng 12 chữ số, giữ cả số 0 ở đầu",
                            "a CCCD number is exactly 12 digits, leading zeros kept")),
        Field("petitioner_phone", "Số điện thoại", "Petitioner's phone", TEXT, required=False,
              pii=True, pattern=PHONE_PATTERN, pattern_rule="phone number",
              pattern_text=("số điện thoại: 10 chữ số bắt đầu bằng 0 (máy cố định: 11 chữ số "
                            "bắt đầu bằng 02) hoặc +84 thay cho số 0; chỉ ghi chữ số, không có "
                            "dấu cách, dấu chấm",
                            "phone number: 10 digits starting with 0 (fixed line: 11 digits "
                            "starting with 02), or +84 in place of the 0; digits only, no "
                            "spaces or dots")),
        Field("petitioner_address", "Địa chỉ", "Petitioner's address", TEXT, required=False,
              pii=True),
    ),
    rules=_petition_rules(),
)

TABLES: dict[str, Table] = {t.name: t for t in (ACTIVITY, PETITIONS)}


def table(name: str) -> Table:
    """Look a table up by name."""
    try:
        return TABLES[name]
    except KeyError:
        raise LookupInRegistryError(
            f"No table named {name!r}; available: {', '.join(sorted(TABLES))}"
        ) from None


@dataclass(frozen=True)
class Finding:
    """The rows of a checked frame that break one rule in one column (vectorised form of
    :class:`Problem`). ``positions`` are 0-based positions into the frame."""

    rule: str
    column: str | None
    message: str
    positions: Any  # numpy integer array
    show_value: bool = True


def find_problems(df: pd.DataFrame, tbl: Table | str, *, today: date | None = None,
                  lang: str = "en", scope: tuple[str, ...] = (),
                  skip_required: dict[str, Any] | None = None,
                  stripped: bool = False) -> list[Finding]:
    """Every rule of a contract run over a typed frame, as :class:`Finding` records.

    Args:
        df: typed columns as ingest produces them (counts numeric, dates datetime64).
        tbl: the table or its name.
        today: dates after this day are "in the future" (default: today).
        lang: "vi" or "en" messages.
        scope: extra columns the key must be unique within (e.g. ``("_file",)``: a key may
            repeat across files, not within one).
        skip_required: column → boolean mask of rows not to report as empty (the cell was
            already reported, e.g. it could not be read as a number).
        stripped: text is already stripped and blank cells are NA (as ingest makes them), so
            emptiness is just NA.
    """
    import numpy as np
    import pandas as pd

    t = table(tbl) if isinstance(tbl, str) else tbl
    today = today or date.today()
    skip_required = skip_required or {}
    out: list[Finding] = []

    def add(mask: Any, column: str | None, rule: str, message: str, show: bool = True) -> None:
        pos = np.flatnonzero(np.asarray(mask, dtype=bool))
        if len(pos):
            out.append(Finding(rule, column, message, pos, show and column not in t.pii_columns))

    missing_cols = [f.name for f in t.fields if f.required and f.name not in df.columns]
    for name in missing_cols:
        out.append(Finding("column present", name,
                           text("schema.missing_column", lang, name=name),
                           np.array([], dtype=np.int64), False))
    for f in t.fields:
        if f.name not in df.columns:
            continue
        col = df[f.name]
        if f.required:
            if f.type in (TEXT, ID, CODE, CATEGORY) and not stripped:
                empty = col.isna() | col.astype("string").str.strip().eq("").fillna(True)
            else:
                empty = col.isna()
            empty = empty.to_numpy(dtype=bool, copy=True)
            if f.name in skip_required:
                empty &= ~np.asarray(skip_required[f.name], dtype=bool)
            add(empty, f.name, "required", text("schema.required", lang), show=False)
        if f.type == COUNT:
            num = pd.to_numeric(col, errors="coerce")
            add((num < 0).fillna(False), f.name, "non-negative",
                text("schema.non_negative", lang))
            add((num % 1 != 0).fillna(False) & num.notna(), f.name, "whole number",
                text("schema.whole_number", lang))
            upper = f.upper
            add((num > upper).fillna(False), f.name, "upper bound",
                text("schema.upper_bound", lang, upper=fmt.number(upper, lang)))
        elif f.type == CATEGORY:
            bad = col.notna() & ~col.isin(f.categories)
            add(bad, f.name, "category",
                text("schema.category", lang, values=", ".join(f.categories)))
        elif f.type == CODE:
            bad = col.notna() & ~col.astype("string").str.fullmatch(r"\d{2}").fillna(False)
            add(bad, f.name, "unit code",
                text("schema.unit_code", lang))
        elif f.type in (DATE, MONTH):
            dates = pd.to_datetime(col, errors="coerce")
            add((dates > pd.Timestamp(today)).fillna(False), f.name, "not in the future",
                text("schema.future_date", lang))
        if f.pattern:
            cells = col if stripped else col.astype("string").str.strip()
            bad = cells.notna() & cells.ne("") & ~cells.str.fullmatch(f.pattern).fillna(False)
            add(bad.fillna(False), f.name, f.pattern_rule,
                f.pattern_text[0] if lang == "vi" else f.pattern_text[1]
                or f"must match {f.pattern}")
        if f.choices:
            cells = col if stripped else col.astype("string").str.strip()
            bad = cells.notna() & cells.ne("") & ~cells.isin(f.choices)
            add(bad.fillna(False), f.name, f.choices_rule, _choices_text(f, lang))
    if not missing_cols:
        for rule in t.rules:
            if not all(c in df.columns for c in rule.columns):
                continue
            add(rule.violations(df).to_numpy(dtype=bool), rule.columns[0], rule.name,
                rule.text(lang))
        key = [k for k in t.key if k in df.columns]
        if key:
            cols = [*[c for c in scope if c in df.columns], *key]
            complete = df[key].notna().all(axis=1).to_numpy(dtype=bool)
            dup = df.duplicated(subset=cols, keep="first").to_numpy(dtype=bool) & complete
            add(dup, key[0], "unique key",
                text("schema.duplicate_key", lang, key=", ".join(key)))
    return out


def _choices_text(f: Field, lang: str, shown: int = 4) -> str:
    """"transferred_to: not in the list of 22 agencies (e.g. 'UBND tỉnh', …)"."""
    some = ", ".join(repr(c) for c in f.choices[:shown])
    more = ", …" if len(f.choices) > shown else ""
    return text("schema.not_in_list", lang, name=f.name, label=f.label(lang),
                n=len(f.choices), examples=some + more)


def validate(df: pd.DataFrame, tbl: Table | str, *, today: date | None = None,
             lang: str = "en") -> list[Problem]:
    """Check a typed DataFrame against a contract and return every problem found.

    Expects the column types ingest produces (counts numeric, dates datetime64). Checks
    required values, non-negative whole counts within their upper bound, categories, dates
    not in the future, value patterns, key uniqueness and every cross-field rule. Row numbers
    are DataFrame positions (0-based); callers map them to file rows. Values of personal-data
    fields are never copied.
    """
    t = table(tbl) if isinstance(tbl, str) else tbl
    problems: list[Problem] = []
    for f in find_problems(df, t, today=today, lang=lang):
        if not len(f.positions):
            problems.append(Problem(t.name, f.rule, f.message, column=f.column))
            continue
        values = df[f.column].to_numpy() if f.show_value and f.column else None
        for pos in f.positions:
            problems.append(Problem(t.name, f.rule, f.message, row=int(pos), column=f.column,
                                    value=None if values is None else values[pos]))
    problems.sort(key=lambda p: (-1 if p.row is None else p.row))
    return problems
