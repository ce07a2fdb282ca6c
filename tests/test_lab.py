"""The notebooks where analysts use them: JupyterLab on the project's kernel.

* Every notebook in ``notebooks/`` runs top to bottom with its defaults (papermill, kernel
  "reportkit", on the sample warehouse).
* JupyterLab, started like ``make lab`` on 127.0.0.1 with a token, opens ``explore.ipynb`` in
  headless system Chromium (Playwright, never a downloaded browser), runs all cells from the
  Run menu, changes the dashboard's dropdowns and sees Python redraw it. Requests that do not
  go to the local server are aborted, so nothing waits on the internet. The screenshot goes
  to ``test-artifacts/lab-explore.png`` for a human to look at.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from reportkit.analysis import indicators as I

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("REPORTKIT_CHROMIUM", "/usr/bin/chromium")
KERNEL = "reportkit"
KERNEL_DISPLAY = "Python (reportkit)"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-proxy-server"]
# Generous for a loaded two-core machine, but bounded: a hang fails instead of blocking CI.
SERVER_START_S = 120
PAGE_MS = 120_000
RUN_ALL_MS = 300_000
REDRAW_MS = 180_000
SHUTDOWN_S = 30

pytestmark = pytest.mark.slow


def _require_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if KERNEL not in specs:
        pytest.fail(f"No Jupyter kernel named {KERNEL!r} (found: {', '.join(sorted(specs))}); "
                    "`make setup` installs it into the venv")


# -- every notebook with its defaults ------------------------------------------------------------
@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_with_its_defaults(notebook: Path, sample_env: Path,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import papermill

    _require_kernel()
    monkeypatch.delenv("REPORTKIT_PUBLISHING", raising=False)  # as in a live notebook
    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL, \
        f"{notebook.name} must name the {KERNEL!r} kernel so that JupyterLab starts it"
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{notebook.name} needs exactly one cell tagged 'parameters'"

    out = tmp_path / notebook.name
    papermill.execute_notebook(str(notebook), str(out), kernel_name=KERNEL, cwd=str(tmp_path),
                               progress_bar=False, log_output=False, start_timeout=120,
                               execution_timeout=600)
    done = nbformat.read(out, as_version=4)
    code = [c for c in done.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "a cell did not run"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    shown = [o for c in code for o in c.outputs
             if o.output_type in ("display_data", "execute_result")]
    assert shown, f"{notebook.name} showed nothing"
    if notebook.stem == "explore":
        views = [o for o in shown if "application/vnd.jupyter.widget-view+json" in o.data]
        assert views, "the dashboard widget was not displayed"


# -- JupyterLab in a browser -------------------------------------------------------------------
@dataclass
class Lab:
    """A running JupyterLab server started by this test."""

    proc: subprocess.Popen[bytes]
    base: str
    token: str
    log: Path
    children: set[int] = field(default_factory=set)

    def api(self, path: str) -> Any:
        req = urllib.request.Request(f"{self.base}{path}",
                                     headers={"Authorization": f"token {self.token}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def log_tail(self, n: int = 40) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        return "\n".join(lines[-n:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _child_pids(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (the kernels a server started), from /proc."""
    out: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive: it only waits for its parent to reap it.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _stop(lab: Lab) -> None:
    """Terminate the server (it shuts its kernels down) and wait; kill what is left."""
    proc = lab.proc
    if proc.poll() is None:
        lab.children |= _child_pids(proc.pid)
        proc.terminate()
        try:
            proc.wait(timeout=SHUTDOWN_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=SHUTDOWN_S)
    deadline = time.monotonic() + 10
    for pid in lab.children:  # kernels the server did not take down with it
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _wait_idle(lab: Lab, timeout_s: float) -> None:
    """Wait until every kernel of the server reports "idle" (its REST API)."""
    deadline = time.monotonic() + timeout_s
    while True:
        states = [k["execution_state"] for k in lab.api("/api/kernels")]
        if states and all(s == "idle" for s in states):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"kernels not idle after {timeout_s:.0f} s: {states}")
        time.sleep(0.5)


def _user_settings(folder: Path) -> None:
    """No news feed and no update check: the Lab asks nothing of the internet."""
    path = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}),
                    encoding="utf-8")


