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
from typing import Any

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
    # -- words on the charts (presentation.charts)
    "chart.target": ("Mục tiêu", "Target"),
    "chart.national": ("Toàn quốc", "National"),
    "chart.median": ("Trung vị các đơn vị", "Median of units"),
    "chart.actual": ("Thực hiện", "Actual"),
    "chart.last_year": ("Cùng kỳ năm trước", "Same period last year"),
    "chart.no_data": ("Không có số liệu", "No data"),
    "chart.rank": ("Hạng {rank}/{n}", "Rank {rank} of {n}"),
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
