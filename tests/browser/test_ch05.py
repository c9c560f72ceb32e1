"""Capítulo 05 no Chromium: a página do chat conversa com um cliente Python, direto e pelo
jupyter-server-proxy; um XSS fica como texto; as caixas do notebook trocam o que o usuário digita.

O servidor do chat roda como o instrutor o rodaria (``python -m helpers.chat``, em 127.0.0.1,
porta escolhida pelo sistema); o "lado notebook" é um cliente ``websockets`` síncrono.
"""

from __future__ import annotations

import contextlib
import json
import re
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from websockets.sync.client import connect

from labdriver import ARTIFACTS, diagram_titled, screenshot, wait_for_count
from support import CHAT_MARKER

pytestmark = pytest.mark.browser

XSS = [
    "<script>window.__xss = 'script'</script>",
    '<img src=x onerror="window.__xss = \'img\'">',
]
XSS_NICK = '<i onmouseover="window.__xss=1">M</i>'


@pytest.fixture
def chat_server(tmp_path, standalone_server) -> tuple[int, str]:
    """``python -m helpers.chat --port 0`` (só 127.0.0.1); devolve a porta e a chave da sala que ele
    imprime (a página a pede a quem chega por outro ``Host``, como o jupyter-server-proxy)."""
    process, port = standalone_server("helpers.chat", "--port", "0", "--dados", str(tmp_path), marker=CHAT_MARKER)
    deadline = time.monotonic() + 30
    while not (found := re.search(r"página:\s+\S+#token=(\S+)", process.output())):
        assert time.monotonic() < deadline, f"o chat não imprimiu a página:\n{process.output()}"
        time.sleep(0.05)
    return port, found[1]


@pytest.fixture
def chat_port(chat_server) -> int:
    return chat_server[0]


