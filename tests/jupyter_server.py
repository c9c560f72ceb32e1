"""Start a real Jupyter server (or JupyterLab) as a subprocess, isolated from the user's profile.

Used by tests/test_links.py (jupyter-server-proxy in front of a loopback server) and by
tests/browser/ (JupyterLab driven by Chromium). Everything binds 127.0.0.1 on a free port,
every wait is bounded, and the process is always terminated on exit.

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
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

__all__ = ["JupyterServer", "free_port", "jupyter_server", "LAB_QUIET_SETTINGS"]

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
    raise RuntimeError("no free port between 20000 and 32000")


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
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.popen.poll() is not None:
            raise RuntimeError(
                f"jupyter exited with code {server.popen.returncode} before answering.\n"
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
        f"jupyter did not answer {server.url('api/status')} within {timeout:.0f}s ({last}).\n"
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