@pytest.fixture()
def lab(sample_dirs: dict[str, Path], tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab as ``make lab`` starts it, on a copy of notebooks/ and the sample data."""
    _require_kernel()
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    jupyter = tmp_path / "jupyter"
    for sub in ("config", "runtime", "settings", "workspaces"):
        (jupyter / sub).mkdir(parents=True)
    _user_settings(jupyter / "settings")
    port, token = _free_port(), secrets.token_hex(24)
    env = {**os.environ,
           "REPORTKIT_HOME": str(sample_dirs["base"]),
           "REPORTKIT_WAREHOUSE": str(sample_dirs["warehouse"]),
           "JUPYTER_PREFER_ENV_PATH": "1",  # the venv's "reportkit" kernelspec comes first
           "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
           "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(jupyter / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(jupyter / "workspaces"),
           "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    env.pop("REPORTKIT_PUBLISHING", None)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--MappingKernelManager.default_kernel_name={KERNEL}",
           "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:  # containers and CI run as root
        cmd.append("--allow-root")
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=sink,
                                stderr=subprocess.STDOUT)
    server = Lab(proc, f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                server.api("/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n"
                                f"{server.log_tail()}")
                time.sleep(0.5)
        yield server
    finally:
        _stop(server)


@contextmanager
def _browser_page(lab: Lab) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    """A Chromium page that may only talk to the local server; other requests are aborted
    and recorded, and so are page errors."""
    from playwright.sync_api import sync_playwright

    seen: dict[str, list[str]] = {"blocked": [], "errors": []}
    local = urlsplit(lab.base).netloc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 2200})

            def guard(route: Any) -> None:
                url = route.request.url
                parts = urlsplit(url)
                if parts.scheme in ("data", "blob", "about") or parts.netloc == local:
                    route.continue_()
                else:
                    seen["blocked"].append(url)
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            page.on("pageerror", lambda e: seen["errors"].append(f"pageerror: {e}"))
            yield page, seen
        finally:
            browser.close()


def _dashboard_state(page: Any) -> dict[str, str]:
    return page.evaluate("""() => {
        const d = document.querySelector('.reportkit-dashboard');
        if (!d) return {};
        const img = (c) => (d.querySelector(c + ' img') || {}).src || '';
        const text = (c) => (d.querySelector(c) || {}).innerText || '';
        return {heading: text('.reportkit-dashboard-heading'),
                table: text('.reportkit-dashboard-table'),
                status: text('.reportkit-dashboard-status'),
                trend: img('.reportkit-dashboard-trend'),
                ranking: img('.reportkit-dashboard-ranking')};
    }""")


def _wait_for_change(page: Any, before: dict[str, str], expect: str) -> dict[str, str]:
    """Wait until Python has redrawn: the heading names ``expect``, both charts changed and
    the "computing" status is gone (the widgets update one message at a time)."""
    page.wait_for_function(
        """([expect, trend, ranking]) => {
            const d = document.querySelector('.reportkit-dashboard');
            if (!d) return false;
            const h = d.querySelector('.reportkit-dashboard-heading');
            const s = d.querySelector('.reportkit-dashboard-status');
            const t = d.querySelector('.reportkit-dashboard-trend img');
            const r = d.querySelector('.reportkit-dashboard-ranking img');
            return h && h.innerText.includes(expect) && t && r && t.src !== trend
                   && r.src !== ranking && s && s.innerText.trim() === '';
        }""", arg=[expect, before["trend"], before["ranking"]], timeout=REDRAW_MS)
    return _dashboard_state(page)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (make system)")
def test_live_dashboard_in_jupyterlab(lab: Lab) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "lab-explore.png"
    with _browser_page(lab) as (page, seen):
        try:
            page.goto(f"{lab.base}/lab/tree/explore.ipynb?token={lab.token}",
                      wait_until="domcontentloaded", timeout=PAGE_MS)
            panel = page.locator(".jp-NotebookPanel").first
            panel.locator(".jp-Cell").first.wait_for(timeout=PAGE_MS)
            # The notebook names the project's kernel: the Lab starts it without asking.
            panel.locator(".jp-KernelName").filter(has_text=KERNEL_DISPLAY).wait_for(
                timeout=PAGE_MS)

            # Run → Run All Cells. On a loaded machine the first click can land before the
            # Lab has wired its commands: retry until a cell shows it started ([*] or [n]).
            for attempt in range(3):
                page.locator(".lm-MenuBar-item").filter(
                    has_text=re.compile(r"^\s*Run\s*$")).first.click()
                page.locator(".lm-Menu-item").filter(
                    has_text=re.compile(r"^\s*Run All Cells")).first.click()
                try:
                    page.wait_for_function(
                        """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                                 .some(e => /\\[(\\*|\\d+)\\]/.test(e.innerText))""",
                        timeout=60_000)
                    break
                except PlaywrightTimeout:
                    if attempt == 2:
                        raise
                    page.keyboard.press("Escape")
            dashboard = panel.locator(".reportkit-dashboard")
            dashboard.wait_for(timeout=RUN_ALL_MS)
            page.wait_for_function(
                """() => {
                    const h = document.querySelector('.reportkit-dashboard-heading');
                    const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                    return h && h.innerText.includes('Lào Cai') && p.length > 0
                           && p.every(e => /\\[\\d+\\]/.test(e.innerText));
                }""", timeout=RUN_ALL_MS)
            _wait_idle(lab, RUN_ALL_MS / 1000)
            first = _dashboard_state(page)
            assert "Tỷ lệ xử lý đơn, thư" in first["heading"]
            assert first["trend"].startswith("data:image/png;base64,")
            assert "Kỳ này" in first["table"]

            # Another unit: Python recomputes the trend, the ranking and the table.
            dashboard.locator(".reportkit-dashboard-unit select").select_option(label="Cần Thơ")
            second = _wait_for_change(page, first, "Cần Thơ")
            assert "Lào Cai" not in second["heading"]
            assert second["table"] != first["table"]

            # Another indicator (the dropdown's options are labels).
            network = I.get("network_share").label("vi")
            dashboard.locator(".reportkit-dashboard-indicator select").select_option(
                label=network)
            third = _wait_for_change(page, second, network)
            assert "Cần Thơ" in third["heading"]
            _wait_idle(lab, REDRAW_MS / 1000)

            sessions = lab.api("/api/sessions")
            assert [s["kernel"]["name"] for s in sessions] == [KERNEL]
            dashboard.scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "lab-explore-failed.png"))
            state = {k: v[:200] for k, v in _dashboard_state(page).items()}
            print(f"JupyterLab log:\n{lab.log_tail()}\nbrowser: {seen}\ndashboard: {state}")
            raise
        assert seen == {"blocked": [], "errors": []}
