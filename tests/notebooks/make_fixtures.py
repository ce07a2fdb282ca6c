"""Rebuild the fixture notebooks: ``python tests/notebooks/make_fixtures.py``.

Each notebook shows one behaviour of the runner. Cell ids are fixed so that a rebuild
gives byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

UNIT_PERIOD = 'unit = None  # unit code, e.g. "15"\nperiod = None  # e.g. "2025-Q3"'
PERIOD_ONLY = 'period = None  # e.g. "2025-Q3"'
SHOW = 'print(f"unit={unit!r} period={period!r}")'

FIXTURES: dict[str, list[tuple[str, str]]] = {
    # Runs to the end: parameters of several types, prints what it was given and its cwd.
    "ok": [
        ("parameters", UNIT_PERIOD + '\nlang = "vi"\ncode = "007"  # codes stay strings\n'
                                     "threshold = 0.5"),
        ("markdown", "# Báo cáo thử nghiệm"),
        ("code", SHOW + '\nprint(f"lang={lang!r} code={code!r} threshold={threshold!r}")'),
        ("code", 'import os\n\nprint("cwd=" + os.getcwd())'),
    ],
    # The second code cell raises; the last cell must never run.
    "raises": [
        ("parameters", UNIT_PERIOD),
        ("code", SHOW),
        ("code", 'raise ValueError(f"boom for unit {unit}")'),
        ("code", 'print("never printed")'),
    ],
    # No cell tagged `parameters`.
    "no_parameters": [
        ("code", 'print("hello")'),
    ],
    # sys.exit() ends the notebook; papermill counts that as success, reportkit does not.
    "sys_exit": [
        ("parameters", PERIOD_ONLY),
        ("code", "import sys\n\nsys.exit()"),
        ("code", 'print("never printed")'),
    ],
    # The kernel process dies in the middle of the notebook.
    "kernel_dies": [
        ("parameters", PERIOD_ONLY),
        ("code", "import os\n\nos._exit(0)"),
        ("code", 'print("never printed")'),
    ],
    # A cell that runs longer than the tests' cell timeout.
    "slow_cell": [
        ("parameters", PERIOD_ONLY),
        ("code", "import time\n\ntime.sleep(60)"),
        ("code", 'print("never printed")'),
    ],
    # A per-unit report for batch tests: prints its parameters and a token unique to the
    # execution, sleeps `delay`, fails for `fail_unit`, and fails if anything from another
    # report is still around (a variable, or an attribute set on an imported module).
    "unit_report": [
        ("parameters", UNIT_PERIOD + '\nlang = "vi"\ndelay = 0.0\nfail_unit = ""'),
        ("markdown", "# Báo cáo đơn vị"),
        ("code", 'import os\nimport string\nimport time\nimport uuid\n\n'
                 'assert "TOKEN" not in globals(), "a variable leaked from another report"\n'
                 'assert not hasattr(string, "reportkit_leak"), (\n'
                 '    f"module state leaked from unit {string.reportkit_leak}")\n'
                 "string.reportkit_leak = unit\n"
                 "TOKEN = uuid.uuid4().hex\n"
                 'print(f"unit={unit!r} period={period!r} lang={lang!r} token={TOKEN} "\n'
                 '      f"pid={os.getpid()}")'),
        ("code", "time.sleep(delay)\nif unit == fail_unit:\n"
                 '    raise ValueError(f"boom for unit {unit}")'),
        ("code", 'print(f"done {TOKEN}")'),
    ],
    # A report that can be issued: the four issue parameters (number, issued_on, signer_name,
    # signer_title) shown in a heading and a signature block, as the official report does.
    "issuable": [
        ("parameters", UNIT_PERIOD + '\nlang = "vi"\nmarking = "Lưu hành nội bộ"\n'
                                     'number = ""\nissued_on = ""\nsigner_name = ""\n'
                                     'signer_title = ""'),
        ("code", "from html import escape\n\nfrom IPython.display import HTML, display\n\n"
                 'shown = escape(number) if number else "&nbsp;" * 6 + "-BC/VPTU"\n'
                 'day = issued_on or "(dự thảo)"\n'
                 'display(HTML(f"<p>VĂN PHÒNG</p><p>Số {shown}</p><p><i>ngày {escape(day)}'
                 '</i></p>"\n'
                 '             f"<h1>BÁO CÁO</h1><p>Đơn vị {escape(str(unit))}, kỳ '
                 '{escape(str(period))}.</p>"))'),
        ("code", 'display(HTML(\n'
                 '    \'<div style="margin-left:55%;text-align:center">\'\n'
                 '    f"<b>{escape(signer_title.upper())}</b>"\n'
                 '    \'<div style="height:80pt"></div>\'\n'
                 '    f"<b>{escape(signer_name)}</b></div>"))'),
    ],
    # Kills the process that started its kernel (a batch worker), to test that a batch
    # survives a dead worker. Refuses unless REPORTKIT_FIXTURE_KILL_PARENT=1, so that it can
    # never kill a test runner that executes it directly.
    "kills_its_worker": [
        ("parameters", PERIOD_ONLY),
        ("code", "import os\nimport signal\n\n"
                 'if os.environ.get("REPORTKIT_FIXTURE_KILL_PARENT") != "1":\n'
                 '    raise RuntimeError("set REPORTKIT_FIXTURE_KILL_PARENT=1 to run this")\n'
                 "worker = os.getppid()\n"
                 "with open(f'/proc/{worker}/cmdline', 'rb') as f:  # forked by a fork server?\n"
                 "    forked = b'reportkit.batch.forkserver' in f.read()\n"
                 "if forked:  # then the worker is the server's parent\n"
                 "    with open(f'/proc/{worker}/stat') as f:\n"
                 "        worker = int(f.read().rsplit(')', 1)[1].split()[1])\n"
                 "os.kill(worker, signal.SIGKILL)"),
        ("code", 'print("never printed")'),
    ],
}


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """One fixture notebook from (kind, source) pairs."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, source) in enumerate(cells):
        if kind == "markdown":
            cell = new_markdown_cell(source)
        else:
            cell = new_code_cell(source)
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
        cell.id = f"{name.replace('_', '-')}-{i}"
        nb.cells.append(cell)
    return nb


def main() -> None:
    """Write every fixture notebook next to this script."""
    for name, cells in FIXTURES.items():
        nbformat.write(build(name, cells), HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
