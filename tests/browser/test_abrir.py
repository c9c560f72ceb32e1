"""O curso aberto como o README manda (``python3 curso.py abrir``), visto no Chromium.

Nada aqui monta um mundo próprio: o JupyterLab é o que ``curso.py abrir`` inicia, na raiz que ele
escolhe, com a configuração que ele passa; o teste só fixa a porta e o token, pede que não abra
navegador e dá ao JupyterLab um perfil novo (configurações e áreas de trabalho vazias), como o de
quem abre o curso pela primeira vez. A URL visitada é a que ``curso.py abrir`` imprime.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import nbformat
import pytest

from jupyter_server import free_port
from labdriver import NOTEBOOKS, ROOT, screenshot

pytestmark = pytest.mark.browser

FIRST = "notebooks/00-boas-vindas.ipynb"
URL_LINE = re.compile(r"(http://127\.0\.0\.1:\d+/\S*\?token=\S+)")


class Course:
    """``curso.py abrir`` num subprocesso (grupo próprio: parar mata o Jupyter que ele abriu)."""

    def __init__(self, tmp_path: pathlib.Path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        profile = tmp_path / "perfil"
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(profile / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(profile / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(profile / "runtime"))
        # o único ajuste ao perfil novo: desenhar todas as células de uma vez (o JupyterLab só
        # desenha as que chegam perto da tela), para o teste ver cada figura do notebook
        tracker = profile / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
        tracker.parent.mkdir(parents=True)
        tracker.write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
        self.lines: list[str] = []
        self.url_seen = threading.Event()
        self.popen = subprocess.Popen(
            [sys.executable, str(ROOT / "curso.py"), "abrir", "--no-browser", f"--port={self.port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.append(line)
            if URL_LINE.search(line):
                self.url_seen.set()
        self.url_seen.set()  # o processo acabou: quem espera deixa de esperar

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def printed_url(self, timeout: float = 90) -> str:
        """A URL que um aluno copiaria do terminal, com o token (que o Jupyter esconde quando
        ele veio de fora, como aqui) no lugar dos ``...``."""
        self.url_seen.wait(timeout)
        match = next((m for m in map(URL_LINE.search, self.lines) if m), None)
        assert match, f"curso.py abrir não imprimiu uma URL com token:\n{self.output[-3000:]}"
        return match[1].replace("token=...", f"token={self.token}")

    def wait_until_answering(self, timeout: float = 60) -> None:
        """O Jupyter imprime a URL um instante antes de aceitar conexões: espera a primeira
        resposta (como o navegador de um aluno, que tentaria de novo)."""
        deadline = time.monotonic() + timeout
        while self.get("/api/status") != 200:
            assert self.popen.poll() is None, f"o JupyterLab parou:\n{self.output[-3000:]}"
            assert time.monotonic() < deadline, f"o JupyterLab não respondeu:\n{self.output[-3000:]}"
            time.sleep(0.2)

    def get(self, path: str) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except urllib.error.URLError:
            return 0

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)


@pytest.fixture(scope="module")
def course(tmp_path_factory, chromium):
    """Um ``curso.py abrir`` para o módulo: os dois testes leem o mesmo terminal e o mesmo
    JupyterLab (subir outro custaria ~10 s e não provaria nada a mais)."""
    running = Course(tmp_path_factory.mktemp("abrir"))
    try:
        yield running
    finally:
        running.stop()


# Todas as imagens e links do notebook aberto: cada <img> rolado até a tela e decodificado.
_IMAGES = """async () => {
  const panel = window.document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const imgs = [...panel.querySelectorAll('.jp-RenderedMarkdown img, .jp-RenderedHTMLCommon img')];
  const out = [];
  for (const img of imgs) {
    img.scrollIntoView();
    try { await img.decode(); } catch (e) { /* naturalWidth 0 conta como quebrada */ }
    out.push({src: img.getAttribute('src'), width: img.naturalWidth});
  }
  return out;
}"""

_LINKS = """() => {
  const panel = window.document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  return [...panel.querySelectorAll('.jp-RenderedMarkdown a[href]')].map(a => a.getAttribute('href'));
}"""

_ALL_MARKDOWN_RENDERED = """(expected) => {
  const panel = window.document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  return !!panel && panel.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown').length >= expected;
}"""

_CURRENT = """(name) => {
  const w = window.document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const tab = window.document.querySelector('.lm-TabBar-tab.jp-mod-current .lm-TabBar-tabLabel');
  return !!w && !!tab && tab.textContent === name
    && w.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown').length > 0;
}"""


def test_curso_abrir_lands_on_notebook_00_with_every_figure_and_link_working(course, page):
    url = course.printed_url()
    assert f"/lab/tree/{FIRST}?" in url, f"a URL impressa não leva ao notebook 00: {url}"

    course.wait_until_answering()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(_CURRENT, arg="00-boas-vindas.ipynb", timeout=60_000, polling=200)
    screenshot(page, "abrir-notebook-00")

    # perfil novo, sem o pop-up de notícias: a configuração vem do curso, não do teste
    settings = page.request.get(
        f"http://127.0.0.1:{course.port}/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert settings.ok
    # o valor padrão do schema vira "false" (o do JupyterLab é "none": perguntar num pop-up)
    assert json.loads(settings.text())["schema"]["properties"]["fetchNews"]["default"] == "false"

    broken, dead, seen = [], [], 0
    for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")):
        if notebook.name != "00-boas-vindas.ipynb":
            # como um aluno: volta à aba do 00 e clica no capítulo, no mapa do curso
            page.locator(".lm-TabBar-tab", has_text="00-boas-vindas.ipynb").first.click()
            page.wait_for_function(_CURRENT, arg="00-boas-vindas.ipynb", timeout=30_000, polling=200)
            visible = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown"
            page.locator(f'{visible} a[href*="{notebook.name}"]').first.click()
            page.wait_for_function(_CURRENT, arg=notebook.name, timeout=60_000, polling=200)
        markdown = sum(c.cell_type == "markdown" for c in nbformat.read(notebook, as_version=4).cells)
        page.wait_for_function(_ALL_MARKDOWN_RENDERED, arg=markdown, timeout=60_000, polling=200)
        for img in page.evaluate(_IMAGES):
            seen += 1
            if img["width"] <= 0:
                broken.append(f"{notebook.name}: {img['src']}")
        for href in page.evaluate(_LINKS):
            if re.match(r"^[a-z][a-z0-9+.-]*:|^#", href, re.I):
                continue  # internet ou âncora na mesma página
            status = course.get(href.split("#")[0])
            if status != 200:
                dead.append(f"{notebook.name}: {href} → {status}")
    assert seen >= 6, f"só {seen} imagens nos notebooks: o teste não viu as figuras"
    assert broken == [], f"figuras que não carregaram: {broken}"
    assert dead == [], f"links relativos que não respondem 200: {dead}"


def test_curso_abrir_as_root_passes_allow_root_with_a_notice(course):
    course.printed_url()
    if os.geteuid() == 0:
        assert "--allow-root" in course.output and "root" in course.output
    assert course.popen.poll() is None, f"o JupyterLab parou:\n{course.output[-3000:]}"
