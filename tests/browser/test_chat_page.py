"""A página do chat no Chromium (issue 13): o "Sair" leva a sala antiga junto, o ícone carrega, e
uma conexão fechada com 1013 (a fila de saída passou do limite) volta sozinha com ``since`` sem
perder nem repetir mensagem.

O "Sair" roda contra o servidor como o instrutor o sobe (``python -m helpers.chat``, 127.0.0.1,
porta livre). Para o 1013, o servidor roda neste processo, num laço de eventos numa thread: o
teste aciona a guarda da fila de saída (``ChatServer.disconnect`` com o ``SLOW`` de sempre) na
conexão da página, no momento escolhido, em vez de esperar uma página que não lê.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from helpers.chat.server import SLOW, ChatServer
from support import CHAT_MARKER
from test_ch05 import PythonClient, join_page, page_says, wait_line

pytestmark = pytest.mark.browser


def watch_problems(page) -> list[str]:
    """Erros do console, da página e respostas HTTP ≥ 400 (um favicon que falta dá 404)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"página: {exc}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    return problems


def test_after_sair_the_old_room_and_its_enviar_are_gone_and_the_favicon_loads(page, standalone_server, tmp_path):
    _, port = standalone_server("helpers.chat", "--port", "0", "--dados", str(tmp_path), marker=CHAT_MARKER)
    problems = watch_problems(page)
    url = f"http://127.0.0.1:{port}/"
    join_page(page, url, "Ana")
    page_says(page, "antes de sair")
    wait_line(page, "antes de sair")
    enviar = page.locator("#enviar button[type=submit]")
    assert enviar.is_visible()

    page.click("#sair")
    page.locator("#sala").wait_for(state="hidden")
    assert enviar.is_hidden() and page.locator("#texto").is_hidden()
    assert page.locator("#entrar").is_visible()
    assert page.locator("#mensagens li").count() == 0  # a conversa antiga não fica na página
    page.wait_for_function("() => document.querySelector('#estado').textContent === 'você saiu'")

    join_page(page, url, "Ana")  # voltar funciona, e a mensagem antiga vem uma vez só (histórico)
    assert wait_line(page, "antes de sair").count() == 1

    icon = page.evaluate("""async () => {
        const link = document.querySelector('link[rel="icon"]');
        const r = await fetch(link.href);
        return [r.status, r.headers.get('content-type')];
    }""")
    assert icon == [200, "image/svg+xml"]
    assert page.evaluate("fetch('favicon.ico').then(r => r.status)") == 200
    assert problems == []


@pytest.fixture
def chat_in_thread(tmp_path):
    """``ChatServer`` (sem segredo no caminho, como na linha de comando) num laço numa thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    chat = ChatServer(tmp_path / "chat.sqlite3", secret=False)
    asyncio.run_coroutine_threadsafe(chat.start(), loop).result(30)
    try:
        yield chat, loop
    finally:
        asyncio.run_coroutine_threadsafe(chat.close(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


def test_the_page_closed_with_1013_comes_back_with_since_and_loses_nothing(page, chat_in_thread):
    chat, loop = chat_in_thread
    problems = watch_problems(page)
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    bruno = PythonClient(chat.port, "Bruno")
    try:
        join_page(page, f"http://127.0.0.1:{chat.port}/", "Ana")
        bruno.say("antes")
        wait_line(page, "antes")

        def too_slow():  # a guarda da fila de saída, com o fechamento de sempre (1013 + motivo)
            ana = next(conn for conn, nick in chat.online.items() if nick == "Ana")
            chat.disconnect(ana, *SLOW)

        loop.call_soon_threadsafe(too_slow)
        for i in range(3):  # a página está fora (ou voltando): vêm pelo since
            bruno.say(f"na ausência {i}")
        page.wait_for_function("() => document.querySelector('#estado').textContent.startsWith('na sala como')"
                               " && document.querySelectorAll('#mensagens li.msg').length >= 4")
        bruno.say("depois")
        wait_line(page, "depois")
        texts = page.locator("#mensagens li.msg .texto").all_text_contents()
        assert texts == ["antes", "na ausência 0", "na ausência 1", "na ausência 2", "depois"]
        ids = [int(t[1:]) for t in page.locator("#mensagens li.msg .id").all_text_contents()]
        assert ids == sorted(set(ids))
        assert len(sockets) == 2  # a conexão fechada com 1013 e a da volta
        assert problems == []
    finally:
        bruno.close()