class PythonClient:
    """O lado "notebook": um cliente websockets síncrono que entra na sala e espera mensagens."""

    def __init__(self, port: int, nick: str):
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10))
        self.ws.send(json.dumps({"action": "join", "nick": nick}))
        assert self.next("welcome")["nick"] == nick

    def next(self, kind: str, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            event = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if event["type"] == kind:
                return event

    def wait_text(self, text: str) -> dict:
        while True:
            msg = self.next("message")
            if msg["text"] == text:
                return msg

    def say(self, text: str) -> None:
        self.ws.send(json.dumps({"action": "send", "text": text}))

    def close(self) -> None:
        self._stack.close()


def join_page(page, url: str, nick: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.fill("#apelido", nick)
    page.click("#entrar button[type=submit]")
    page.wait_for_function("() => document.querySelector('#estado').textContent.startsWith('na sala como')")
    assert page.locator("#entrar").is_hidden() and page.locator("#sala").is_visible()


def page_says(page, text: str) -> None:
    page.fill("#texto", text)
    page.press("#texto", "Enter")


def wait_line(page, text: str):
    line = page.locator("#mensagens li", has_text=text)
    line.first.wait_for(state="visible")
    return line


def test_the_page_and_a_python_client_chat_and_xss_stays_text(page, chat_port):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    notebook = PythonClient(chat_port, "Notebook")
    try:
        join_page(page, f"http://127.0.0.1:{chat_port}/", "Navegadora")
        assert page.evaluate("wsUrl()") == f"ws://127.0.0.1:{chat_port}/ws"
        assert notebook.next("presence")["joined"] == "Navegadora"

        page_says(page, "Olá do navegador!")
        got = notebook.wait_text("Olá do navegador!")
        assert got["nick"] == "Navegadora"

        notebook.say("Olá do notebook!")
        line = wait_line(page, "Olá do notebook!")
        assert line.locator(".quem").text_content() == "Notebook"

        mallory = PythonClient(chat_port, XSS_NICK)
        for text in XSS:
            mallory.say(text)
            wait_line(page, text)
        mallory.close()
        items = page.locator("#mensagens li.msg")
        shown = [items.nth(i).locator(".texto").text_content() for i in range(items.count())]
        assert shown[-2:] == XSS  # o texto exato, com < e >
        assert page.locator("#mensagens li.msg .quem").last.text_content() == XSS_NICK
        assert page.locator("#mensagens script, #mensagens img, #mensagens i[onmouseover]").count() == 0
        page.locator("#mensagens li.msg .quem").last.hover()
        assert page.evaluate("window.__xss") is None
        screenshot(page, "ch05-pagina-do-chat", min_bytes=15_000)
    finally:
        notebook.close()
    assert errors == []


def test_the_page_works_behind_jupyter_server_proxy(page, lab, chat_server):
    chat_port, key = chat_server
    notebook = PythonClient(chat_port, "Notebook")
    try:
        proxied = lab.url(f"proxy/127.0.0.1:{chat_port}/")
        page.goto(f"{proxied}?token={lab.token}", wait_until="domcontentloaded")  # login no Jupyter
        join_page(page, f"{proxied}#token={key}", "Pelo proxy")  # o link que o chat imprime
        assert page.evaluate("wsUrl()") == (
            f"ws://127.0.0.1:{lab.port}{lab.base_url}proxy/127.0.0.1:{chat_port}/ws")
        page_says(page, "Passei pelo proxy do Jupyter")
        assert notebook.wait_text("Passei pelo proxy do Jupyter")["nick"] == "Pelo proxy"
        notebook.say("E a resposta voltou por ele")
        wait_line(page, "E a resposta voltou por ele")
        screenshot(page, "ch05-pagina-pelo-proxy", min_bytes=15_000)
    finally:
        notebook.close()


BOXES = '''\
from helpers import registry
from helpers.chat.server import ChatServer
from helpers.chat.widget import ChatClient, side_by_side

chat = await registry.start("chat", ChatServer())
ana = await registry.start("ana", ChatClient(chat.url, "Ana"))
bruno = await registry.start("bruno", ChatClient(chat.url, "Bruno"))
await bruno.send({xss!r})
await ana.wait_for_text({xss!r})
side_by_side(ana, bruno)
'''


@pytest.fixture
def boxes_notebook(lab):
    name = "caixas-de-chat.ipynb"
    nb = new_notebook(cells=[new_code_cell(BOXES.format(xss=XSS[1]))])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, lab.root_dir / name)
    return name


def test_what_the_user_types_in_one_box_appears_in_the_other(page, run_notebook_in_lab, boxes_notebook):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    run_notebook_in_lab(page, boxes_notebook)
    boxes = page.locator(".curso-chat")
    wait_for_count(boxes, 2)
    ana, bruno = boxes.nth(0), boxes.nth(1)
    ana.locator(".curso-chat-status", has_text="conectado").wait_for()
    assert ana.locator(".curso-chat-nick").text_content() == "Ana"
    xss_line = ana.locator(".curso-chat-line .text", has_text="onerror")
    xss_line.wait_for()
    assert xss_line.text_content() == XSS[1]
    assert ana.locator(".curso-chat-log img").count() == 0

    ana.locator(".curso-chat-input").fill("digitado na caixa da Ana")
    ana.locator(".curso-chat-input").press("Enter")
    bruno.locator(".curso-chat-line .text", has_text="digitado na caixa da Ana").wait_for()
    ana.locator(".curso-chat-line.mine .text", has_text="digitado na caixa da Ana").wait_for()
    bruno.locator(".curso-chat-input").type("oi")  # dispara o "digitando"
    ana.locator(".curso-chat-typing", has_text="Bruno está digitando").wait_for()
    page.locator(".curso-chat").first.scroll_into_view_if_needed()
    page.locator(".jp-OutputArea-output").filter(has=page.locator(".curso-chat")).first.screenshot(
        path=str(ARTIFACTS / "ch05-caixas.png"))
    assert errors == []


def test_notebook_05_draws_the_flow_and_fills_the_boxes(page, run_notebook_in_lab):
    run_notebook_in_lab(page, "05-chat.ipynb", timeout_ms=120_000)
    fluxo = diagram_titled(page, "O fluxo clássico: envia → guarda no banco → empurra para todos")
    # Ana: send + INSERT + 3 message; Bruno: typing + 2 typing, send + INSERT + 3; Carla: 2 × (send + INSERT + 3)
    wait_for_count(fluxo.locator("g.msg.arrow"), 23)
    inserts = fluxo.locator("g.msg.arrow text", has_text="INSERT #")
    assert inserts.count() == 4
    boxes = page.locator(".curso-chat")
    wait_for_count(boxes, 3)
    boxes.first.locator(".curso-chat-line .text", has_text="Ainda estamos aqui?").wait_for(state="attached")
    fluxo.scroll_into_view_if_needed()
    fluxo.screenshot(path=str(ARTIFACTS / "ch05-fluxo.png"))
    boxes.first.scroll_into_view_if_needed()
    page.locator(".jp-OutputArea-output").filter(has=page.locator(".curso-chat")).first.screenshot(
        path=str(ARTIFACTS / "ch05-caixas-do-notebook.png"))
    screenshot(page, "ch05-notebook")
