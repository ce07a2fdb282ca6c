"""Every Vietnamese and English text of the report pages, in one table keyed by message id.

Why one table: a text written in two places drifts (a heading says one thing in the province
report and another in the petitions report), and an English text added in one branch of an
``if lang == "vi"`` is easily forgotten in the other. Here each message has its id, its
Vietnamese text and its English text side by side; pages ask for ``text(id, lang, **values)``.

Texts are :meth:`str.format` templates with named fields (``"Số liệu từ {start} đến {end}"``):
the values are already formatted for the language (:mod:`reportkit.core.fmt`). A literal brace
is written twice. There is no fallback: every message has both languages (a test checks it), an
unknown id is an error that names the ids closest to it, and so is a missing field.
"""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

from reportkit.errors import ReportkitError, Text

E = TypeVar("E", bound=ReportkitError)

LANGS: tuple[str, ...] = ("vi", "en")

# id: (Vietnamese, English). Ids are "<page or topic>.<what>"; "common." is shared by pages.
T: dict[str, tuple[str, str]] = {
    # -- issuing, signing and bundles (reportkit issue, bundle, verify; rendering.signing)
    "sign.no_p12": ("Không có tệp chứng thư số {path}", "No certificate file at {path}"),
    "sign.bad_p12": (
        "Không mở được chứng thư số {path}: sai mật khẩu, hoặc không phải tệp PKCS#12 "
        "(.p12, .pfx) có khóa bí mật",
        "Cannot open the certificate {path}: wrong password, or not a PKCS#12 file (.p12, .pfx) "
        "with a private key"),
    "sign.stamp": ("Ký số bởi: {name}\nThời gian: {time}",
                   "Digitally signed by: {name}\nTime: {time}"),
    "sign.password_prompt": ("Mật khẩu chứng thư số", "Certificate password"),
    "sign.no_trust_file": ("Không có tệp chứng thư gốc tin cậy {path}",
                           "No trusted root certificate at {path}"),
    "sign.unsigned": ("không có chữ ký số", "has no digital signature"),
    "sign.unreadable": ("không đọc được chữ ký số ({error})",
                        "the signature cannot be read ({error})"),
    "sign.not_intact": (
        "chữ ký số không khớp nội dung: tệp đã bị sửa sau khi ký",
        "the signature does not match the content: the file was changed after signing"),
    "sign.not_valid": ("chữ ký số không hợp lệ", "the signature is not valid"),
    "sign.not_whole_file": (
        "chữ ký số không bao trùm toàn bộ tệp: có nội dung được thêm vào sau khi ký",
        "the signature does not cover the whole file: something was added after signing"),
    "sign.untrusted": (
        "người ký {signer} (chứng thư do {issuer} cấp) không thuộc chứng thư gốc tin cậy",
        "the signer {signer} (certificate issued by {issuer}) does not chain to a trusted root"),
    "sign.other_cert": (
        "được ký bằng chứng thư khác với chứng thư đã ghi khi ban hành ({signer})",
        "signed with another certificate than the one recorded at issue ({signer})"),
    "sign.trust_not_checked": (
        "người ký chưa được đối chiếu với chứng thư gốc tin cậy (cho --trust CA.pem hoặc "
        "${env})",
        "the signer was not checked against a trusted root (give --trust CA.pem or ${env})"),
    "sign.checked": ("{path}: chữ ký số hợp lệ, người ký {signer}",
                     "{path}: signature valid, signed by {signer}"),
    "issue.bad_number": (
        "Số văn bản {number!r} không đúng dạng: ví dụ 12-BC/VPTU (số-tên loại/cơ quan, chữ in "
        "hoa, các nhóm nối bằng gạch ngang)",
        "Document number {number!r} is malformed: e.g. 12-BC/VPTU (number-type/body, capital "
        "letters, groups joined by hyphens)"),
    "issue.bad_signer": ("Thiếu họ tên hoặc chức vụ người ký (--signer-name, --signer-title)",
                         "The signer's name and title are required (--signer-name, "
                         "--signer-title)"),
    "issue.no_draft": ("Không có bản dự thảo {path}: {manifest} không ghi báo cáo {rel}",
                       "No draft at {path}: {manifest} lists no report {rel}"),
    "issue.not_a_draft": ("{rel} là bản đã ban hành, không phải bản dự thảo",
                          "{rel} is an issued copy, not a draft"),
    "issue.draft_failed": (
        "Bản dự thảo {rel} chưa sẵn sàng (lần kết xuất cuối: {status}); kết xuất lại rồi "
        "ban hành",
        "The draft {rel} is not ready (its last rendering: {status}); render it again, then "
        "issue it"),
    "issue.draft_files": (
        "Tệp của bản dự thảo {rel} bị thiếu hoặc đã bị sửa ({problem}); kết xuất lại, xem "
        "lại, rồi ban hành",
        "Files of the draft {rel} are missing or were changed ({problem}); render it again, "
        "review it, then issue it"),
    "issue.changed": (
        "Từ chối ban hành {rel}: đầu vào đã thay đổi từ khi bản dự thảo được kết xuất "
        "(thay đổi: {what}). Kết xuất lại (reportkit run hoặc batch), xem lại bản mới rồi "
        "ban hành bản đó",
        "Refusing to issue {rel}: its inputs changed since the draft was rendered (changed: "
        "{what}). Render it again (reportkit run or batch), review the new draft, then issue "
        "that"),
    "issue.no_parameters": (
        "{name} không ban hành được: ô tham số thiếu {missing} (số, ngày và người ký được in "
        "trong phần đầu và phần chữ ký)",
        "{name} cannot be issued: its parameters cell lacks {missing} (the number, date and "
        "signer are printed in its heading and signature block)"),
    "issue.number_taken": (
        "Số {number} đã được dùng cho {other} (ban hành ngày {date}); mỗi số chỉ dùng một lần",
        "Number {number} is already used by {other} (issued on {date}); a number is used once"),
    "issue.already": (
        "Bản dự thảo {rel} đã được ban hành: số {number} ngày {date}. Bản đã ban hành không "
        "bao giờ bị ghi đè",
        "The draft {rel} was already issued: number {number} on {date}. An issued copy is "
        "never overwritten"),
    "issue.exists": ("{path} đã có; bản đã ban hành không bao giờ bị ghi đè",
                     "{path} exists; an issued copy is never overwritten"),
    "issue.render_failed": ("Không kết xuất được bản ban hành của {rel}: {error}",
                            "The issued copy of {rel} could not be rendered: {error}"),
    "issue.done": ("Đã ban hành số {number} ngày {date}, ký số: {path}",
                   "Issued as {number} on {date}, signed: {path}"),
    "issue.reason": ("Ban hành văn bản số {number}", "Issue of document {number}"),
    "bundle.nothing": (
        "{unit}: không có báo cáo đã ban hành cho kỳ {period}; không tạo gói",
        "{unit}: nothing issued for {period}; no bundle written"),
    "bundle.written": ("{unit}: {n} báo cáo đã ban hành → {path}",
                       "{unit}: {n} issued report(s) → {path}"),
    "bundle.heading": ("Báo cáo đã ban hành — {unit}, {period}",
                       "Issued reports — {unit}, {period}"),
    "bundle.intro": (
        "{n} báo cáo đã ban hành, ký số. Chi tiết từng tệp (sha256) trong {manifest}; người "
        "ký và chứng thư trong {signatures}.",
        "{n} issued report(s), digitally signed. Every file's sha256 is in {manifest}; signers "
        "and certificates in {signatures}."),
    "bundle.header": ("Báo cáo|Số|Ngày ban hành|Người ký|Tệp",
                      "Report|Number|Issued on|Signed by|Files"),
    "bundle.verify_hint": (
        "Kiểm tra ngoại tuyến: reportkit verify <thư mục đã giải nén> --trust <chứng thư gốc>",
        "Check offline: reportkit verify <unzipped folder> --trust <root certificate>"),
    # -- what changed since issue (presentation.figures, rendering.changes, reportkit diff)
    "changes.title": ("Thay đổi so với bản đã ban hành", "Changes since the issued version"),
    "changes.intro": (
        "So với Báo cáo số {number} ngày {date} đã ban hành, dự thảo này có {n} chỉ tiêu "
        "thay đổi số liệu:",
        "Compared with report no. {number} issued on {date}, {n} figure(s) of this draft "
        "changed:"),
    "changes.none": (
        "Số liệu không thay đổi so với Báo cáo số {number} ngày {date} đã ban hành.",
        "No figure changed since report no. {number} issued on {date}."),
    "changes.col.issued": ("Bản đã ban hành ({number})", "Issued ({number})"),
    "changes.col.draft": ("Dự thảo này", "This draft"),
    "changes.note": (
        "Số liệu in như trong báo cáo (số nhỏ hơn 3 được ẩn); phần này chỉ có trong dự thảo.",
        "Figures as the report prints them (counts under 3 hidden); this section appears on "
        "drafts only."),
    "diff.no_figures": (
        "{path}: không có số liệu chính được ghi lại ({rel} được kết xuất bởi phiên bản "
        "reportkit cũ hơn, hoặc notebook không hiển thị số liệu); kết xuất lại để so sánh",
        "{path}: no key figures are recorded ({rel} was rendered by an older reportkit, or its "
        "notebook shows none); render it again to compare"),
    "diff.not_a_report": (
        "{path}: không phải báo cáo ghi trong manifest.json của thư mục kết quả (đưa tệp .html, "
        ".pdf, .docx hoặc .ipynb của một báo cáo)",
        "{path}: not a report listed in an output folder's manifest.json (give the .html, .pdf, "
        ".docx or .ipynb of a report)"),
    "diff.no_issued": (
        "{path}: chưa có bản đã ban hành nào của báo cáo này để so sánh; cho hai tệp",
        "{path}: this report has no issued version to compare with; give two files"),
    "diff.draft": ("Dự thảo, kết xuất {when}", "Draft, rendered {when}"),
    "diff.issued": ("Số {number} ngày {date}", "No. {number} of {date}"),
    "diff.old": ("Cũ", "Old"),
    "diff.new": ("Mới", "New"),
    "diff.other_report": (
        "Lưu ý: hai tệp là hai báo cáo khác nhau ({old} và {new})",
        "Note: the two files are different reports ({old} and {new})"),
    "diff.none": ("Không có thay đổi: {n} chỉ tiêu như nhau.",
                  "No changes: {n} figure(s) the same."),
    "diff.count": ("{n} chỉ tiêu thay đổi.", "{n} figure(s) changed."),
    "figures.province.handled": ("Đơn, thư đã xử lý", "Petitions and letters processed"),
    "figures.quality.expected": ("Báo cáo tháng phải gửi", "Monthly reports expected"),
    "figures.quality.actual": ("Báo cáo tháng đã gửi", "Monthly reports received"),
    "figures.quality.on_time": ("Báo cáo tháng gửi đúng hạn", "Monthly reports on time"),
    "figures.quality.rejected": ("Tệp bị từ chối", "Files rejected"),
    "figures.national.network_docs": ("Văn bản gửi qua mạng diện rộng",
                                      "Documents sent over the network"),
    "catalogue.changed_figures": ("Khác bản số {number}: {changes}",
                                  "Differs from no. {number}: {changes}"),
    "catalogue.changed_more": ("và {n} chỉ tiêu khác", "and {n} more"),
    "catalogue.changed_inputs": (
        "Dữ liệu đầu vào thay đổi sau khi ban hành số {numbers}; số liệu chính không đổi",
        "Inputs changed since no. {numbers} was issued; the key figures are the same"),
    "bundle.no_period": ("Không có {manifest} của kỳ {period} trong {root}",
                         "No {manifest} for {period} in {root}"),
    # -- shared by several pages
    "common.total": ("Tổng số", "Total"),
    "common.unit": ("Đơn vị", "Unit"),
    "common.same_period_last_year": ("Cùng kỳ năm trước", "Same period last year"),
    "common.this_period": ("Kỳ này", "This period"),
    "common.share": ("Tỷ lệ", "Share"),
    "common.exact_figures_banner": (
        "SỐ LIỆU CHÍNH XÁC — CHỈ ĐỂ PHÂN TÍCH, KHÔNG CÔNG BỐ (publish=False)",
        "EXACT FIGURES — FOR ANALYSIS ONLY, NOT FOR PUBLICATION (publish=False)"),
    "common.sample_banner": (
        "DỮ LIỆU MẪU — sample data: số liệu tổng hợp, không phải số liệu thật",
        "DỮ LIỆU MẪU — sample data: synthetic figures, not real data"),
    "common.sample_stamp": ("DỮ LIỆU MẪU — sample data", "DỮ LIỆU MẪU — sample data"),
    # -- period names (core.periods.Period.label); month_en is the English month's name
    "period.month": ("tháng {m}/{y}", "{month_en} {y}"),
    "period.quarter": ("quý {q_roman}/{y}", "Q{q} {y}"),
    "period.half_first": ("6 tháng đầu năm {y}", "first half of {y}"),
    "period.half_second": ("6 tháng cuối năm {y}", "second half of {y}"),
    "period.nine_months": ("9 tháng năm {y}", "first nine months of {y}"),
    "period.year": ("năm {y}", "{y}"),
    "period.term": ("nhiệm kỳ {y} - {y2}", "term {y}–{y2}"),
    "period.range": ("từ {a} đến {b}", "{a} – {b}"),
    # -- a period code that does not parse (core.periods)
    "period.bad": (
        "Không đọc được kỳ báo cáo {code}: {reason}.{did} Các dạng được chấp nhận: {accepted}.",
        "Cannot read period {code}: {reason}.{did} Accepted forms: {accepted}."),
    "period.bad.did_you_mean": (" Có phải là {hint}?", " Did you mean {hint}?"),
    "period.accepted": (
        "2025-07 (tháng), 2025-Q3 (quý), 2025-H1 (6 tháng), 2025-9M (9 tháng), 2025 (năm), "
        "2020-2025 (nhiệm kỳ), 2016-07..2018-12 (khoảng tháng), last-month, last-quarter, "
        "last-half, last-year, this-year-to-date",
        "2025-07 (month), 2025-Q3 (quarter), 2025-H1 (half year), 2025-9M (nine months), "
        "2025 (year), 2020-2025 (term), 2016-07..2018-12 (range of months), last-month, "
        "last-quarter, last-half, last-year, this-year-to-date"),
    "period.bad.not_string": (
        "mã kỳ báo cáo phải là chuỗi ký tự, không phải {type}",
        "a period code must be a string, got {type}"),
    "period.bad.empty": ("mã trống", "it is empty"),
    "period.bad.range_syntax": (
        "một khoảng là hai mã nối bằng '..'",
        "a range is two codes joined by '..'"),
    "period.bad.range_order": (
        "khoảng kết thúc ({end}) trước khi bắt đầu ({start})",
        "the range ends ({end}) before it starts ({start})"),
    "period.bad.month": (
        "tháng phải từ 01 đến 12, không phải {got}",
        "month must be 01-12, got {got}"),
    "period.bad.quarter": (
        "quý phải từ 1 đến 4, không phải {got}",
        "quarter must be 1-4, got {got}"),
    "period.bad.half": (
        "nửa năm phải là 1 hoặc 2, không phải {got}",
        "half must be 1 or 2, got {got}"),
    "period.bad.term": (
        "nhiệm kỳ phải kết thúc sau khi bắt đầu, không phải {y} đến {y2}",
        "a term must end after it starts, got {y} to {y2}"),
    "period.bad.no_year": (
        "thiếu năm (viết ví dụ 2025-Q3)",
        "the year is missing (write e.g. 2025-Q3)"),
    "period.bad.not_code": ("không phải mã kỳ báo cáo", "not a period code"),
    "period.bad.ytd_january": (
        "vào ngày {today} chưa có tháng nào của năm {year} kết thúc; dùng last-year hoặc {last}",
        "no month of {year} is complete on {today}; use last-year or {last}"),
    # -- words on the charts (presentation.charts)
    "chart.target": ("Mục tiêu", "Target"),
    "chart.national": ("Toàn quốc", "National"),
    "chart.median": ("Trung vị các đơn vị", "Median of units"),
    "chart.actual": ("Thực hiện", "Actual"),
    "chart.last_year": ("Cùng kỳ năm trước", "Same period last year"),
    "chart.no_data": ("Không có số liệu", "No data"),
    "chart.rank": ("Hạng {rank}/{n}", "Rank {rank} of {n}"),
    "chart.no_data_for": ("Không có số liệu của {name}.", "No data for {name}."),
    "chart.small_note": (
        "Số lượng dưới {t} được ghi “<{t}”{extra}.",
        "Counts below {t} are shown as “<{t}”{extra}."),
    "chart.small_note.totals_hidden": (
        "; không ghi tổng của dòng có số này",
        "; totals of rows containing them are not shown"),
    "chart.share_of": ("(%): tỷ lệ so với “{first}”.", "(%): share of “{first}”."),
    # -- the numbers of the petitions analysis (analysis.petitions)
    "petitions.stage.received": ("Tiếp nhận", "Received"),
    "petitions.stage.within": ("Thuộc thẩm quyền", "Within jurisdiction"),
    "petitions.stage.outside": ("Không thuộc thẩm quyền", "Outside jurisdiction"),
    "petitions.stage.handled": ("Đã xử lý", "Handled"),
    "petitions.stage.open": ("Chưa xử lý", "Not yet handled"),
    "petitions.stage.handled_here": ("Giải quyết, lưu đơn", "Resolved or filed"),
    "petitions.stage.transferred": (
        "Chuyển cơ quan có thẩm quyền",
        "Transferred to the competent agency"),
    "petitions.stage.result_updated": ("Đã có kết quả", "Result recorded"),
    "petitions.stage.awaiting_result": ("Chưa có kết quả", "No result yet"),
    "petitions.band": ("{band} ngày", "{band} days"),
    # -- the petitions page (presentation.petitions)
    "petitions.topic": ("Lĩnh vực", "Topic"),
    "petitions.item": ("Nội dung", "Item"),
    "petitions.repeat_petitions": ("Đơn gửi nhiều lần", "Repeat petitions"),
    "petitions.some": ("một số", "some"),
    "petitions.fewer_than": ("dưới {n}", "fewer than {n}"),
    "petitions.all_units": ("Toàn quốc", "All units"),
    "petitions.receiving_agency": ("Cơ quan nhận đơn", "Receiving agency"),
    "petitions.earliest_transfer": ("Chuyển sớm nhất", "Earliest transfer"),
    "petitions.change": ("Tăng, giảm", "Change"),
    "petitions.time_since_receipt": ("Thời gian từ khi nhận", "Time since receipt"),
    "petitions.open_petitions": ("Số đơn chưa xử lý", "Open petitions"),
    "petitions.period_end": ("Cuối kỳ", "Period end"),
    "petitions.other_agencies": ("Các cơ quan khác", "Other agencies"),
    "petitions.petition_id": ("Số hiệu đơn", "Petition id"),
    "petitions.received": ("Ngày nhận", "Received"),
    "petitions.transferred": ("Ngày chuyển", "Transferred"),
    "petitions.days_waiting": ("Số ngày chờ", "Days waiting"),
    "petitions.group_petitions": ("đơn đông người", "group petitions"),
    "petitions.case_key": ("Mã vụ việc", "Case key"),
    "petitions.submissions": ("Số lần gửi", "Submissions"),
    "petitions.stage": ("Nội dung", "Stage"),
    "petitions.petitions": ("Số đơn", "Petitions"),
    "petitions.of": ("So với", "Of"),
    "petitions.hidden_counts": ("Số được ẩn", "Hidden counts"),
    "petitions.rise": ("Tăng", "Rise"),
    "petitions.followup.none_waiting": (
        "Đến ngày {end}, mọi đơn đã chuyển cơ quan có thẩm quyền đều đã được cập nhật kết quả.",
        "By {end}, the result of every transferred petition had been recorded."),
    "petitions.who.office": ("{office}", "the {office}"),
    "petitions.flow.rate": (" (tỷ lệ {rate})", " (rate {rate})"),
    "petitions.flow.followup_rate": (" (tỷ lệ {rate})", " ({rate})"),
    "petitions.flow.sentence": (
        "{lead}, {who} tiếp nhận {received} đơn, thư; trong đó {within} đơn thuộc thẩm quyền, "
        "{outside} đơn không thuộc thẩm quyền. Đến ngày {end}, đã xử lý {handled} đơn{rate}, "
        "trong đó chuyển {transferred} đơn đến cơ quan có thẩm quyền; {result_updated} đơn đã "
        "chuyển được cập nhật kết quả{frate}. Còn {open} đơn chưa xử lý.",
        "{lead}, {who} received {received} petitions and letters: {within} within its "
        "jurisdiction and {outside} outside it. By {end}, {handled} had been handled{rate}, "
        "{transferred} of them transferred to the competent agency; the result of "
        "{result_updated} transferred petitions had been recorded{frate}. {open} were not yet "
        "handled."),
    "petitions.backlog.sentence": (
        "Đến ngày {end}, còn {total} đơn chưa xử lý (kể cả đơn nhận từ các kỳ trước), trong đó "
        "{over90} đơn đã quá 90 ngày kể từ ngày nhận.",
        "On {end}, {total} petitions were still not handled (including those received in "
        "earlier periods), {over90} of them more than 90 days after receipt."),
    "petitions.backlog.handling_days": (
        " Đơn nhận trong kỳ và đã xử lý: trung vị {median} ngày từ khi nhận đến khi xử lý; 90% "
        "số đơn được xử lý trong {p90} ngày.",
        " Petitions received in the period and handled: median {median} days from receipt to "
        "handling; 90% were handled within {p90} days."),
    "petitions.backlog.too_few_handled": (
        " Số đơn đã xử lý quá ít để tính thời gian xử lý.",
        " Too few petitions were handled to compute handling times."),
    "petitions.followup.sentence": (
        "Đến ngày {end}, còn {total} đơn đã chuyển cơ quan có thẩm quyền nhưng chưa được cập "
        "nhật kết quả, trong đó {over90} đơn đã quá 90 ngày kể từ ngày chuyển.",
        "On {end}, the result of {total} transferred petitions had not been recorded, {over90} "
        "of them more than 90 days after the transfer."),
    "petitions.followup.list_note": (
        " Danh sách dưới đây chỉ ghi số hiệu đơn và các mốc ngày để đôn đốc.",
        " The list below gives petition ids and dates only, for chasing."),
    "petitions.hotspots.part": (
        "{name}: {cur} đơn, {trend} đơn so với cùng kỳ",
        "{name}: {cur}, {trend} on last year"),
    "petitions.repeats.sentence": (
        "Trong số đơn nhận trong kỳ, {repeats} đơn là đơn gửi lại vụ việc đã gửi trước đó "
        "({cases} vụ việc); {many} vụ việc đã gửi từ {times} lần trở lên. Đơn được nhận diện "
        "là cùng vụ việc theo mã vụ việc; báo cáo không ghi thông tin về người gửi.",
        "Of the petitions received in the period, {repeats} concerned a case submitted before "
        "({cases} cases); {many} cases have been submitted {times} times or more. Submissions "
        "are matched on the case key; nothing about the petitioner is shown."),
    "petitions.followup.caption_national": (
        "Số ngày tính từ ngày chuyển đơn đến cuối kỳ; xếp theo số đơn quá 90 ngày. ",
        "Days from the transfer to the period end; most waiting over 90 days first. "),
    "petitions.followup.caption": (
        "Số ngày tính từ ngày chuyển đơn đến cuối kỳ; xếp theo đơn chờ lâu nhất. ",
        "Days from the transfer to the period end; oldest waiting first. "),
    "petitions.overdue.first_n": (" ({n} đơn đầu danh sách)", " (first {n})"),
    "petitions.change_pct": ("Tỷ lệ tăng, giảm", "Change (%)"),
    "petitions.group_petitions_label": ("Đơn đông người", "Group petitions"),
    "petitions.repeats.first_received": ("Lần đầu", "First"),
    "petitions.repeats.last_received": ("Gần nhất", "Latest"),
    "petitions.flow.chart_title": ("Tiếp nhận và xử lý đơn, thư", "Petitions received and handled"),
    "petitions.hotspots.part_hidden": (
        "{name}: {cur} đơn (cùng kỳ {ly})",
        "{name}: {cur} (last year {ly})"),
    "petitions.rising.change_pct": ("Tỷ lệ", "Change (%)"),
    "petitions.title": ("TIẾP CÔNG DÂN, XỬ LÝ ĐƠN, THƯ", "CITIZEN RECEPTION AND PETITIONS"),
    "petitions.window": ("Số liệu từ {start} đến {end}", "Figures from {start} to {end}"),
    "petitions.flow.title": ("Tiếp nhận, xử lý đơn, thư", "Petitions received and handled"),
    "petitions.backlog.title": ("Đơn tồn đọng, thời gian xử lý", "Backlog and handling time"),
    "petitions.followup.title": (
        "Theo dõi kết quả giải quyết đơn đã chuyển",
        "Following up transferred petitions"),
    "petitions.overdue.lead": (
        "Đơn chờ kết quả quá {days} ngày, lâu nhất trước",
        "Petitions waiting over {days} days, longest first"),
    "petitions.hotspots.delegations": (
        "Tiếp {d_cur} đoàn đông người (cùng kỳ năm trước {d_ly}).",
        "{d_cur} large-group delegations were received (same period last year {d_ly})."),
    "petitions.hotspots.title": (
        "Lĩnh vực nổi cộm, đơn đông người",
        "Hotspots: topics and group petitions"),
    "petitions.method.title": ("Ghi chú về số liệu", "About the figures"),
    "petitions.who.national": ("các văn phòng cấp ủy", "the Party committee offices"),
    "petitions.window.decree09": (
        " (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP).",
        " (reporting period under Decree 09/2019)."),
    "petitions.flow.chart_note": (
        "Tỷ lệ so với nhóm cấp trên: số đơn tiếp nhận; “Giải quyết, lưu đơn” và “Chuyển cơ "
        "quan có thẩm quyền” so với số đơn đã xử lý; “Đã có kết quả”, “Chưa có kết quả” so với "
        "số đơn đã chuyển.",
        "Shares are of the stage above: received; “Resolved or filed” and “Transferred” of "
        "handled; “Result recorded” and “No result yet” of transferred."),
    "petitions.hotspots.chart_note": (
        "Nhãn: số đơn kỳ này (tăng, giảm so với cùng kỳ). Đơn đông người thuộc mọi lĩnh vực.",
        "Labels: this period (change on last year). Group petitions are of any topic."),
    "petitions.repeats.none": (
        "Trong kỳ không có đơn gửi lại vụ việc đã gửi trước đó (đối chiếu theo mã vụ việc).",
        "No petition received in the period concerned a case submitted before (matched on the "
        "case key)."),
    "petitions.repeats.lead": (
        "Vụ việc gửi đơn từ {times} lần trở lên (nhiều lần nhất trước)",
        "Cases submitted {times} times or more (most first)"),
    "petitions.method.decree09": (
        "từ ngày 15 tháng trước đến ngày 14 tháng cuối kỳ (Nghị định 09/2019)",
        "the 15th of the month before to the 14th (Decree 09/2019)"),
    "petitions.method.calendar": ("theo tháng dương lịch", "calendar months"),
    "petitions.method.period": (
        "Kỳ báo cáo tính {rule}. Đơn “đã xử lý” là đơn có ngày xử lý đến hết kỳ; đơn “chưa xử "
        "lý” cuối kỳ gồm cả đơn nhận từ các kỳ trước.",
        "The period runs over {rule}. A petition is handled when its handling date is on or "
        "before the period end; open petitions include those received earlier."),
    "petitions.hotspots.lead": (
        "So với cùng kỳ năm trước, ",
        "Against the same period last year, "),
    "petitions.rising.lead": (
        "Các đơn vị có số đơn tăng nhiều nhất so với cùng kỳ",
        "Units where petitions rose most on last year"),
    "petitions.delegations.lead": (
        "Các đơn vị tiếp nhiều đoàn đông người nhất",
        "Units receiving the most large-group delegations"),
    "petitions.method.exact": (
        "Chế độ phân tích: số liệu chính xác, không dùng để công bố.",
        "Analysis mode: exact figures, not for publication."),
    "petitions.limitation.followup": (
        "Việc theo dõi, đôn đốc, cập nhật kết quả giải quyết đơn, thư đã chuyển cơ quan có "
        "thẩm quyền chưa chặt chẽ: còn {a90} đơn quá 90 ngày chưa có kết quả.",
        "Following up petitions transferred to the competent agencies is incomplete: the "
        "result of {a90} has not been recorded after 90 days."),
    "petitions.limitation.backlog": (
        "Còn {o90} đơn tồn đọng quá 90 ngày.",
        "{o90} petitions have been open for over 90 days."),
    "petitions.limitation.repeats": (
        "Có {cases} vụ việc gửi đơn từ {times} lần trở lên.",
        "{cases} cases have been submitted {times} times or more."),
    "petitions.crowd.group_petitions": (
        "Đơn đông người (mọi lĩnh vực)",
        "Group petitions (any topic)"),
    "petitions.crowd.delegations": ("Đoàn đông người đến tiếp", "Large-group delegations"),
    "petitions.hotspots.chart_title": (
        "Đơn, thư theo lĩnh vực so với cùng kỳ năm trước",
        "Petitions by topic against the same period last year"),
    "petitions.method.hidden_not_drawn": (
        " Biểu đồ không vẽ các số được ẩn.",
        " Charts do not draw hidden numbers."),
    "petitions.limitation.topic_rise": (
        "Đơn về {name} {ch} đơn so với cùng kỳ năm trước; cần giải quyết kịp thời tại cơ sở, "
        "không để phát sinh khiếu kiện đông người, vượt cấp.",
        "Petitions on {name} are {ch} on last year; they need to be dealt with locally in "
        "time, before they grow into group delegations to the Centre."),
    "petitions.limitation.group_rise": (
        "Đơn đông người {ch} đơn so với cùng kỳ năm trước.",
        "Group petitions are {ch} on last year."),
    "petitions.backlog.chart_title": (
        "Đơn chưa xử lý đến cuối kỳ, theo thời gian từ khi nhận",
        "Petitions open at the period end, by time since receipt"),
    "petitions.backlog.trend_chart_title": (
        "Đơn chưa xử lý cuối mỗi kỳ",
        "Open petitions at each period end"),
    # -- province, national and data-quality pages (presentation.report)
    "report.key_figures": ("Số liệu chính", "Key figures"),
    "report.indicator": ("Chỉ tiêu", "Indicator"),
    "report.appendix_all_units": ("Phụ lục: số liệu các đơn vị", "Appendix: all units"),
    "report.units_ranked": ("Xếp hạng các đơn vị", "Units ranked"),
    "report.distribution": ("Phân bố", "Distribution"),
    "report.national_over_time": ("Toàn quốc qua các kỳ", "National over time"),
    "report.view": ("Xem", "View"),
    "report.none": ("Không có.", "None."),
    "report.receiving_agency": ("Cơ quan nhận", "Receiving agency"),
    "report.transferred": ("Đơn đã chuyển", "Transferred"),
    "report.result_recorded": ("Đã cập nhật kết quả", "Result recorded"),
    "report.item": ("Chỉ tiêu", "Item"),
    "report.people": ("Số người", "People"),
    "report.rank": ("Hạng", "Rank"),
    "report.previous": ("Kỳ trước", "Previous"),
    "report.change": ("Thay đổi", "Change"),
    "report.code": ("Mã", "Code"),
    "report.docs_sent": ("Văn bản gửi", "Docs sent"),
    "report.over_network": ("Qua mạng", "Over network"),
    "report.petitions": ("Đơn, thư", "Petitions"),
    "report.processed": ("Đã xử lý", "Processed"),
    "report.on_time": ("Đúng hạn", "On time"),
    "report.national": ("Toàn quốc", "National"),
    "report.expected": ("Phải gửi", "Expected"),
    "report.received": ("Đã gửi", "Received"),
    "report.reporting_rate": ("Tỷ lệ báo cáo", "Reporting rate"),
    "report.timeliness": ("Tỷ lệ đúng hạn", "Timeliness"),
    "report.last_year": ("Cùng kỳ", "Last year"),
    "report.meeting": ("Loại hội nghị", "Meeting"),
    "report.file": ("Tệp", "File"),
    "report.units": ("Đơn vị", "Units"),
    "report.problems": ("Số lỗi", "Problems"),
    "report.reasons": ("Lý do", "Reasons"),
    "report.resubmitted": ("Đã gửi lại", "Resubmitted"),
    "report.month": ("Tháng", "Month"),
    "report.value": ("Giá trị", "Value"),
    "report.24_month_median": ("Trung vị 24 tháng", "24-month median"),
    "report.all_units": ("so sánh các đơn vị", "all units"),
    "report.yes": ("có", "yes"),
    "report.no": ("chưa", "no"),
    "report.report": ("BÁO CÁO", "REPORT"),
    "report.heading.province": ("TỈNH ỦY {name}", "TỈNH ỦY {name}"),
    "report.heading.city": ("THÀNH ỦY {name}", "THÀNH ỦY {name}"),
    "report.heading.office": ("VĂN PHÒNG", "VĂN PHÒNG"),
    "report.heading.number": ("Số {number}", "No. {number}"),
    "report.heading.party": ("ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG CỘNG SẢN VIỆT NAM"),
    "report.heading.central": ("BAN CHẤP HÀNH TRUNG ƯƠNG", "Central Party Office"),
    "report.province.title": ("BÁO CÁO", "REPORT"),
    "report.province.subtitle": (
        "Kết quả công tác văn phòng cấp ủy {period}",
        "Work of the Party committee office, {period}"),
    "report.national.title": ("BÁO CÁO", "NATIONAL SUMMARY"),
    "report.national.subtitle": (
        "Tổng hợp kết quả công tác văn phòng tỉnh ủy, thành ủy {period}",
        "Work of the provincial Party committee offices, {period}"),
    "report.merger_note": (
        "Số liệu trước ngày 01/7/2025 của {unit} là tổng số liệu của các tỉnh, thành phố trước "
        "sắp xếp: {names}.",
        "Figures before 1 July 2025 for {unit} are the sums of the units it was formed from: "
        "{names}."),
    "report.national.overview": (
        "{Label}, {units} văn phòng tỉnh ủy, thành ủy đã gửi {docs} văn bản, báo cáo, trong đó "
        "có {net} văn bản gửi qua mạng thông tin diện rộng ({net_share}); tiếp nhận "
        "{petitions} đơn, thư; số đơn, thư đã xử lý trong toàn quốc đạt bình quân {rate}; "
        "{full}.",
        "In {label}, {units} provincial Party committee offices sent {docs} documents and "
        "reports, {net} of them over the wide-area network ({net_share}); they received "
        "{petitions} petitions and letters; the average processing rate was {rate}; {full}."),
    "report.national.full_some": (
        "có {n} địa phương tỷ lệ giải quyết đơn, thư đạt 100%",
        "{n} units processed 100%"),
    "report.national.full_none": (
        "chưa có địa phương nào giải quyết hết 100% đơn, thư; cao nhất là {best} ({rate})",
        "no unit processed 100%; the highest was {best} ({rate})"),
    "report.national.full_none_sentence": (
        "Trong kỳ chưa có địa phương nào xử lý hết 100% đơn, thư; cao nhất là {best} ({rate}).",
        "No unit processed all its petitions and letters this period; the highest was {best} "
        "({rate})."),
    "report.national.full_list": ("{n} địa phương: {names}.", "{n} units: {names}."),
    "report.national.card.best_processing": (
        "Tỷ lệ xử lý cao nhất ({unit})",
        "Highest processing rate ({unit})"),
    "report.national.all_equal": (
        "Cả {n} đơn vị có số liệu đều đạt {value}.",
        "All {n} units with data are at {value}."),
    "report.national.all_equal_unchanged": (
        "Cả {n} đơn vị có số liệu đều đạt {value}, không thay đổi so với kỳ trước.",
        "All {n} units with data are at {value}, unchanged since the previous period."),
    "report.national.none_changed": (
        "Không đơn vị nào thay đổi so với kỳ trước.",
        "No unit changed since the previous period."),
    "report.national.figure_mean": (
        "Toàn quốc: {value} (bình quân tỷ lệ của các đơn vị).",
        "National: {value} (mean of unit rates)."),
    "report.national.figure_total": (
        "Toàn quốc: {value} (tính trên tổng số).",
        "National: {value} (from national totals)."),
    "report.rank_long": ("Xếp hạng", "Rank"),
    "report.national_word": ("toàn quốc", "national"),
    "report.incomplete.head": ("Số liệu chưa đầy đủ: ", "Incomplete data: "),
    "report.appendix.title": ("Phụ lục: các chỉ tiêu", "Appendix: indicators"),
    "report.appendix.note": (
        "Xếp hạng 1 là tốt nhất trong các đơn vị có số liệu. Tỷ lệ tính từ tổng tử số và mẫu "
        "số; riêng tỷ lệ xử lý đơn, thư toàn quốc là bình quân tỷ lệ của các đơn vị.",
        "Rank 1 is the best among units with data. Ratios are computed from summed numerators "
        "and denominators; the national petition processing rate is the mean of the units' "
        "rates."),
    "report.explorers.title": ("Khám phá số liệu", "Explore the figures"),
    # -- the Word draft (rendering.docx)
    "docx.draft_note": (
        "Bản dự thảo (Word) do reportkit tạo từ báo cáo; kiểm tra, sửa trước khi ban hành.",
        "Draft (Word) made by reportkit from the report; check and edit before issuing."),
    "docx.interactive": (
        "(Phần tương tác: chọn chỉ tiêu và xem biểu đồ trong bản HTML của báo cáo.)",
        "(Interactive: choose an indicator and see its chart in the HTML version of the "
        "report.)"),
    "docx.chart_in_html": (
        "(Biểu đồ “{title}”: xem trong bản HTML hoặc PDF của báo cáo.)",
        "(Chart “{title}”: see the HTML or PDF version of the report.)"),
    "docx.number_prefix": ("Số", "No."),
    "docx.number_office": ("Số       -BC/VPTU", "No.       -BC/VPTU"),
    "docx.number_central": ("Số       -BC/VPTW", "No.       -BC/VPTW"),
    "docx.recipients": ("Nơi nhận:", "Recipients:"),
    "docx.recipients_list": (
        "- ......................................,\n- ......................................,\n"
        "- Lưu Văn phòng.",
        "- ......................................,\n- ......................................,\n"
        "- Office archive."),
    "docx.signer_title": ("CHÁNH VĂN PHÒNG", "CHIEF OF OFFICE"),
    "docx.signer_name": ("(Họ và tên)", "(Full name)"),
    "report.explorers.over_time": (
        "Diễn biến của chỉ tiêu được chọn qua các kỳ:",
        "The chosen indicator over time:"),
    "report.explorers.compared": ("So sánh với các đơn vị khác:", "Compared with the other units:"),
    "report.national.full_processing_title": (
        "Các địa phương xử lý 100% đơn, thư",
        "Units that processed 100%"),
    "report.quality.subtitle": ("Tình hình gửi số liệu {period}", "Data submissions, {period}"),
    "report.quality.overview": (
        "Trong kỳ, các đơn vị phải gửi {expected} báo cáo tháng; đã nhận {actual} báo cáo (tỷ "
        "lệ báo cáo {reporting_rate}), trong đó {on_time} báo cáo đúng hạn trong {days} ngày "
        "sau khi kết thúc tháng (tỷ lệ đúng hạn {timeliness}).",
        "Units owed {expected} monthly reports for the period; {actual} arrived (reporting "
        "rate {reporting_rate}), {on_time} of them within {days} days of the month's end "
        "(timeliness {timeliness})."),
    "report.quality.submissions_title": (
        "Tỷ lệ báo cáo và đúng hạn của các đơn vị",
        "Reporting rate and timeliness by unit"),
    "report.quality.units_caption": (
        "Xếp từ đơn vị có tỷ lệ đúng hạn thấp nhất.",
        "Lowest timeliness first."),
    "report.quality.rejections_title": ("Tệp bị từ chối và lý do", "Rejected files and why"),
    "report.quality.outliers_title": (
        "Số liệu bất thường so với lịch sử của đơn vị",
        "Figures unusual for the unit's own history"),
    "report.quality.outliers_intro": (
        "Số văn bản gửi lên Trung ương trong tháng lệch xa so với 24 tháng trước của chính đơn "
        "vị (|z| > 3,5, z-score bền vững); cần kiểm tra lại trước khi sử dụng.",
        "Documents sent in a month far from the unit's previous 24 months (robust z-score "
        "beyond 3.5); check before use."),
    "report.incomplete.units": (
        "{complete}/{n_units} đơn vị gửi đủ báo cáo (chưa đủ: {names}); số liệu toàn quốc và "
        "xếp hạng có thể thay đổi",
        "{complete} of {n_units} units sent every report (incomplete: {names}); national "
        "figures and ranks may change"),
    "report.national.movers_caption": (
        "Các đơn vị thay đổi nhiều nhất so với kỳ trước (điểm phần trăm).",
        "Largest changes since the previous period (percentage points)."),
    "report.quality.no_rejections": (
        "Không có tệp nào bị từ chối trong kỳ.",
        "No file was rejected for this period."),
    "report.quality.no_outliers": (
        "Không phát hiện số liệu bất thường.",
        "No unusual figure found."),
    "report.incomplete.unit": (
        "{name} mới gửi {got}/{exp} báo cáo tháng của kỳ",
        "{name} sent {got} of {exp} monthly reports for the period"),
    "report.province.card_change": (" so với cùng kỳ", " on last year"),
    "report.limitations.none": (
        "Không phát hiện hạn chế nổi bật từ các chỉ tiêu.",
        "The indicators show no notable weakness."),
    "report.staffing.quota": ("Biên chế được giao", "Staff quota"),
    "report.staffing.in_post": ("Biên chế hiện có", "Staff in post"),
    "report.staffing.university": ("Trình độ đại học trở lên", "University degree or higher"),
    "report.national.card.docs": (
        "Văn bản, báo cáo gửi lên Trung ương",
        "Documents sent to the Centre"),
    "report.national.card.network": (
        "Trong đó gửi qua mạng diện rộng",
        "Of which over the network"),
    "report.national.card.petitions": ("Đơn, thư tiếp nhận", "Petitions and letters received"),
    "report.national.card.processing": (
        "Tỷ lệ xử lý đơn, thư (bình quân)",
        "Average processing rate"),
    "report.national.card.full_processing": (
        "Địa phương xử lý 100% đơn, thư",
        "Units at 100% processing"),
    "report.national.card.reporting": ("Đơn vị có báo cáo", "Units reporting"),
    "report.quality.chart_title": ("Tỷ lệ báo cáo đúng hạn, {period}", "Reports on time, {period}"),
    "report.province.composition_title": (
        "Đơn, thư theo lĩnh vực và loại đơn",
        "Petitions by topic and kind"),
    # -- sentences written from indicators (presentation.narrative)
    "narrative.in_period.month": ("Trong tháng", "During the month"),
    "narrative.in_period.quarter": ("Trong quý", "During the quarter"),
    "narrative.in_period.half": ("Trong 6 tháng", "During the half-year"),
    "narrative.in_period.9m": ("Trong 9 tháng", "During the nine months"),
    "narrative.in_period.year": ("Trong năm", "During the year"),
    "narrative.in_period.term": ("Trong nhiệm kỳ", "During the term"),
    "narrative.in_period.range": ("Trong kỳ báo cáo", "During the reporting period"),
    "narrative.title.advising": (
        "Công tác tham mưu, thực hiện chương trình công tác",
        "Advising and the work programme"),
    "narrative.title.information": ("Công tác thông tin, báo cáo", "Information and reporting"),
    "narrative.title.meetings": ("Công tác phục vụ hội nghị", "Serving meetings"),
    "narrative.title.petitions": (
        "Công tác tiếp công dân, xử lý đơn, thư",
        "Citizen reception and petitions"),
    "narrative.title.archives": (
        "Công tác hành chính, văn thư, lưu trữ",
        "Administration and archives"),
    "narrative.title.staffing": ("Công tác tổ chức, cán bộ", "Staffing"),
    "narrative.title.limitations": ("Hạn chế", "Limitations"),
    "narrative.vs_last_year": (
        ", {change} so với cùng kỳ năm trước",
        ", {change} on the same period last year"),
    "narrative.information.sent": (
        "{lead}, {office} đã gửi {docs} văn bản, báo cáo lên Trung ương, trong đó {net} văn "
        "bản ({net_share}) gửi qua mạng thông tin diện rộng{vs}. ",
        "{lead}, the {office} sent {docs} documents and reports to the Centre, of which {net} "
        "({net_share}) went over the wide-area network{vs}. "),
    "narrative.information.electronic_met": (
        "Tỷ lệ văn bản không mật gửi điện tử đạt {share} (đạt mục tiêu 100%). ",
        "{share} of non-secret documents were sent electronically (target of 100% met). "),
    "narrative.information.electronic": (
        "Tỷ lệ văn bản không mật gửi điện tử đạt {share} (mục tiêu 100%). ",
        "{share} of non-secret documents were sent electronically (target 100%). "),
    "narrative.information.on_time": (
        "Gửi đúng hạn {on_time}/{due} báo cáo định kỳ ({share}).",
        "{on_time} of {due} periodic reports were submitted on time ({share})."),
    "narrative.advising": (
        "{lead}, {office} đã tham mưu hoàn thành {done}/{items} nội dung chương trình công tác "
        "({share}){vs}.",
        "{lead}, the {office} completed {done} of {items} work-programme items ({share}){vs}."),
    "narrative.meetings": (
        "{lead}, {office} đã phục vụ {meetings} hội nghị, cuộc họp của Ban Chấp hành, Ban "
        "Thường vụ, Thường trực và hội nghị cán bộ{vs}.",
        "{lead}, the {office} served {meetings} conferences and meetings of the executive "
        "committee, standing committee, standing board and cadre conferences{vs}."),
    "narrative.petitions.citizens": (
        "{lead}, {office} đã tiếp {citizens} lượt công dân",
        "{lead}, the {office} received {citizens} citizen visits"),
    "narrative.petitions.groups": (
        ", trong đó {groups} đoàn đông người",
        ", including {groups} large-group delegations"),
    "narrative.petitions.received": (
        "; tiếp nhận {received} đơn, thư{vs}, đã xử lý {processed} đơn, thư ({share}). ",
        "; it took in {received} petitions and letters{vs} and processed {processed} ({share}). "),
    "narrative.petitions.received_count": (
        "; tiếp nhận {received} đơn, thư{vs}, đã xử lý {processed} đơn, thư. ",
        "; it took in {received} petitions and letters{vs} and processed {processed}. "),
    "narrative.petitions.followup_count": (
        "Trong số {transferred} đơn đã chuyển cơ quan có thẩm quyền, {updated} đơn "
        "đã được cập nhật kết quả giải quyết. ",
        "Of {transferred} petitions transferred to the competent agency, {updated} "
        "have a recorded result. "),
    "narrative.petitions.followup": (
        "Trong số {transferred} đơn đã chuyển cơ quan có thẩm quyền, {updated} đơn ({share}) "
        "đã được cập nhật kết quả giải quyết. ",
        "Of {transferred} petitions transferred to the competent agency, {updated} ({share}) "
        "have a recorded result. "),
    "narrative.petitions.backlog": (
        "Cuối kỳ còn {backlog} đơn tồn đọng quá 90 ngày.",
        "At the end of the period {backlog} petitions were open for over 90 days."),
    "narrative.archives": (
        "{lead}, {office} đã tiếp nhận {files} hồ sơ nộp lưu vào kho lưu trữ{vs}.",
        "{lead}, {files} files were transferred to the archive{vs}."),
    "narrative.staffing": (
        "Cuối kỳ, {office} có {in_post} biên chế/{quota} biên chế được giao ({share}); "
        "{university} cán bộ, công chức có trình độ đại học trở lên.",
        "At the end of the period the {office} had {in_post} staff in post against a quota of "
        "{quota} ({share}); {university} hold a university degree or higher."),
    "narrative.limitation.verb": ("đạt", "was"),
    "narrative.limitation.below_target": (
        "chưa đạt mục tiêu {target}",
        "below the target of {target}"),
    "narrative.limitation.bottom_rank": (
        "xếp thứ {rank}/{n_units}, thuộc nhóm thấp nhất cả nước",
        "ranked {rank} of {n_units}, among the lowest in the country"),
    "narrative.limitation.followup": (
        "Còn {missing} đơn đã chuyển cơ quan có thẩm quyền nhưng chưa được theo dõi, cập nhật "
        "kết quả giải quyết.",
        "{missing} petitions transferred to the competent agency still have no recorded result."),
    "narrative.limitation.worse": (
        "{ch} so với cùng kỳ năm trước",
        "{ch} on the same period last year"),
    # -- the analysts' dashboard (presentation.dashboard)
    "dashboard.before_1_july_2025_the": (
        "Trước ngày 01/7/2025: tổng số liệu của {names}.",
        "Before 1 July 2025: the sum of {names}."),
    "dashboard.fewer_than_number_not_shown": (
        "“<{t}”: dưới {t} (không ghi số cụ thể).",
        "“<{t}”: fewer than {t} (number not shown)."),
    "dashboard.also_hidden_so_that_a": (
        "“{mark}”: ẩn thêm để không suy ra được số dưới {t}.",
        "“{mark}”: also hidden, so that a count under {t} cannot be worked out."),
    "dashboard.not_shown_as_it_rests": (
        "“{mark}”: không hiển thị vì tính từ dưới {t} người, đơn.",
        "“{mark}”: not shown, as it rests on fewer than {t} people or petitions."),
    "dashboard.unit": ("Đơn vị", "Unit"),
    "dashboard.period": ("Kỳ", "Period"),
    "dashboard.indicator": ("Chỉ tiêu", "Indicator"),
    "dashboard.this": ("Kỳ này", "This period"),
    "dashboard.previous": ("Kỳ trước", "Previous period"),
    "dashboard.last_year": ("Cùng kỳ năm trước", "Same period last year"),
    "dashboard.national": ("Toàn quốc", "National"),
    "dashboard.value": ("Giá trị", "Value"),
    "dashboard.busy": ("Đang tính…", "Computing…"),
    "dashboard.rank": ("Xếp hạng", "Rank"),
    "dashboard.target": ("Mục tiêu", "Target"),
    "dashboard.met": ("đạt", "met"),
    "dashboard.not_met": ("chưa đạt", "not met"),
    "dashboard.all_units": ("so sánh các đơn vị", "all units"),
    "dashboard.error": ("Không vẽ được bảng điều khiển", "The dashboard could not be drawn"),
    "dashboard.part.received": ("Đơn, thư tiếp nhận", "Petitions received"),
    "dashboard.part.handled": ("Đơn, thư đã xử lý", "Petitions handled"),
    "dashboard.part.transferred": ("Đơn đã chuyển cơ quan có thẩm quyền", "Petitions transferred"),
    "dashboard.part.transferred_updated": (
        "Trong đó: đã cập nhật kết quả",
        "Of which with a result update"),
    "dashboard.part.meetings_total": ("Hội nghị, cuộc họp phục vụ", "Meetings served"),
    "dashboard.part.median_days": ("Số ngày xử lý (trung vị)", "Median days to handle"),
    "dashboard.part.backlog": ("Đơn tồn đọng quá {n} ngày", "Open petitions over {n} days"),
    "dashboard.small_note.unit": ("{unit}: không hiển thị. ", "{unit}: not shown. "),
    "dashboard.small_note.units": (
        "{own}{units} đơn vị không hiển thị vì số liệu tính từ dưới {t} người, đơn.",
        "{own}{units} units not shown: their figure rests on fewer than {t} people or petitions."),
    "dashboard.small_note.values": (
        "Không hiển thị giá trị tính từ dưới {t} người, đơn.",
        "Values resting on fewer than {t} people or petitions are not shown."),
    # -- problems ingest reports (intake.messages, readers, validation, loading)
    "ingest.empty": ("tệp rỗng", "the file is empty"),
    "ingest.too_big": (
        "tệp dung lượng {size}, vượt giới hạn {limit}",
        "the file is {size}, more than the limit of {limit}"),
    "ingest.too_many_rows": (
        "tệp có hơn {limit:,} dòng (giới hạn)",
        "the file has more than {limit:,} rows (the limit)"),
    "ingest.too_many_cells": (
        "sổ tính có hơn {limit:,} ô (giới hạn)",
        "the workbook has more than {limit:,} cells (the limit)"),
    "ingest.too_many_cols": (
        "có dữ liệu ở cột thứ {n}, vượt giới hạn {limit} cột",
        "data in column {n}, beyond the limit of {limit} columns"),
    "ingest.csv_is_zip": (
        "tệp .csv này thực ra là tệp Excel (ZIP): đổi đuôi thành .xlsx",
        "this .csv file is really an Excel workbook (ZIP): rename it to .xlsx"),
    "ingest.ole": (
        "tệp Excel 97-2003 (.xls) cũ: mở bằng Excel và lưu lại dạng .xlsx",
        "an old Excel 97-2003 (.xls) file: open it in Excel and save it as .xlsx"),
    "ingest.pdf": ("tệp PDF, không phải bảng dữ liệu", "a PDF document, not a spreadsheet"),
    "ingest.html": (
        "tệp HTML (trang web), không phải bảng dữ liệu",
        "an HTML page, not a spreadsheet or CSV"),
    "ingest.binary": ("tệp nhị phân, không phải văn bản CSV", "binary data, not a CSV text file"),
    "ingest.xlsx_is_text": (
        "tệp .xlsx này thực ra là tệp văn bản (CSV): đổi đuôi thành .csv",
        "this .xlsx file is really a text (CSV) file: rename it to .csv"),
    "ingest.bad_zip": (
        "tệp .xlsx bị hỏng hoặc không đầy đủ (không phải tệp ZIP hợp lệ)",
        "damaged or truncated: not a valid .xlsx (ZIP) file"),
    "ingest.zip_not_excel": (
        "tệp ZIP nhưng không phải sổ tính Excel",
        "a ZIP archive but not an Excel workbook"),
    "ingest.zip_members": (
        "tệp .xlsx có {n} thành phần (giới hạn {limit})",
        "the .xlsx holds {n} parts (the limit is {limit})"),
    "ingest.zip_ratio": (
        "thành phần {name} giãn nở {ratio:,.0f} lần (giới hạn {limit:,.0f}): từ chối vì có "
        "thể là bom ZIP",
        "part {name} would expand {ratio:,.0f} times (limit {limit:,.0f}): refused as a "
        "possible ZIP bomb"),
    "ingest.zip_size": (
        "giải nén ra {size} (giới hạn {limit}): từ chối vì có thể là bom ZIP",
        "it would expand to {size} (limit {limit}): refused as a possible ZIP bomb"),
    "ingest.xml_dtd": (
        "thành phần XML {name} khai báo DTD/thực thể (có thể là bom XML): từ chối",
        "XML part {name} declares a DTD or entities (possible XML bomb): refused"),
    "ingest.encoding": (
        "không giải mã được văn bản: hãy lưu tệp dạng CSV UTF-8",
        "cannot decode the text: save the file as CSV UTF-8"),
    "ingest.unsupported": (
        "loại tệp {suffix} không được hỗ trợ: gửi tệp .xlsx hoặc .csv",
        "unsupported file type {suffix!r}: send .xlsx or .csv"),
    "ingest.read_error": ("không đọc được tệp ({error})", "cannot read the file ({error})"),
    "ingest.no_header": (
        "không tìm thấy dòng tiêu đề: cần các cột như {examples}",
        "no header row found: expected column headers such as {examples}"),
    "ingest.no_data_sheet": (
        "không trang tính nào có các cột tiêu đề cần thiết (các trang: {sheets})",
        "no sheet has the expected column headers (sheets: {sheets})"),
    "ingest.hidden_only": (
        "dữ liệu nằm ở trang tính ẩn {name!r}: hãy bỏ ẩn trang",
        "the data is on the hidden sheet {name!r}: unhide it"),
    "ingest.no_rows": (
        "tệp có tiêu đề nhưng không có dòng dữ liệu",
        "the file has headers but no data rows"),
    "ingest.missing_col": ("thiếu cột {label} ({name})", "missing column {label} ({name})"),
    "ingest.did_you_mean": ("; có phải là cột {header!r}?", "; is it the column {header!r}?"),
    "ingest.unknown_col": ("cột không có trong mẫu: {header!r}", "unknown column {header!r}"),
    "ingest.suggest_col": ("; có phải là {label} ({name})?", "; did you mean {label} ({name})?"),
    "ingest.unnamed_col": (
        "cột {letter} có dữ liệu nhưng không có tiêu đề",
        "column {letter} has data but no header"),
    "ingest.dup_col": (
        "cột {name} xuất hiện hai lần (cột {a} và {b})",
        "column {name} appears twice (columns {a} and {b})"),
    "ingest.ragged": (
        "dòng có {n} ô, dòng tiêu đề có {m}",
        "the row has {n} cells, the header has {m}"),
    "ingest.row_order": (
        "các dòng của trang tính không theo thứ tự (dòng {n} sau dòng {prev}): hãy mở tệp "
        "bằng Excel và lưu lại",
        "the sheet stores its rows out of order (row {n} after row {prev}): open and save the "
        "file in Excel"),
    "ingest.formula": (
        "công thức chưa có giá trị lưu sẵn: hãy mở tệp bằng Excel và lưu lại",
        "formula without a saved value: open and save the file in Excel"),
    "ingest.merged": (
        "các ô {ref} bị gộp qua nhiều cột: bỏ gộp và nhập mỗi ô một giá trị",
        "cells {ref} are merged across columns: unmerge them and enter one value per cell"),
    "ingest.not_number": ("không phải là số", "not a number"),
    "ingest.excel_error": (
        "giá trị lỗi của Excel: sửa công thức",
        "an Excel error value: fix the formula"),
    "ingest.not_date": (
        "không phải ngày (dùng YYYY-MM-DD hoặc DD/MM/YYYY)",
        "not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
    "ingest.not_month": (
        "không phải tháng (dùng YYYY-MM hoặc MM/YYYY)",
        "not a month (use YYYY-MM or MM/YYYY)"),
    "ingest.not_bool": ("không phải Có/Không", "not yes/no (Có/Không)"),
    "ingest.required_count": (
        "bắt buộc nhập (ghi 0 nếu không có)",
        "a value is required (write 0 if there were none)"),
    "ingest.row_empty": (
        "{n} ô bắt buộc để trống ({columns})",
        "{n} required cells are empty ({columns})"),
    "ingest.unit_mismatch": (
        "tên đơn vị {name!r} là {other} (mã {other_code}) vào ngày {when}, khác mã đơn vị {code}",
        "unit name {name!r} is {other} (code {other_code}) on {when}, not unit code {code}"),
    "ingest.form_unit": (
        "đơn vị của dòng ({code}) khác đơn vị của biểu mẫu ({unit}, mã {form_code}; {source})",
        "the row's unit ({code}) is not the form's unit ({unit}, code {form_code}; {source})"),
    "ingest.outside_period": (
        "{when} nằm ngoài kỳ báo cáo của biểu mẫu {period} ({label}; {source})",
        "{when} is outside the form's period {period} ({label}; {source})"),
    "ingest.bad_period": (
        "kỳ báo cáo {text!r} của biểu mẫu không hợp lệ (ví dụ 2025-Q3)",
        "the form's period {text!r} is not a period code (e.g. 2025-Q3)"),
    "ingest.dup_id_call": (
        "số hiệu đơn trùng với đơn của đơn vị khác ({others})",
        "petition id also used by another unit ({others})"),
    "ingest.dup_id_wh": (
        "số hiệu đơn đã có trong kho dữ liệu cho đơn vị {others}",
        "petition id already loaded for unit {others}"),
    "ingest.more": ("… và {n} lỗi khác không liệt kê", "… and {n} more problem(s) not listed"),
    "ingest.merged_into": (
        "{unit} đã được hợp nhất vào {successor} từ ngày {when}",
        "{unit} was merged into {successor} on {when}"),
    "ingest.no_unit": ("không có đơn vị {text!r}", "no unit {text!r}"),
    "ingest.unit_gone": (
        "đơn vị {unit} không tồn tại vào ngày {when}",
        "unit {unit} did not exist on {when}"),
    "ingest.not_regular": (
        "không phải tệp thông thường ({kind}): không đọc, không sao chép; hãy gửi chính tệp "
        ".csv hoặc .xlsx",
        "not a regular file ({kind}): not read and not copied; send the .csv or .xlsx file itself"),
    "ingest.kind_symlink": ("liên kết tượng trưng", "a symbolic link"),
    "ingest.kind_fifo": ("đường ống có tên (FIFO)", "a named pipe (FIFO)"),
    "ingest.kind_device": ("tệp thiết bị", "a device"),
    "ingest.kind_socket": ("socket", "a socket"),
    "ingest.kind_folder": ("thư mục", "a folder"),
    "ingest.kind_other": ("loại đặc biệt", "a special file"),
    "ingest.unexpected": (
        "lỗi không lường trước khi {stage} ({error}); tệp được cách ly, các tệp khác vẫn được "
        "xử lý",
        "unexpected failure while {stage} ({error}); this file is quarantined, the other "
        "files go on"),
    "ingest.stage_read": ("đọc tệp", "reading the file"),
    "ingest.stage_validate": ("kiểm tra dữ liệu", "checking the data"),
    "ingest.stage_write": ("ghi vào kho dữ liệu", "writing to the warehouse"),
    "ingest.ignored_suffix": (
        "bỏ qua: không phải tệp .csv hoặc .xlsx",
        "ignored: not a .csv or .xlsx file"),
    "ingest.ignored_hidden": ("bỏ qua: tệp hoặc thư mục ẩn", "ignored: a hidden file or folder"),
    "ingest.ignored_lock": ("bỏ qua: tệp khóa của Excel (~$)", "ignored: an Excel lock file (~$)"),
    "ingest.ignored_special": (
        "bỏ qua: không phải tệp thông thường ({kind})",
        "ignored: not a regular file ({kind})"),
    # -- rule texts of the data contracts (core.schema.find_problems)
    "schema.missing_column": ("thiếu cột {name}", "missing column {name}"),
    "schema.required": ("bắt buộc nhập", "a value is required"),
    "schema.non_negative": ("không được là số âm", "must not be negative"),
    "schema.whole_number": ("phải là số nguyên", "must be a whole number"),
    "schema.upper_bound": ("không được lớn hơn {upper}", "must not exceed {upper}"),
    "schema.category": ("phải là một trong: {values}", "must be one of: {values}"),
    "schema.unit_code": ("mã đơn vị gồm 2 chữ số", "a unit code is two digits"),
    "schema.future_date": ("ngày ở tương lai", "date is in the future"),
    "schema.duplicate_key": ("trùng khóa {key}", "duplicate key {key}"),
    "schema.not_in_list": (
        "{name} ({label}): không có trong danh mục {n} giá trị (ví dụ: {examples}); chọn "
        "trong danh sách của biểu mẫu",
        "{name} ({label}): not in the list of {n} accepted values (e.g. {examples}); pick one "
        "from the form's dropdown"),
    # -- names of units and offices (core.units)
    "unit.day": ("{d}/{m}/{y}", "{d} {month_en} {y}"),
    "unit.with_code": ("{name} (mã {code})", "{name} (code {code})"),
    "unit.merged": (
        "{old} đã được hợp nhất vào {new} từ ngày {when}",
        "{old} was merged into {new} on {when}"),
    "unit.not_before_merger": (
        "{unit} không tồn tại trước ngày {when}",
        "{unit} did not exist before {when}"),
    "unit.recorded_from": (
        "{unit} chỉ có số liệu từ ngày {when}",
        "{unit} is only recorded from {when}"),
    "unit.unknown_name": ("Không có đơn vị tên {name}{hint}", "No unit named {name}{hint}"),
    "unit.did_you_mean": ("; có phải: {names}?", "; did you mean: {names}?"),
    "unit.unknown_code": ("Không có đơn vị mã {code}", "No unit with code {code}"),
    "units.office.province": (
        "Văn phòng Tỉnh ủy {name}",
        "Office of the {name} Provincial Party Committee"),
    "units.office.city": (
        "Văn phòng Thành ủy {name}",
        "Office of the {name} City Party Committee"),
    "units.office.central": ("Văn phòng Trung ương Đảng", "Central Party Office"),
    "units.national": ("Toàn quốc", "National"),
    # -- where ingest found a value, and how it words its outcomes (intake)
    "ingest.where.file": ("theo tên tệp", "from the file name"),
    "ingest.where.cell": ("ô {cell}", "cell {cell}"),
    "ingest.unit_suggestions": ("; có phải: {names}?", "; did you mean: {names}?"),
    "ingest.outcome.rows": ("{n} dòng", "{n} rows"),
    "ingest.outcome.replacing": (
        "; {scope}: {old} → {new} dòng, thay {prev}",
        "; {scope}: {old} → {new} rows, replacing {prev}"),
    "ingest.outcome.problems": ("{n} lỗi: {first}", "{n} problem(s): {first}"),
    "ingest.problems.head": ("{path}: bị từ chối, {n} lỗi", "{path}: rejected, {n} problem(s)"),
    "ingest.problems.sheet": ("trang {sheet!r}", "sheet {sheet!r}"),
    "ingest.problems.row": ("dòng {row}", "row {row}"),
    "ingest.problems.column": ("cột {column}", "column {column}"),
    "ingest.problems.value": (" (giá trị: {value!r})", " (value: {value!r})"),
    "ingest.problems.more": ("  … và {n} lỗi khác", "  … and {n} more"),
    "ingest.problems.report": ("  báo cáo: {path}", "  report: {path}"),
    # -- titles of the rendered reports, by notebook (rendering.runner.report_title)
    "report.title.province_report": (
        "Báo cáo kết quả công tác văn phòng cấp ủy",
        "Party committee office report"),
    "report.title.national_summary": (
        "Tổng hợp kết quả công tác văn phòng tỉnh ủy, thành ủy",
        "National summary of the provincial offices"),
    "report.title.petitions": ("Tình hình tiếp nhận, xử lý đơn, thư", "Petitions and letters"),
    "report.title.data_quality": ("Tình hình gửi số liệu", "Data quality"),
    # -- the XLSX submission form (intake.forms); a form shows both languages at once
    "form.title_activity": (
        "BÁO CÁO KẾT QUẢ CÔNG TÁC VĂN PHÒNG CẤP ỦY",
        "OFFICE ACTIVITY REPORT"),
    "form.title_petitions": ("SỔ THEO DÕI ĐƠN, THƯ", "PETITION AND LETTER RECORDS"),
    "form.where.province": ("TỈNH {name}", "{name} PROVINCE"),
    "form.where.city": ("THÀNH PHỐ {name}", "{name} CITY"),
    "form.unit": ("Đơn vị", "Unit"),
    "form.code": ("Mã đơn vị", "Unit code"),
    "form.period": ("Kỳ báo cáo", "Period"),
    "form.hint": (
        "Nhập số liệu vào các ô màu trắng; ô màu xám đã điền sẵn và bị khóa.",
        "Enter figures in the white cells; grey cells are pre-filled and locked."),
    "form.sheet_activity": ("Báo cáo", "Report"),
    "form.sheet_petitions": ("Đơn thư", "Petitions"),
    "form.sheet_help": ("Hướng dẫn", "Instructions"),
    "form.sheet_lists": ("Danh mục", "Lists"),
    "form.whole": ("Nhập số nguyên từ 0 đến {max}.", "Enter a whole number from 0 to {max}."),
    "form.date": ("Nhập ngày (dd/mm/yyyy).", "Enter a date (dd/mm/yyyy)."),
    "form.pick": ("Chọn một giá trị trong danh sách.", "Pick a value from the list."),
    "form.bad": ("Giá trị không hợp lệ", "Invalid value"),
    "form.agency": (
        "Chọn cơ quan nhận chuyển trong danh sách.",
        "Pick the receiving agency from the list."),
    "form.cccd_title": ("Số CCCD", "CCCD number"),
    "form.cccd": (
        "Số căn cước công dân: đúng 12 chữ số, giữ cả số 0 ở đầu; không dấu cách.",
        "Citizen ID (CCCD): exactly 12 digits, leading zeros kept; no spaces."),
    "form.phone_title": ("Số điện thoại", "Phone number"),
    "form.phone": (
        "Di động 10 chữ số bắt đầu bằng 0 (máy bàn 11 chữ số bắt đầu bằng 02), hoặc +84 thay "
        "cho số 0; chỉ ghi chữ số, không dấu cách, dấu chấm.",
        "Mobile: 10 digits starting with 0 (fixed line: 11 digits starting with 02), or +84 in "
        "place of the 0; digits only, no spaces or dots."),
    "form.page": ("Trang &P/&N", "Page &P of &N"),
    "form.yes": ("Có", "Yes"),
    "form.no": ("Không", "No"),
    "form.help.0": ("HƯỚNG DẪN ĐIỀN BIỂU MẪU", "HOW TO FILL IN THIS FORM"),
    "form.help.1": (
        "1. Đơn vị và kỳ báo cáo đã được điền sẵn và khóa; không sửa, không đổi tên trang tính.",
        "1. The unit and the period are pre-filled and locked; do not change them or rename "
        "sheets."),
    "form.help.2": (
        "2. Trang «Báo cáo»: mỗi dòng là một tháng. Nhập số nguyên từ 0 trở lên (ghi 0 nếu "
        "không có), không để trống, không ghi chữ.",
        "2. 'Report' sheet: one row per month. Enter whole numbers, 0 or more (write 0 if there "
        "were none); no blanks, no text."),
    "form.help.3": (
        "3. Trang «Đơn thư»: mỗi dòng một đơn, thư; chọn các giá trị phân loại trong danh sách; "
        "ngày ghi dd/mm/yyyy. Nhiều hơn {rows} đơn: dùng tệp CSV mẫu kèm theo.",
        "3. 'Petitions' sheet: one row per petition or letter; pick categories from the lists; "
        "dates as dd/mm/yyyy. More than {rows} petitions: use the CSV template instead."),
    "form.help.4": (
        "4. Không dùng công thức; nếu có, hãy mở tệp bằng Excel và lưu lại trước khi gửi.",
        "4. No formulas; if there are any, open the file in Excel and save it before sending."),
    "form.help.5": (
        "5. Gửi lại tệp đã sửa cho cùng đơn vị và kỳ sẽ thay thế số liệu đã gửi (có ghi vết).",
        "5. Sending a corrected file for the same unit and period replaces the earlier figures "
        "(the replacement is logged)."),
    "form.help.6": (
        "6. Thông tin cá nhân của người gửi đơn chỉ dùng để quản lý, không đưa vào báo cáo.",
        "6. Petitioners' personal data is kept for case management and never shown in "
        "reports."),
    "form.help.col.column": ("Cột", "Column"),
    "form.help.col.other_lang": ("Column (English)", "Cột (tiếng Việt)"),
    "form.help.col.field": ("Tên trường", "Field name"),
    "form.help.col.required": ("Bắt buộc", "Required"),
    "form.help.col.rules": ("Quy tắc", "Rules"),
    "form.help.required": ("có", "yes"),
    "form.rule.count": ("số nguyên ≥ 0", "whole number ≥ 0"),
    "form.rule.date": ("ngày dd/mm/yyyy, không ở tương lai", "date dd/mm/yyyy, not in the future"),
    "form.rule.month": ("tháng YYYY-MM", "month YYYY-MM"),
    "form.rule.bool": ("Có / Không", "Yes / No"),
    "form.rule.pii": (
        "thông tin cá nhân, không đưa vào báo cáo",
        "personal data, never shown in reports"),
    "form.rule.code": ("mã 2 chữ số", "two-digit code"),
    "form.rule.agency": (
        "chọn trong danh sách cơ quan (trang «Danh mục»)",
        "pick from the list of agencies (the 'Lists' sheet)"),
    # -- changes written in words (core.fmt.change)
    "fmt.unchanged": ("không thay đổi", "unchanged"),
    "fmt.up": ("tăng {size}", "up {size}"),
    "fmt.down": ("giảm {size}", "down {size}"),
    # -- the command's own messages (cli); "cli.usage.*" reword click's refusals
    "cli.error": ("lỗi", "error"),
    "cli.could_not_run": ("không chạy được: {error}", "could not run: {error}"),
    "cli.usage.missing_option": ("thiếu tùy chọn {option}", "missing option {option}"),
    "cli.usage.bad_value": (
        "giá trị không hợp lệ cho {option}: {reason}",
        "invalid value for {option}: {reason}"),
    "cli.usage.not_whole": ("{value!r} không phải số nguyên", "{value!r} is not a whole number"),
    "cli.usage.not_positive": (
        "phải là số nguyên từ 1 trở lên, không phải {value}",
        "must be a whole number of at least 1, not {value}"),
    "cli.usage.no_such_option": (
        "không có tùy chọn {option}.{hint}",
        "no such option {option}.{hint}"),
    "cli.usage.help": ("Xem '{command} -h' để biết cách dùng.", "Try '{command} -h' for help."),
    "cli.ingest.no_files": (
        "không có tệp .csv hoặc .xlsx nào trong {paths}",
        "no .csv or .xlsx files in {paths}"),
    "cli.ingest.loaded": ("đã nạp", "loaded"),
    "cli.ingest.would_load": ("sẽ nạp", "would load"),
    "cli.ingest.changed": (
        ", {n} dòng thay bằng số liệu mới",
        ", {n} row(s) replaced with new figures"),
    "cli.ingest.summary": (
        "{verb} {loaded} tệp ({rows} dòng), từ chối {rejected}, bỏ qua {skipped} không đổi, "
        "{ignored} không phải .csv/.xlsx{changed}, trong {seconds}s",
        "{verb} {loaded} file(s) ({rows} rows), rejected {rejected}, skipped {skipped} "
        "unchanged, ignored {ignored} not .csv/.xlsx{changed}, in {seconds}s"),
    "cli.no_warehouse_data": (
        "kho dữ liệu {root} chưa có số liệu: hãy chạy `reportkit ingest` trước",
        "no data in the warehouse at {root}: run `reportkit ingest` first"),
    "cli.no_data_for_period": (
        "chưa có số liệu nào được gửi cho kỳ {period}",
        "no data was submitted for {period}"),
    "cli.summary.full_processing": ("Đơn vị xử lý 100% đơn, thư", "Units at 100%"),
    "cli.run.needs_unit": (
        "{notebook} là báo cáo của một đơn vị: hãy cho --unit (ví dụ --unit {example})",
        "{notebook} is a report on one unit: give --unit (e.g. --unit {example})"),
    "cli.run.param_syntax": (
        "--param nhận TÊN=GIÁ_TRỊ, không phải {item}",
        "--param takes NAME=VALUE, got {item}"),
    "cli.run.failed": (
        "{error}\n  notebook lỗi được giữ tại {ipynb}",
        "{error}\n  failed notebook kept at {ipynb}"),
    "cli.run.done": ("xong trong {seconds}s", "done in {seconds}s"),
    "cli.run.no_notebook": (
        "không có notebook {path}.{hint} Các notebook có: {listing}",
        "no notebook at {path}.{hint} Notebooks: {listing}"),
    "cli.run.did_you_mean": (" Có phải là {name}?", " Did you mean {name}?"),
    "cli.run.none_found": ("không có", "none found"),
    # -- notebook parameters refused before any kernel starts (rendering.runner)
    "params.bad": (
        "Tham số không hợp lệ cho {notebook}: {problems}",
        "Bad parameters for {notebook}: {problems}"),
    "params.unknown": (
        "tham số không có trong notebook: {names}; {notebook} nhận: {takes}",
        "unknown parameter(s) {names}; {notebook} takes: {takes}"),
    "params.nothing": ("không tham số nào", "nothing"),
    "params.missing": (
        "thiếu {name} (giá trị mặc định là None)",
        "missing {name} (its default is None)"),
    "params.marking": (
        "độ mật phải là một trong {markings}, không phải {got}",
        "marking must be one of {markings}, got {got}"),
    # -- the warehouse missing or empty (store.warehouse, batch.plan)
    "warehouse.missing": (
        "Không có kho dữ liệu tại {root}: hãy chạy `reportkit ingest` trước",
        "No warehouse at {root}: run `reportkit ingest` first"),
    "warehouse.missing_batch": (
        "Không có kho dữ liệu tại {root}: hãy chạy `reportkit ingest` trước, hoặc cho "
        "--warehouse (hoặc $REPORTKIT_WAREHOUSE)",
        "No warehouse at {root}: run `reportkit ingest` first, or give --warehouse (or "
        "$REPORTKIT_WAREHOUSE)"),
    "warehouse.empty": (
        "Kho dữ liệu tại {root} chưa có số liệu: hãy chạy `reportkit ingest` trước",
        "The warehouse at {root} holds no data: run `reportkit ingest` first"),
    # -- a schedule that is wrong (batch.plan.load_schedule); every problem is listed
    "schedule.bad": ("Lịch {path}: {problems}", "Schedule {path}: {problems}"),
    "schedule.not_mapping": (
        "Lịch {path} phải là một danh sách khóa: giá trị",
        "Schedule {path} must be a mapping of keys"),
    "schedule.unknown_keys": (
        "khóa không hợp lệ {names}; lịch nhận: {takes}",
        "unknown key(s) {names}; a schedule takes: {takes}"),
    "schedule.no_notebooks": (
        "hãy cho notebook cần chạy: notebooks: [notebooks/x.ipynb]",
        "give the notebook(s) to run: notebooks: [notebooks/x.ipynb]"),
    "schedule.notebook_item": (
        "notebooks[{i}]: cần một đường dẫn hoặc một mục có 'path', không phải {got}",
        "notebooks[{i}]: a path or a mapping with 'path', got {got}"),
    "schedule.notebook_keys": (
        "notebooks[{i}]: khóa không hợp lệ {names}; nhận {takes}",
        "notebooks[{i}]: unknown key(s) {names}; takes {takes}"),
    "schedule.notebook_params": (
        "notebooks[{i}].params phải là danh sách khóa: giá trị",
        "notebooks[{i}].params must be a mapping"),
    "schedule.notebook_outside": (
        "notebooks[{i}]: {path} nằm ngoài {folder}; lịch chỉ được nêu các notebook của dự án "
        "(--notebooks DIR cho phép thêm thư mục khác)",
        "notebooks[{i}]: {path} is outside {folder}; a schedule may only name the project's "
        "notebooks (--notebooks DIR allows another folder)"),
    "schedule.periods": (
        "kỳ báo cáo phải là chữ như 2025-Q3 hoặc last-quarter (số phải để trong nháy: '2025')",
        "period(s) must be text such as 2025-Q3 or last-quarter (quote numbers: '2025')"),
    "schedule.every": (
        "every phải là một trong {every}, không phải {got}",
        "every must be one of {every}, got {got}"),
    "schedule.formats": (
        "formats phải là danh sách gồm html, pdf, docx; không phải {got}",
        "formats must be a list of html, pdf, docx; got {got}"),
    "schedule.lang": (
        "lang phải là một trong {langs}, không phải {got}",
        "lang must be one of {langs}, got {got}"),
    "schedule.params": (
        "params phải là danh sách tham số của notebook (khóa: giá trị)",
        "params must be a mapping of notebook parameters"),
    "schedule.timeouts": (
        "timeouts nhận cell và job, là số giây nguyên > 0",
        "timeouts takes cell and job, in whole seconds > 0"),
    "schedule.limits": (
        "limits nhận kernel_memory_mb và output_mb, là số nguyên > 0",
        "limits takes kernel_memory_mb and output_mb, whole numbers > 0"),
    "schedule.warm": ("warm phải là danh sách tên module", "warm must be a list of module names"),
    "schedule.workers": (
        "workers phải là số nguyên >= 1, không phải {got}",
        "workers must be a whole number >= 1, got {got}"),
    "schedule.out": ("out phải là đường dẫn thư mục", "out must be a folder path"),
    "schedule.unit_codes_text": (
        "{where}: mã đơn vị phải là chữ (để trong nháy: '01', không phải 01); nhận được {got}",
        "{where}: unit codes must be text (quote them: '01', not 01); got {got}"),
    "schedule.units": (
        "{where}: units phải là {sets} hoặc danh sách mã/tên đơn vị, không phải {got}",
        "{where}: units must be {sets} or a list of codes/names, got {got}"),
    # -- a batch that cannot be planned (batch.plan.plan_batch)
    "plan.unsafe_out": (
        "Từ chối ghi báo cáo vào {folder}: hãy cho một thư mục riêng cho báo cáo (--out hoặc "
        "out: của lịch)",
        "Refusing to write reports into {folder}: give an output folder of its own (--out or "
        "the schedule's out:)"),
    "plan.out_in_warehouse": (
        "Từ chối ghi báo cáo vào kho dữ liệu ({folder}): hãy cho thư mục khác",
        "Refusing to write reports into the warehouse ({folder}): give another output folder"),
    "plan.no_period": (
        "chưa có kỳ báo cáo: hãy cho period: trong lịch hoặc --period",
        "no period: give period: in the schedule or --period"),
    "plan.not_begun": (
        "kỳ {period} chưa bắt đầu (hôm nay là {today})",
        "{period} has not begun (today is {today})"),
    "plan.no_data": (
        "chưa có số liệu nào được gửi cho kỳ {period}",
        "no data was submitted for {period}"),
    "plan.nothing_to_report": (
        "Không có gì để báo cáo: {problems} (--allow-empty vẫn cho kết xuất)",
        "Nothing to report: {problems} (--allow-empty renders it anyway)"),
    "plan.cannot_plan": (
        "Không lập được kế hoạch chạy: {problems}",
        "Cannot plan the batch: {problems}"),
    "plan.bad_jobs": (
        "{n} báo cáo có tham số không hợp lệ; không báo cáo nào được chạy:{lines}",
        "{n} job(s) have bad parameters; nothing was run:{lines}"),
    "plan.bad_job": (
        "{problem} [{n} báo cáo, ví dụ {example}]",
        "{problem} [{n} job(s), e.g. {example}]"),
    "plan.bad_jobs.more": ("\n  … và {n} lỗi khác", "\n  … and {n} more"),
    "plan.two_jobs": (
        "hai báo cáo cùng ghi {key} với đầu vào khác nhau (hai notebook cùng tên {name}?)",
        "two jobs write {key} with different inputs (two notebooks named {name}?)"),
    # -- receiving agencies of transferred petitions (core.schema.AGENCIES); the Vietnamese
    # -- name is what offices write, on the form and in the data
    "agency.committee_province": ("UBND tỉnh", "Provincial People's Committee"),
    "agency.committee_city": ("UBND thành phố", "City People's Committee"),
    "agency.inspection_province": (
        "Ủy ban Kiểm tra Tỉnh ủy",
        "Inspection Commission of the Provincial Party Committee"),
    "agency.inspection_city": (
        "Ủy ban Kiểm tra Thành ủy",
        "Inspection Commission of the City Party Committee"),
    "agency.internal_affairs_province": (
        "Ban Nội chính Tỉnh ủy",
        "Internal Affairs Commission of the Provincial Party Committee"),
    "agency.internal_affairs_city": (
        "Ban Nội chính Thành ủy",
        "Internal Affairs Commission of the City Party Committee"),
    "agency.inspectorate_province": ("Thanh tra tỉnh", "Provincial Inspectorate"),
    "agency.inspectorate_city": ("Thanh tra thành phố", "City Inspectorate"),
    "agency.court_province": ("Tòa án nhân dân tỉnh", "Provincial People's Court"),
    "agency.court_city": ("Tòa án nhân dân thành phố", "City People's Court"),
    "agency.procuracy_province": ("Viện Kiểm sát nhân dân tỉnh", "Provincial People's Procuracy"),
    "agency.procuracy_city": ("Viện Kiểm sát nhân dân thành phố", "City People's Procuracy"),
    "agency.police_province": ("Công an tỉnh", "Provincial Police"),
    "agency.police_city": ("Công an thành phố", "City Police"),
    "agency.natural_resources": (
        "Sở Tài nguyên và Môi trường",
        "Department of Natural Resources and Environment"),
    "agency.agriculture_environment": (
        "Sở Nông nghiệp và Môi trường",
        "Department of Agriculture and Environment"),
    "agency.construction": ("Sở Xây dựng", "Department of Construction"),
    "agency.justice": ("Sở Tư pháp", "Department of Justice"),
    "agency.home_affairs": ("Sở Nội vụ", "Department of Home Affairs"),
    "agency.district_committees": ("UBND cấp huyện", "District People's Committees"),
    "agency.commune_committees": ("UBND cấp xã", "Commune People's Committees"),
    "agency.not_recorded": ("(không ghi)", "(not recorded)"),
    # -- the official document form (presentation.official): number line, closing blocks
    "official.number": ("Số {number}-{symbol}", "No. {number}-{symbol}"),
    "official.recipients": ("Nơi nhận:", "Recipients:"),
    "official.signature": ("Chữ ký", "Signature"),
    # The usual texts of the closing blocks (params/units.yaml) in English, for an English
    # report whose settings give no `en:` (presentation/official.standard_english). T/L
    # "thừa lệnh" is by order of, T/M "thay mặt" on behalf of, K/T "ký thay" signed for.
    "official.std.chief": ("CHÁNH VĂN PHÒNG", "CHIEF OF THE OFFICE"),
    "official.std.deputy": ("PHÓ CHÁNH VĂN PHÒNG", "DEPUTY CHIEF OF THE OFFICE"),
    "official.std.by_order_standing": ("T/L BAN THƯỜNG VỤ",
                                       "BY ORDER OF THE STANDING COMMITTEE"),
    "official.std.for_standing": ("T/M BAN THƯỜNG VỤ", "ON BEHALF OF THE STANDING COMMITTEE"),
    "official.std.signed_for_chief": ("K/T CHÁNH VĂN PHÒNG", "FOR THE CHIEF OF THE OFFICE"),
    "official.std.central_office_report": ("Văn phòng Trung ương Đảng (để báo cáo)",
                                           "Central Party Office (for reporting)"),
    "official.std.standing_report": ("Thường trực cấp ủy (để báo cáo)",
                                     "Standing members of the Party committee (for reporting)"),
    "official.std.office_files": ("Lưu Văn phòng", "Office files"),
    "official.std.central_leaders": ("Các đồng chí lãnh đạo Văn phòng Trung ương Đảng",
                                     "Leaders of the Central Party Office"),
    "official.std.provincial_offices": (
        "Văn phòng các tỉnh ủy, thành ủy",
        "Offices of the provincial and municipal Party committees"),
    "official.std.central_files": ("Lưu Văn phòng Trung ương Đảng",
                                   "Central Party Office files"),
    # Markings (core/markings.py): given in Vietnamese, printed in the report's language.
    # The state-secret grades of the Law on Protection of State Secrets (2018) in their usual
    # English: Mật confidential, Tối mật secret, Tuyệt mật top secret.
    "marking.internal": ("Lưu hành nội bộ", "For internal circulation"),
    "marking.confidential": ("Mật", "Confidential"),
    "marking.secret": ("Tối mật", "Secret"),
    "marking.top_secret": ("Tuyệt mật", "Top secret"),
    "report.explorers.print_note": (
        "Phần khám phá số liệu là phần tương tác, có trong bản HTML của báo cáo; bản in không "
        "nhắc lại các biểu đồ đã có ở trên.",
        "The data explorer is interactive and is in the HTML version of the report; the printed "
        "copy does not repeat the charts shown above."),
    # -- the recipients' catalogue and the operators' page of outputs/ (rendering.catalog_pages)
    "catalogue.title": ("Danh mục báo cáo", "Reports"),
    "catalogue.title_period": ("Danh mục báo cáo {period}", "Reports: {period}"),
    "catalogue.summary": ("{n} báo cáo", "{n} report(s)"),
    "catalogue.updated": ("cập nhật {when}", "updated {when}"),
    "catalogue.periods": ("Các kỳ báo cáo", "Reporting periods"),
    "catalogue.all_periods": ("Tất cả các kỳ", "All periods"),
    "catalogue.other_lang": ("English", "Tiếng Việt"),
    "catalogue.operators": (
        "Trang dành cho người vận hành: thời gian chạy, lỗi, tệp notebook",
        "For operators: run times, errors, notebook files"),
    "catalogue.search": ("Tìm kiếm", "Search"),
    "catalogue.search_hint": ("Tên báo cáo, đơn vị, số văn bản…",
                              "Report title, unit, document number…"),
    "catalogue.all": ("Tất cả", "All"),
    "catalogue.reset": ("Xóa bộ lọc", "Clear filters"),
    "catalogue.count": ("Hiển thị {shown}/{total} báo cáo", "Showing {shown} of {total} reports"),
    "catalogue.no_match": ("Không có báo cáo nào khớp với bộ lọc.",
                           "No report matches the filters."),
    "catalogue.empty": ("Chưa có báo cáo nào.", "No reports yet."),
    "catalogue.report": ("Báo cáo", "Report"),
    "catalogue.unit": ("Đơn vị", "Unit"),
    "catalogue.period": ("Kỳ", "Period"),
    "catalogue.lang": ("Ngôn ngữ", "Language"),
    "catalogue.status": ("Trạng thái", "Status"),
    "catalogue.files": ("Tệp", "Files"),
    "catalogue.date": ("Ngày", "Date"),
    "catalogue.lang.vi": ("Tiếng Việt", "Vietnamese"),
    "catalogue.lang.en": ("Tiếng Anh", "English"),
    "catalogue.status.draft": ("Dự thảo", "Draft"),
    "catalogue.status.issued": ("Đã ban hành", "Issued"),
    "catalogue.status.changed": ("Số liệu thay đổi sau khi ban hành",
                                 "Figures changed since issue"),
    "catalogue.issued_number": ("Số {number}", "No. {number}"),
    "catalogue.issued_date": ("ngày {date}", "of {date}"),
    "catalogue.approver": ("Người ký: {name}", "Signed by {name}"),
    "catalogue.issued_from": ("Đã ban hành: số {numbers}", "Issued as no. {numbers}"),
    "catalogue.changed_draft": ("Số liệu khác với bản đã ban hành số {numbers}",
                                "Figures differ from issued no. {numbers}"),
    "catalogue.changed_issued": ("Có dự thảo mới với số liệu khác",
                                 "A newer draft has different figures"),
    "catalogue.runs.title": ("Vận hành: các báo cáo đã chạy", "Operations: report runs"),
    "catalogue.runs.back": ("Danh mục cho người nhận báo cáo", "The recipients' catalogue"),
    "catalogue.runs.summary": ("{n} mục: {ok} ok, {failed} lỗi, {issued} đã ban hành",
                               "{n} entries: {ok} ok, {failed} failed, {issued} issued"),
    "catalogue.runs.details": ("Chi tiết", "Details"),
    "catalogue.runs.notebook": ("Notebook", "Notebook"),
    "catalogue.runs.finished": ("Thời điểm xong", "Finished"),
    "catalogue.runs.seconds": ("Giây", "Seconds"),
    "catalogue.runs.worker": ("Tiến trình", "Worker"),
    "catalogue.runs.error": ("Lỗi", "Error"),
    "catalogue.runs.failed_notebook": ("notebook lỗi", "failed notebook"),
    "catalogue.runs.kept": ("báo cáo trước vẫn giữ ({when})", "previous report kept ({when})"),
    "catalogue.runs.unreadable": ("Không đọc được {path}: {error}", "Cannot read {path}: {error}"),
    "catalogue.runs.status.ok": ("ok", "ok"),
    "catalogue.runs.status.failed": ("lỗi", "failed"),
    "catalogue.runs.status.issued": ("đã ban hành", "issued"),
    # -- the footnote under a table with suppressed petitions counts (analysis.disclosure)
    "disclosure.note.small": (
        "“<{threshold}”: dưới {threshold} đơn (không ghi số cụ thể).",
        "“<{threshold}”: fewer than {threshold} petitions (number not shown)."),
    "disclosure.note.complement": (
        "“{mark}”: số được ẩn thêm để không thể suy ra số dưới {threshold} từ tổng.",
        "“{mark}”: also hidden, so that a count under {threshold} cannot be worked out from "
        "the totals."),
    "disclosure.note.withheld": (
        "“{mark}”: không công bố vì số liệu quá nhỏ để chia chi tiết.",
        "“{mark}”: not published, the numbers being too small to break down."),
    # -- the printed (PDF) form of a report: where an interactive widget stood
    "print.interactive_note": ("Bản tương tác: xem tệp HTML",
                               "Interactive version: see the HTML file"),
}


class UnknownText(KeyError):
    """A message id that is not in :data:`T` (the message lists the closest ids)."""

    def __str__(self) -> str:
        return str(self.args[0])


def text(key: str, lang: str = "vi", /, **values: Any) -> str:
    """The text of message ``key`` in ``lang`` ("vi" or "en"), its fields filled from
    ``values``.

    Raises:
        UnknownText: ``key`` is not a message id (the error lists close ids).
        ValueError: ``lang`` is not "vi" or "en".
        KeyError: the template has a field that ``values`` does not give.
    """
    try:
        vi, en = T[key]
    except KeyError:
        close = difflib.get_close_matches(key, T, n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownText(f"No text with id {key!r}{hint}") from None
    if lang not in LANGS:
        raise ValueError(f"Unknown language {lang!r}; available: {', '.join(LANGS)}")
    return (vi if lang == "vi" else en).format(**values)


def pair(key: str, /, **values: Any) -> tuple[str, str]:
    """Both texts of ``key`` (Vietnamese, English), e.g. for a language toggle."""
    return text(key, "vi", **values), text(key, "en", **values)


def render(value: Any, lang: str = "vi") -> str:
    """A :class:`~reportkit.errors.Text` worded in ``lang`` (its values worded first: a list
    holding texts is joined with "; ", a tuple holding texts is concatenated); anything else
    as ``str``."""
    if isinstance(value, Text):
        key = value.id  # the ids of Text(...) and error(...) are checked by tests/test_i18n.py
        return text(key, lang, **{k: _value(v, lang) for k, v in value.values.items()})
    return _value(value, lang)


def _value(v: Any, lang: str) -> Any:
    if isinstance(v, Text):
        return render(v, lang)
    if isinstance(v, list) and any(isinstance(x, Text) for x in v):
        return "; ".join(render(x, lang) for x in v)
    if isinstance(v, tuple) and any(isinstance(x, Text) for x in v):
        return "".join(render(x, lang) for x in v)
    return v


def error(cls: type[E], key: str, /, fields: dict[str, Any] | None = None, **values: Any) -> E:
    """An error of class ``cls`` whose message is text ``key`` (filled from ``values``): its
    ``str`` is the English wording and its ``text`` lets the command word it in the operator's
    language. ``fields`` are the error's structured fields."""
    t = Text(key, values)
    return cls(render(t, "en"), text=t, **(fields or {}))


def message(exc: BaseException, lang: str = "vi") -> str:
    """An exception's message in ``lang``: its ``text`` when it has one, else ``str(exc)``."""
    t = getattr(exc, "text", None)
    return render(t, lang) if isinstance(t, Text) else str(exc)
