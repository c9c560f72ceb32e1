"""O curso num JupyterHub de verdade (``pytest -k hub``): login, spawn, o chat pelo proxy do hub.

Sobe o JupyterHub (``requirements-hub.txt``) com o configurable-http-proxy (npm) em 127.0.0.1,
portas livres, autenticador ``dummy`` (qualquer senha) com ``allow_all``, spawner ``simple`` (um
processo local por usuário, cada um com a sua pasta pessoal contendo uma cópia de notebooks/,
images/ e docs/) e ``--allow-root`` no servidor de cada usuário quando o teste roda como root.
É o que uma turma encontra num hub local ou no The Littlest JupyterHub.

No Chromium, pelo hub:

* a Ana entra, o servidor dela sobe, e uma célula no estilo do capítulo 05 inicia o ``ChatServer``;
* o link que o notebook mostra (``url_for_port``) passa pelo proxy do hub
  (``/user/ana/proxy/127.0.0.1:PORTA/SEGREDO/``);
* a página do chat entra na sala e troca mensagens com um ``ChatClient`` do notebook, e o diagrama
  de sequência desenha o que passou;
* o Bruno, logado no mesmo hub, recebe 403 no link da Ana, e o WebSocket dele para o ``/ws`` dela
  é recusado.

Mede e imprime (``pytest -s``) o tempo de subida do hub e do spawn e a memória (RSS) do hub, do
proxy, do servidor da Ana e do kernel dela: os números do guia do instrutor.

Sem o JupyterHub ou o configurable-http-proxy instalados, o teste é pulado com o motivo (o
``.ci/run`` instala os dois). Um spawn que falha derruba o teste na hora, com o log do hub (o
JupyterHub 6.1 pode ficar ~60 s esperando antes de desistir sozinho).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_server import free_port
from labdriver import _KERNEL_IDLE, ROOT, VIEWPORT, diagram_titled, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]  # guarda; o normal é < 60 s

PROXY_CMD = os.environ.get("CURSO_CHP", "configurable-http-proxy")
COURSE_DIRS = ("notebooks", "images", "docs")
# O que aparece no log do hub quando o servidor de um usuário não sobe (o hub e os servidores
# escrevem no mesmo log): erro do hub, traceback do Python, erro de linha de comando ou um
# [C]rítico do Jupyter. Além disso, wait_ready vê o processo do servidor sumir.
SPAWN_FAILED = re.compile(r"Unhandled error starting|Failed to start|failed to start|Error starting|"
                          r"exited with status|Traceback|^[\w-]+: error: |^\[C (?!.*Received signal)", re.M)
NOTEBOOK = "chat-no-hub.ipynb"
# o segredo do caminho (isolamento no loopback) e a chave da sala (o Host do hub não é o loopback)
LINK_RE = re.compile(r"^/user/ana/proxy/127\.0\.0\.1:(\d+)/([A-Za-z0-9_-]{22})/#token=[A-Za-z0-9_-]+$")

CELLS = [
    '''\
from helpers import HttpDecoder, Link, SequenceDiagram, Tap, registry
from helpers.chat import ChatClient, ChatServer, frame_label
from helpers.traffic import WsDecoder

chat = await registry.start("chat", ChatServer())
tap = await registry.start("tap", Tap(chat.port, decoder=lambda c: HttpDecoder(c, upgrade=WsDecoder)))
diagrama = SequenceDiagram(["Caderno"], title="O chat pelo hub")
diagrama.follow(tap, client="Caderno", connections=False, label=frame_label)
caderno = await registry.start("caderno", ChatClient(f"ws://127.0.0.1:{tap.port}{chat.ws_path}", "Caderno"))
diagrama''',
    'Link(chat.port, chat.page_link, "abrir o chat no navegador")',
    '''\
recebida = await caderno.wait_for_text("Olá do navegador da Ana", timeout=45)
await caderno.send("O caderno respondeu")
print("do navegador:", recebida["nick"])''',
]

HUB_CONFIG = '''\
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{http_port}/"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = {proxy_cmd!r}
c.ConfigurableHTTPProxy.pid_file = {tmp!r} + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + {tmp!r} + "/hub.sqlite"
c.JupyterHub.cookie_secret_file = {tmp!r} + "/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.Authenticator.allowed_users = {{"ana", "bruno", "carla"}}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {tmp!r} + "/home/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.default_url = "/lab"
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 40
c.Spawner.http_timeout = 40
c.Spawner.environment = {{"JUPYTER_CONFIG_PATH": {jupyter_config!r}}}


def servidor_da_carla_quebrado(spawner):  # para provar que um spawn que falha derruba o teste já
    if spawner.user.name == "carla":
        spawner.args = [*spawner.args, "--opcao-que-nao-existe"]


c.Spawner.pre_spawn_hook = servidor_da_carla_quebrado
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}  # POST .../server responde na hora
c.JupyterHub.services = [{{"name": "teste", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "teste", "services": ["teste"],
                             "scopes": ["admin:users", "admin:servers", "list:users"]}}]
'''


def _missing() -> str | None:
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return ("JupyterHub não instalado neste ambiente: pip install -r requirements-hub.txt "
                "(o .ci/run instala)")
    if shutil.which(PROXY_CMD) is None:
        return ("configurable-http-proxy não encontrado: npm install -g configurable-http-proxy "
                "(o .ci/run instala)")
    return None


def _mib(proc) -> float:
    return proc.memory_info().rss / 2**20


@dataclass
class Hub:
    url: str
    token: str
    proc: subprocess.Popen
    log_path: Path
    home: Path
    started_in: float
    spawn_requested: dict[str, float] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace")

    def api(self, method: str, path: str) -> tuple[int, dict]:
        req = urllib.request.Request(f"{self.url}/hub/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = r.read()
                return r.status, json.loads(body) if body else {}
        except urllib.error.HTTPError as e:
            return e.code, {"erro": e.read().decode("utf-8", "replace")}

    def fail(self, why: str):
        pytest.fail(f"{why}\n--- log do hub (fim) ---\n{self.log()[-6000:]}", pytrace=False)

    def request_spawn(self, user: str) -> None:
        """Pede ao hub o servidor de ``user`` (a resposta vem na hora; ele sobe em paralelo)."""
        status, body = self.api("POST", f"users/{user}/server")
        if status not in (201, 202):
            self.fail(f"o hub recusou o spawn de {user}: HTTP {status} {body}")
        self.spawn_requested[user] = time.monotonic()

    def wait_ready(self, user: str, timeout: float = 45) -> float:
        """Espera o servidor de ``user`` ficar pronto; falha na hora, com o log, se o spawn falhar.

        Devolve quantos segundos o spawn levou."""
        if user not in self.spawn_requested:
            self.request_spawn(user)
        t0, seen = self.spawn_requested[user], False
        while time.monotonic() - t0 < timeout:
            alive = f"servidor {user}" in self.processes()
            if seen and not alive:
                self.fail(f"o spawn de {user} falhou: o processo do servidor terminou")
            seen = seen or alive
            if self.proc.poll() is not None:
                self.fail(f"o hub terminou (código {self.proc.returncode}) durante o spawn de {user}")
            if SPAWN_FAILED.search(self.log()):
                self.fail(f"o spawn de {user} falhou")
            status, body = self.api("GET", f"users/{user}")
            server = body.get("servers", {}).get("", {})
            if server.get("ready"):
                return time.monotonic() - t0
            if status == 200 and not server:  # saiu da lista: o spawn desistiu
                self.fail(f"o servidor de {user} não está mais subindo nem pronto: {body}")
            time.sleep(0.1)
        self.fail(f"o servidor de {user} não ficou pronto em {timeout} s")

    def processes(self) -> dict[str, object]:
        """Hub, proxy e, por usuário, o servidor e os kernels (psutil.Process)."""
        import psutil

        hub = psutil.Process(self.proc.pid)
        found: dict[str, object] = {"hub": hub}
        for child in hub.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                cmd = " ".join(child.cmdline())
                if "configurable-http-proxy" in cmd:
                    found["proxy"] = child
                elif "jupyterhub-singleuser" in cmd:
                    user = child.environ().get("JUPYTERHUB_USER", "?")
                    found[f"servidor {user}"] = child
                    kernels = [k for k in child.children(recursive=True)
                               if "ipykernel" in " ".join(k.cmdline())]
                    for i, k in enumerate(kernels):
                        found[f"kernel {user} {i + 1}"] = k
        return found


def _home_with_the_course(home: Path) -> None:
    home.mkdir(parents=True)
    for name in COURSE_DIRS:
        shutil.copytree(ROOT / name, home / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "dados", "__pycache__"))
    nb = new_notebook(cells=[new_code_cell(src) for src in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, home / NOTEBOOK)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, chromium) -> Hub:
    why = _missing()
    if why:
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp("hub")
    for user in ("ana", "bruno"):
        _home_with_the_course(tmp / "home" / user)
    singleuser = Path(sys.executable).with_name("jupyterhub-singleuser")
    args = ["--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    http_port, token = free_port(), os.urandom(16).hex()
    config = tmp / "jupyterhub_config.py"
    config.write_text(HUB_CONFIG.format(
        http_port=http_port, hub_port=free_port(), api_port=free_port(),
        proxy_cmd=[shutil.which(PROXY_CMD)], tmp=str(tmp), singleuser=str(singleuser), args=args,
        jupyter_config=str(ROOT / "jupyter-config"), token=token), "utf-8")
    log_path = tmp / "hub.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")}
    env["PATH"] = f"{singleuser.parent}{os.pathsep}{env.get('PATH', '')}"
    t0 = time.monotonic()
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=tmp,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{http_port}", token, proc, log_path, tmp / "home", 0.0)
    try:
        while True:
            if proc.poll() is not None:
                hub.fail(f"o JupyterHub terminou ao subir (código {proc.returncode})")
            if time.monotonic() - t0 > 120:  # só a guarda: ~5 s ocioso, 40+ s numa máquina lotada
                hub.fail("o JupyterHub não respondeu em 120 s")
            with contextlib.suppress(OSError):
                if hub.api("GET", "")[0] == 200:
                    break
            time.sleep(0.1)
        hub.started_in = time.monotonic() - t0
        print(f"\n[hub] JupyterHub + proxy no ar em {hub.started_in:.1f} s")
        hub.request_spawn("ana")  # sobe enquanto o Chromium abre
        yield hub
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Para o hub (que para o proxy e os servidores dos usuários); o que sobrar, à força."""
    import psutil

    ours = []
    with contextlib.suppress(psutil.Error):
        ours = psutil.Process(proc.pid).children(recursive=True)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    _, alive = psutil.wait_procs(ours, timeout=10)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()


