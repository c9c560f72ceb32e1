"""A real Jupyter server (or JupyterLab) as a subprocess, isolated from the user's profile, and
how to drive a notebook in it from Chromium.

Used by the tests (tests/jupyter_server.py and tests/browser/labdriver.py re-export it: the
jupyter-server-proxy tests, JupyterLab driven by Chromium) and by the benchmark
(``helpers.tools.bench.rows_lab``: Run All of each notebook in JupyterLab, timed). Everything binds
127.0.0.1 on a free port, every wait is bounded, and the process is always terminated on exit.

Isolation: JUPYTER_CONFIG_DIR, JUPYTER_DATA_DIR, JUPYTER_RUNTIME_DIR and IPYTHONDIR point into a
temporary directory, so the user's own config, kernelspecs, startup files and runtime files are
neither read nor written. The environment's ``{sys.prefix}/share/jupyter`` (labextensions of
ipywidgets, anywidget, jupyter-server-proxy) and ``{sys.prefix}/etc/jupyter`` (the
server-extension switches) are still found: Jupyter searches them in addition to the user
directories, and the server runs with this venv's interpreter.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import random
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ..core.numbers import decimal

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "JupyterServer", "LAB_QUIET_SETTINGS", "LabTiming", "first_error", "free_port",
           "jupyter_server", "measure_lab", "open_notebook", "run_all_cells"]

LOOPBACK = "127.0.0.1"

# JupyterLab user settings that keep fresh profiles quiet (no "fetch news?" toast, no
# update check, which would also try to reach the internet).
LAB_QUIET_SETTINGS: dict[str, dict] = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago, chosen BELOW the OS's ephemeral range
    (32768-60999 on Linux). The caller hands the number to a subprocess that binds it later; a port
    from the ephemeral range (``bind`` to port 0) could meanwhile be taken by a Jupyter kernel of a
    test running in parallel (``testar`` uses pytest-xdist). It happened: the hub test talked to its
    proxy's port and heard a kernel's ZeroMQ greeting."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
    raise RuntimeError("nenhuma porta livre entre 20000 e 32000")


_KERNEL_IDLE = """(name) => {
  const app = window.jupyterapp;
  if (!app) return false;
  const w = app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== name || !w.context.isReady) return false;
  const kernel = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!kernel && kernel.status === "idle" && w.content.widgets.length > 0;
}"""

_RUN_ALL = """async ({ timeoutMs }) => {
  const app = window.jupyterapp;
  await app.commands.execute("notebook:clear-all-cell-outputs");
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`run-all-cells passou de ${timeoutMs} ms`)), timeoutMs));
  // resolves when every cell has run: true if none failed
  return await Promise.race([app.commands.execute("notebook:run-all-cells"), timeout]);
}"""

_FIRST_ERROR = """() => {
  // What went wrong, read from the notebook on screen (its model, not the DOM: hidden tabs of
  // other notebooks may hold outputs too): the first error output with its traceback, else the
  // first code cell that did not run, and the kernel's status.
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.context) return "nenhum notebook na tela";
  const kernel = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  const status = `kernel: ${kernel ? kernel.status : "nenhum"}`;
  const strip = (s) => s.replace(/\\u001b\\[[0-9;]*m/g, "");
  const cells = w.context.model.toJSON().cells;
  for (const [i, cell] of cells.entries()) {
    for (const out of cell.outputs || []) {
      if (out.output_type === "error") {
        const tb = strip((out.traceback || []).join("\\n")).slice(-3000);
        return `${status}; célula ${i}: ${out.ename}: ${out.evalue}\\n${tb}`;
      }
    }
  }
  const idle = cells.findIndex((c) => c.cell_type === "code" && c.execution_count === null);
  return idle < 0 ? `${status}; nenhuma célula com erro` : `${status}; a célula ${idle} não rodou`;
}"""


def open_notebook(page, lab: JupyterServer, name: str, timeout_ms: int = 40_000, *, alone: bool = False) -> None:
    """Opens ``name`` (relative to the lab root) and waits until its kernel is idle.

    ``alone``: reset the workspace first (``?reset``), so that the notebooks open in earlier pages,
    which JupyterLab would restore (each with a kernel starting), stay closed."""
    reset = "&reset" if alone else ""
    page.goto(f"{lab.url('lab/tree/' + name)}?token={lab.token}{reset}", wait_until="domcontentloaded")
    page.wait_for_function(_KERNEL_IDLE, arg=name, timeout=timeout_ms, polling=200)


def run_all_cells(page, timeout_ms: int = 60_000) -> None:
    """Limpa as saídas e roda todas as células do notebook na tela; falha com a célula, o erro e o traceback."""
    ok = page.evaluate(_RUN_ALL, {"timeoutMs": timeout_ms})
    if ok is not True:
        raise AssertionError(f"uma célula falhou em run-all-cells:\n{first_error(page)}")


def first_error(page) -> str:
    """O que deu errado no notebook na tela (ver ``_FIRST_ERROR``)."""
    return page.evaluate(_FIRST_ERROR)


@dataclass
class JupyterServer:
    port: int
    token: str
    base_url: str
    root_dir: pathlib.Path
    home: pathlib.Path
    popen: subprocess.Popen
    log_path: pathlib.Path
    env: dict[str, str] = field(repr=False, default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def url(self, path: str = "") -> str:
        """Absolute URL of ``path`` under the server's base_url (no token)."""
        return f"{self.origin}{self.base_url}{path.lstrip('/')}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def log(self) -> str:
        try:
            return self.log_path.read_text("utf-8", "replace")
        except OSError:
            return ""

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        """Blocking GET of ``path`` (relative to base_url) with the token; (status, body)."""
        req = urllib.request.Request(self.url(path), headers=self.headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def shutdown_sessions(self, path: str) -> int:
        """Desliga as sessões (e os kernels) abertas para o notebook ``path``; devolve quantas."""
        status, body = self.get("api/sessions")
        ids = [s["id"] for s in json.loads(body) if s.get("path") == path] if status == 200 else []
        for session in ids:
            req = urllib.request.Request(self.url(f"api/sessions/{session}"), headers=self.headers, method="DELETE")
            with urllib.request.urlopen(req, timeout=30):
                pass
        return len(ids)

    def stop(self, grace: float = 10.0) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()  # SIGTERM: jupyter server shuts kernels down and exits
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


def _wait_ready(server: JupyterServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "nenhuma resposta ainda"
    while time.monotonic() < deadline:
        if server.popen.poll() is not None:
            raise RuntimeError(
                f"o jupyter saiu com o código {server.popen.returncode} antes de responder.\n"
                f"--- log ---\n{server.log()[-4000:]}"
            )
        try:
            status, body = server.get("api/status", timeout=2)
            if status == 200:
                return
            last = f"HTTP {status}: {body[:200]!r}"
        except (OSError, urllib.error.URLError) as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise TimeoutError(
        f"o jupyter não respondeu em {server.url('api/status')} dentro de {decimal(timeout)} s ({last}).\n"
        f"--- log ---\n{server.log()[-4000:]}"
    )


@contextlib.contextmanager
def jupyter_server(
    tmp: pathlib.Path,
    *,
    lab: bool = False,
    base_url: str = "/",
    extra_args: Sequence[str] = (),
    user_settings: dict[str, dict] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> Iterator[JupyterServer]:
    """Run ``python -m jupyter_server`` (or ``python -m jupyterlab`` if ``lab``) until exit.

    ``tmp`` holds everything: ``root/`` (the server's root_dir, put notebooks there),
    ``home/`` (config, data, runtime, IPython and lab settings/workspaces), ``jupyter.log``.
    ``user_settings`` (lab only) maps plugin ids to JupyterLab user settings
    (default: ``LAB_QUIET_SETTINGS``).
    """
    tmp = pathlib.Path(tmp)
    root, home = tmp / "root", tmp / "home"
    dirs = {name: home / name for name in ("config", "data", "runtime", "ipython", "settings", "workspaces")}
    for d in (root, *dirs.values()):
        d.mkdir(parents=True, exist_ok=True)
    if not base_url.endswith("/"):
        base_url += "/"
    token = secrets.token_hex(16)
    port = free_port()

    full_env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "IPYTHONDIR": str(dirs["ipython"]),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONUNBUFFERED": "1",
        # don't let a parent hub or a proxy variable change what the server or kernels do
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        **(env or {}),
    }
    for var in ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_API_TOKEN", "JUPYTER_TOKEN", "CURSO_PROXY_PREFIX"):
        if env is None or var not in env:
            full_env.pop(var, None)

    module = "jupyterlab" if lab else "jupyter_server"
    args = [
        sys.executable, "-m", module,
        "--allow-root", "--no-browser",
        f"--ip={LOOPBACK}", f"--port={port}", "--port-retries=0",
        f"--ServerApp.base_url={base_url}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
    ]
    if lab:
        settings = LAB_QUIET_SETTINGS if user_settings is None else user_settings
        for plugin_id, values in settings.items():
            package, _, plugin = plugin_id.partition(":")
            f = dirs["settings"] / package / f"{plugin}.jupyterlab-settings"
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(json.dumps(values), "utf-8")
        # news_url=None turns the news feed off (the command line cannot say None)
        quiet = {"LabApp": {"news_url": None,
                            "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate"}}
        (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps(quiet), "utf-8")
        args += [
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
        ]
    args += list(extra_args)

    log_path = tmp / "jupyter.log"
    with open(log_path, "wb") as log:
        popen = subprocess.Popen(
            args, cwd=root, env=full_env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    server = JupyterServer(port, token, base_url, root, home, popen, log_path, full_env)
    try:
        _wait_ready(server, timeout)
        yield server
    finally:
        server.stop()


# --- o Chromium e o tempo de cada notebook no JupyterLab (benchmark) ---------------------------

CHROMIUM = os.environ.get("CURSO_CHROMIUM", "/usr/bin/chromium")  # o pacote Debian; nunca baixado
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class LabTiming:
    """Quanto o Run All de um notebook levou no JupyterLab; ``seconds`` é ``None`` se falhou."""

    notebook: str
    seconds: float | None
    error: str = ""


def measure_lab(notebooks: Sequence[pathlib.Path], server: JupyterServer, browser,
                timeout_ms: int = 120_000) -> list[LabTiming]:
    """O Run All de cada notebook no JupyterLab ``server`` (aberto com
    ``--LabApp.expose_app_in_browser=True``), pelo Chromium ``browser`` (Playwright, API síncrona).

    Cada notebook é copiado para a raiz do servidor (o arquivo do repositório nunca roda no
    lugar) e aberto numa página nova; o cronômetro começa quando o kernel já está ocioso (a
    partida do kernel não entra) e para quando a última célula terminou, com as saídas e os
    widgets desenhados pelo navegador. No fim, o kernel é desligado."""
    out = []
    for path in notebooks:
        shutil.copy2(path, server.root_dir / path.name)
        context = browser.new_context(viewport=VIEWPORT, locale="pt-BR")
        context.set_default_timeout(timeout_ms)
        page = context.new_page()
        try:
            open_notebook(page, server, path.name, timeout_ms=timeout_ms, alone=True)
            start = time.perf_counter()
            run_all_cells(page, timeout_ms)
            out.append(LabTiming(path.name, time.perf_counter() - start))
        except Exception as exc:  # noqa: BLE001  (um notebook que falha vira uma linha ✘, não derruba o resto)
            out.append(LabTiming(path.name, None, " ".join(str(exc).split())[:300] or repr(exc)))
        finally:
            context.close()
            server.shutdown_sessions(path.name)
    return out
