"""The wording of every problem ingest reports, in Vietnamese and English.

Why a module of its own: the readers, the validation and the loading step all word problems,
and a province's data clerk must see the same sentence for the same fault wherever it is
found. Keeping the catalogue in one place also keeps the two languages side by side, so a
message is never added in one language only.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    "empty": ("tệp rỗng", "the file is empty"),
    "too_big": ("tệp dung lượng {size}, vượt giới hạn {limit}",
                "the file is {size}, more than the limit of {limit}"),
    "too_many_rows": ("tệp có hơn {limit:,} dòng (giới hạn)",
                      "the file has more than {limit:,} rows (the limit)"),
    "too_many_cells": ("sổ tính có hơn {limit:,} ô (giới hạn)",
                       "the workbook has more than {limit:,} cells (the limit)"),
    "too_many_cols": ("có dữ liệu ở cột thứ {n}, vượt giới hạn {limit} cột",
                      "data in column {n}, beyond the limit of {limit} columns"),
    "csv_is_zip": ("tệp .csv này thực ra là tệp Excel (ZIP): đổi đuôi thành .xlsx",
                   "this .csv file is really an Excel workbook (ZIP): rename it to .xlsx"),
    "ole": ("tệp Excel 97-2003 (.xls) cũ: mở bằng Excel và lưu lại dạng .xlsx",
            "an old Excel 97-2003 (.xls) file: open it in Excel and save it as .xlsx"),
    "pdf": ("tệp PDF, không phải bảng dữ liệu", "a PDF document, not a spreadsheet"),
    "html": ("tệp HTML (trang web), không phải bảng dữ liệu",
             "an HTML page, not a spreadsheet or CSV"),
    "binary": ("tệp nhị phân, không phải văn bản CSV", "binary data, not a CSV text file"),
    "xlsx_is_text": ("tệp .xlsx này thực ra là tệp văn bản (CSV): đổi đuôi thành .csv",
                     "this .xlsx file is really a text (CSV) file: rename it to .csv"),
    "bad_zip": ("tệp .xlsx bị hỏng hoặc không đầy đủ (không phải tệp ZIP hợp lệ)",
                "damaged or truncated: not a valid .xlsx (ZIP) file"),
    "zip_not_excel": ("tệp ZIP nhưng không phải sổ tính Excel",
                      "a ZIP archive but not an Excel workbook"),
    "zip_members": ("tệp .xlsx có {n} thành phần (giới hạn {limit})",
                    "the .xlsx holds {n} parts (the limit is {limit})"),
    "zip_ratio": ("thành phần {name} giãn nở {ratio:,.0f} lần (giới hạn {limit:,.0f}): từ chối "
                  "vì có thể là bom ZIP",
                  "part {name} would expand {ratio:,.0f} times (limit {limit:,.0f}): refused as "
                  "a possible ZIP bomb"),
    "zip_size": ("giải nén ra {size} (giới hạn {limit}): từ chối vì có thể là bom ZIP",
                 "it would expand to {size} (limit {limit}): refused as a possible ZIP bomb"),
    "xml_dtd": ("thành phần XML {name} khai báo DTD/thực thể (có thể là bom XML): từ chối",
                "XML part {name} declares a DTD or entities (possible XML bomb): refused"),
    "encoding": ("không giải mã được văn bản: hãy lưu tệp dạng CSV UTF-8",
                 "cannot decode the text: save the file as CSV UTF-8"),
    "unsupported": ("loại tệp {suffix} không được hỗ trợ: gửi tệp .xlsx hoặc .csv",
                    "unsupported file type {suffix!r}: send .xlsx or .csv"),
    "read_error": ("không đọc được tệp ({error})", "cannot read the file ({error})"),
    "no_header": ("không tìm thấy dòng tiêu đề: cần các cột như {examples}",
                  "no header row found: expected column headers such as {examples}"),
    "no_data_sheet": ("không trang tính nào có các cột tiêu đề cần thiết (các trang: {sheets})",
                      "no sheet has the expected column headers (sheets: {sheets})"),
    "hidden_only": ("dữ liệu nằm ở trang tính ẩn {name!r}: hãy bỏ ẩn trang",
                    "the data is on the hidden sheet {name!r}: unhide it"),
    "no_rows": ("tệp có tiêu đề nhưng không có dòng dữ liệu",
                "the file has headers but no data rows"),
    "missing_col": ("thiếu cột {label} ({name})", "missing column {label} ({name})"),
    "did_you_mean": ("; có phải là cột {header!r}?", "; is it the column {header!r}?"),
    "unknown_col": ("cột không có trong mẫu: {header!r}", "unknown column {header!r}"),
    "suggest_col": ("; có phải là {label} ({name})?", "; did you mean {label} ({name})?"),
    "unnamed_col": ("cột {letter} có dữ liệu nhưng không có tiêu đề",
                    "column {letter} has data but no header"),
    "dup_col": ("cột {name} xuất hiện hai lần (cột {a} và {b})",
                "column {name} appears twice (columns {a} and {b})"),
    "ragged": ("dòng có {n} ô, dòng tiêu đề có {m}", "the row has {n} cells, the header has {m}"),
    "row_order": ("các dòng của trang tính không theo thứ tự (dòng {n} sau dòng {prev}): hãy "
                  "mở tệp bằng Excel và lưu lại",
                  "the sheet stores its rows out of order (row {n} after row {prev}): open "
                  "and save the file in Excel"),
    "formula": ("công thức chưa có giá trị lưu sẵn: hãy mở tệp bằng Excel và lưu lại",
                "formula without a saved value: open and save the file in Excel"),
    "merged": ("các ô {ref} bị gộp qua nhiều cột: bỏ gộp và nhập mỗi ô một giá trị",
               "cells {ref} are merged across columns: unmerge them and enter one value per "
               "cell"),
    "not_number": ("không phải là số", "not a number"),
    "excel_error": ("giá trị lỗi của Excel: sửa công thức", "an Excel error value: fix the "
                    "formula"),
    "not_date": ("không phải ngày (dùng YYYY-MM-DD hoặc DD/MM/YYYY)",
                 "not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
    "not_month": ("không phải tháng (dùng YYYY-MM hoặc MM/YYYY)",
                  "not a month (use YYYY-MM or MM/YYYY)"),
    "not_bool": ("không phải Có/Không", "not yes/no (Có/Không)"),
    "required_count": ("bắt buộc nhập (ghi 0 nếu không có)",
                       "a value is required (write 0 if there were none)"),
    "row_empty": ("{n} ô bắt buộc để trống ({columns})",
                  "{n} required cells are empty ({columns})"),
    "unit_mismatch": ("tên đơn vị {name!r} là {other} (mã {other_code}) vào ngày {when}, khác "
                      "mã đơn vị {code}",
                      "unit name {name!r} is {other} (code {other_code}) on {when}, not unit "
                      "code {code}"),
    "form_unit": ("đơn vị của dòng ({code}) khác đơn vị của biểu mẫu ({unit}, mã {form_code}; "
                  "{source})",
                  "the row's unit ({code}) is not the form's unit ({unit}, code {form_code}; "
                  "{source})"),
    "outside_period": ("{when} nằm ngoài kỳ báo cáo của biểu mẫu {period} ({label}; {source})",
                       "{when} is outside the form's period {period} ({label}; {source})"),
    "bad_period": ("kỳ báo cáo {text!r} của biểu mẫu không hợp lệ (ví dụ 2025-Q3)",
                   "the form's period {text!r} is not a period code (e.g. 2025-Q3)"),
    "dup_id_call": ("số hiệu đơn trùng với đơn của đơn vị khác ({others})",
                    "petition id also used by another unit ({others})"),
    "dup_id_wh": ("số hiệu đơn đã có trong kho dữ liệu cho đơn vị {others}",
                  "petition id already loaded for unit {others}"),
    "more": ("… và {n} lỗi khác không liệt kê", "… and {n} more problem(s) not listed"),
    "merged_into": ("{unit} đã được hợp nhất vào {successor} từ ngày {when}",
                    "{unit} was merged into {successor} on {when}"),
    "no_unit": ("không có đơn vị {text!r}", "no unit {text!r}"),
    "unit_gone": ("đơn vị {unit} không tồn tại vào ngày {when}",
                  "unit {unit} did not exist on {when}"),
    "not_regular": ("không phải tệp thông thường ({kind}): không đọc, không sao chép; hãy gửi "
                    "chính tệp .csv hoặc .xlsx",
                    "not a regular file ({kind}): not read and not copied; send the .csv or "
                    ".xlsx file itself"),
    "kind_symlink": ("liên kết tượng trưng", "a symbolic link"),
    "kind_fifo": ("đường ống có tên (FIFO)", "a named pipe (FIFO)"),
    "kind_device": ("tệp thiết bị", "a device"),
    "kind_socket": ("socket", "a socket"),
    "kind_folder": ("thư mục", "a folder"),
    "kind_other": ("loại đặc biệt", "a special file"),
    "unexpected": ("lỗi không lường trước khi {stage} ({error}); tệp được cách ly, các tệp khác "
                   "vẫn được xử lý",
                   "unexpected failure while {stage} ({error}); this file is quarantined, the "
                   "other files go on"),
    "stage_read": ("đọc tệp", "reading the file"),
    "stage_validate": ("kiểm tra dữ liệu", "checking the data"),
    "stage_write": ("ghi vào kho dữ liệu", "writing to the warehouse"),
    "ignored_suffix": ("bỏ qua: không phải tệp .csv hoặc .xlsx",
                       "ignored: not a .csv or .xlsx file"),
    "ignored_hidden": ("bỏ qua: tệp hoặc thư mục ẩn", "ignored: a hidden file or folder"),
    "ignored_lock": ("bỏ qua: tệp khóa của Excel (~$)", "ignored: an Excel lock file (~$)"),
    "ignored_special": ("bỏ qua: không phải tệp thông thường ({kind})",
                        "ignored: not a regular file ({kind})"),
}


def tr(key: str, lang: str, **kw: Any) -> str:
    """Message ``key`` in ``lang`` ("vi", else English), formatted with ``kw``."""
    vi, en = MESSAGES[key]
    return (vi if lang == "vi" else en).format(**kw)


def size_text(n: int) -> str:
    """A byte count for people: "1.5 MB", "512 bytes"."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"