def _login(page, hub: Hub, user: str, next_path: str) -> None:
    page.goto(f"{hub.url}/hub/login?next={next_path}", wait_until="domcontentloaded")
    page.fill("#username_input", user)
    page.fill("#password_input", "qualquer")
    page.click("#login_submit")


_WS_FROM_PAGE = """(url) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.onopen = () => { ws.close(); resolve("aberto"); };
  ws.onclose = (e) => resolve(`fechado ${e.code}`);
  ws.onerror = () => {};
})"""


def test_the_chat_runs_through_a_real_hub_and_other_users_are_refused(hub, browser):
    t_test = time.monotonic()
    spawn_s = hub.wait_ready("ana")
    print(f"[hub] servidor da Ana pronto em {spawn_s:.1f} s")
    procs = hub.processes()
    idle_server = _mib(procs["servidor ana"])

    ana = browser.new_context(viewport=VIEWPORT, locale="pt-BR")
    ana.set_default_timeout(40_000)
    errors: list[str] = []
    try:
        lab = ana.new_page()
        lab.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(lab, hub, "ana", f"/user/ana/lab/tree/{NOTEBOOK}")
        lab.wait_for_function(_KERNEL_IDLE, arg=NOTEBOOK, timeout=40_000, polling=200)
        lab.evaluate("() => { window.__tudo = window.jupyterapp.commands.execute("
                     "'notebook:run-all-cells'); }")

        link = lab.locator(".jp-OutputArea-output a", has_text="abrir o chat no navegador")
        href = link.get_attribute("href")
        m = LINK_RE.match(href or "")
        assert m, f"o link não passa pelo proxy do hub com o segredo: {href!r}"

        chat = ana.new_page()
        chat.on("pageerror", lambda exc: errors.append(str(exc)))
        response = chat.goto(hub.url + href, wait_until="domcontentloaded")
        assert response.status == 200, response.status
        base = href.split("#", 1)[0]
        assert chat.evaluate("wsUrl()") == f"ws://127.0.0.1:{hub.url.rsplit(':', 1)[1]}{base}ws"
        chat.fill("#apelido", "Ana no navegador")
        chat.click("#entrar button[type=submit]")
        chat.locator("#estado", has_text="na sala como Ana no navegador").wait_for()
        chat.fill("#texto", "Olá do navegador da Ana")
        chat.press("#texto", "Enter")
        chat.locator("#mensagens .texto", has_text="O caderno respondeu").wait_for()
        screenshot(chat, "hub-chat-pelo-proxy", min_bytes=10_000)

        assert lab.evaluate("() => window.__tudo") is True, "uma célula falhou no notebook da Ana"
        lab.locator(".jp-OutputArea-output", has_text="do navegador: Ana no navegador").wait_for()
        diagram = diagram_titled(lab, "O chat pelo hub")
        arrows = diagram.locator("g.msg.arrow")
        arrows.nth(3).wait_for(state="attached")  # join, welcome, ..., message: várias setas
        lab.locator(".jp-OutputArea-output", has_text="do navegador").scroll_into_view_if_needed()
        screenshot(lab, "hub-notebook-da-ana", min_bytes=30_000)

        procs = hub.processes()
        rss = {name: _mib(p) for name, p in procs.items()}
    finally:
        ana.close()

    bruno = browser.new_context(viewport=VIEWPORT, locale="pt-BR")
    bruno.set_default_timeout(30_000)
    try:
        page = bruno.new_page()
        _login(page, hub, "bruno", "/hub/home")
        page.wait_for_url(re.compile(r"/hub/home"))
        response = page.goto(hub.url + href, wait_until="domcontentloaded")
        assert response.status == 403, f"o Bruno abriu o chat da Ana: HTTP {response.status}"
        screenshot(page, "hub-bruno-recusado", min_bytes=5_000)
        page.goto(f"{hub.url}/hub/home", wait_until="domcontentloaded")
        ws_url = f"ws://127.0.0.1:{hub.url.rsplit(':', 1)[1]}{href.split('#', 1)[0]}ws"
        ws_result = page.evaluate(_WS_FROM_PAGE, ws_url)
        assert ws_result != "aberto", "o WebSocket do Bruno entrou no chat da Ana"
        print(f"[hub] Bruno: HTTP {response.status} no link da Ana; WebSocket: {ws_result}")
    finally:
        bruno.close()

    assert not errors, errors
    wall = time.monotonic() - t_test
    print(f"[hub] teste no navegador: {wall:.1f} s (mais {hub.started_in:.1f} s de subida do hub)")
    print(f"[hub] RSS do servidor da Ana sem kernel: {idle_server:.0f} MiB")
    for name, mib in sorted(rss.items()):
        print(f"[hub] RSS {name}: {mib:.0f} MiB")


def test_a_failed_spawn_fails_the_test_at_once_with_the_hub_log(hub):
    """O servidor da Carla não sobe (opção inválida): o teste falha assim que o processo dele
    termina, com o log do hub, e não quando o hub desiste (≈ 60 s no JupyterHub 6.1)."""
    t0 = time.monotonic()
    with pytest.raises(pytest.fail.Exception) as failure:
        hub.wait_ready("carla", timeout=120)  # só a guarda; o hub desistiria antes dela
    print(f"[hub] spawn quebrado detectado em {time.monotonic() - t0:.1f} s")
    # a mensagem prova o caminho rápido: "falhou" vem do processo que morreu ou do log, nunca do
    # hub desistindo ("não está mais subindo") nem da guarda ("não ficou pronto") — sem medir tempo
    assert "o spawn de carla falhou" in str(failure.value)
    assert "opcao-que-nao-existe" in str(failure.value)  # o log do hub vem junto
