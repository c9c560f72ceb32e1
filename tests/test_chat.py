"""O servidor do chat com conexões de verdade (127.0.0.1, porta 0, esperas com limite)."""

import asyncio
import html
import json
import logging
import re
import subprocess
import sys

import aiohttp
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import helpers.chat.server as chat_module
from helpers.chat.server import ChatServer, build_parser, configure
from helpers.chat.protocol import LIMITS, MAX_SIZE, MAX_TEXT
from helpers.protocols.handshake import SAMPLE_MASK, RawWebSocket
from helpers.protocols.wsframes import Frame, Opcode
from support import TIMEOUT, join, recv, recv_type



@pytest.fixture
async def chat(tmp_path):
    log = logging.getLogger("teste.chat")
    log.propagate = False
    server = ChatServer(tmp_path / "chat.sqlite3", logger=log)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


async def say(ws, text: str) -> None:
    await ws.send(json.dumps({"action": "send", "text": text}))


# --- o fluxo: entrar, mandar, todos recebem -------------------------------------------------------


async def test_joining_gets_a_welcome_with_who_is_online_and_the_others_see_it(chat):
    ana, welcome, history = await join(chat.url, "Ana")
    assert welcome == {"type": "welcome", "nick": "Ana", "online": ["Ana"], "last_id": 0}
    assert history == {"type": "history", "messages": [], "more": False}
    bruno, welcome, _ = await join(chat.url, "Bruno")
    assert welcome["online"] == ["Ana", "Bruno"]
    assert await recv(ana) == {"type": "presence", "joined": "Bruno", "count": 2}
    await ana.close()
    await bruno.close()


async def test_a_message_is_stored_then_pushed_to_everyone_with_id_and_timestamp(chat):
    stored = []
    chat.on_store = stored.append
    ana, _, _ = await join(chat.url, "Ana")
    bruno, _, _ = await join(chat.url, "Bruno")
    carla, _, _ = await join(chat.url, "Carla")
    await say(ana, "Oi, gente!")
    got = [await recv_type(ws, "message") for ws in (ana, bruno, carla)]
    assert got[0] == got[1] == got[2]
    assert got[0]["id"] == 1 and got[0]["nick"] == "Ana" and got[0]["text"] == "Oi, gente!"
    assert got[0]["ts"].endswith("Z")
    assert stored == [{k: v for k, v in got[0].items() if k != "type"}]
    assert chat.store.since(0) == stored
    for ws in (ana, bruno, carla):
        await ws.close()


async def test_a_newcomer_gets_the_recent_history_before_anything_new(chat):
    ana, _, _ = await join(chat.url, "Ana")
    for text in ("um", "dois"):
        await say(ana, text)
        await recv_type(ana, "message")
    bruno, welcome, history = await join(chat.url, "Bruno")
    assert welcome["last_id"] == 2
    assert [m["text"] for m in history["messages"]] == ["um", "dois"]
    await say(ana, "três")
    assert (await recv_type(bruno, "message"))["text"] == "três"
    await ana.close()
    await bruno.close()


async def test_typing_goes_to_the_others_only(chat):
    ana, _, _ = await join(chat.url, "Ana")
    bruno, _, _ = await join(chat.url, "Bruno")
    await recv(ana)  # presença do Bruno
    await ana.send(json.dumps({"action": "typing"}))
    assert await recv(bruno) == {"type": "typing", "nick": "Ana"}
    await say(bruno, "fala")
    assert (await recv(ana))["type"] == "message"  # a Ana não recebeu o próprio "digitando"
    await ana.close()
    await bruno.close()


async def test_leave_closes_with_1000_and_the_others_see_who_left(chat):
    ana, _, _ = await join(chat.url, "Ana")
    bruno, _, _ = await join(chat.url, "Bruno")
    await recv(ana)
    await bruno.send(json.dumps({"action": "leave"}))
    assert await recv(ana) == {"type": "presence", "left": "Bruno", "count": 1}
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(bruno.recv(), TIMEOUT)
    assert bruno.close_code == 1000
    assert list(chat.online.values()) == ["Ana"]
    await ana.close()


async def test_a_client_that_vanishes_is_unregistered_anyway(chat):
    ana, _, _ = await join(chat.url, "Ana")
    bruno, _, _ = await join(chat.url, "Bruno")
    await recv(ana)
    bruno.transport.abort()  # sem CLOSE: o TCP some
    assert await recv(ana) == {"type": "presence", "left": "Bruno", "count": 1}
    await say(ana, "ainda aqui")
    assert (await recv(ana))["text"] == "ainda aqui"
    await ana.close()


async def test_reconnecting_with_since_gets_exactly_what_was_missed(chat):
    ana, _, _ = await join(chat.url, "Ana")
    bruno, _, _ = await join(chat.url, "Bruno")
    await say(ana, "antes")
    seen = (await recv_type(bruno, "message"))["id"]
    bruno.transport.abort()
    for text in ("durante 1", "durante 2"):
        await say(ana, text)
    await recv_type(ana, "message")
    await recv_type(ana, "message")
    await recv_type(ana, "message")
    bruno, welcome, history = await join(chat.url, "Bruno", since=seen)
    assert [m["text"] for m in history["messages"]] == ["durante 1", "durante 2"]
    await say(ana, "depois")
    assert (await recv_type(bruno, "message"))["text"] == "depois"
    await ana.close()
    await bruno.close()


async def test_a_long_absence_comes_back_in_pages(chat):
    for i in range(450):
        chat.store.add("Ana", f"m{i}")
    ws, _, first = await join(chat.url, "Bruno", since=0)
    pages = [first, await recv(ws), await recv(ws)]
    assert [len(p["messages"]) for p in pages] == [200, 200, 50]
    assert [p["more"] for p in pages] == [True, True, False]
    assert [m["id"] for p in pages for m in p["messages"]] == list(range(1, 451))
    await ws.close()


async def test_the_history_action_answers_only_the_one_who_asked(chat):
    for text in "abc":
        chat.store.add("Ana", text)
    ana, _, _ = await join(chat.url, "Ana")
    await ana.send(json.dumps({"action": "history", "since": 1, "limit": 1}))
    assert await recv(ana) == {"type": "history", "messages": chat.store.since(1, 1), "more": False}
    await ana.close()


async def test_restarting_the_server_keeps_the_history(tmp_path):
    path = tmp_path / "chat.sqlite3"
    first = ChatServer(path)
    await first.start()
    ana, _, _ = await join(first.url, "Ana")
    await say(ana, "guardada")
    await recv_type(ana, "message")
    await first.close()
    assert ana.close_code == 1001  # "indo embora": o servidor desligou
    second = ChatServer(path)
    await second.start()
    try:
        bruno, welcome, history = await join(second.url, "Bruno")
        assert welcome["last_id"] == 1 and history["messages"][0]["text"] == "guardada"
        await bruno.close()
    finally:
        await second.close()


async def test_a_numbered_resend_is_acknowledged_but_not_stored_twice(chat):
    ana, _, _ = await join(chat.url, "Ana", client="celular-ana")
    bruno, _, _ = await join(chat.url, "Bruno")
    for _ in range(2):
        await ana.send(json.dumps({"action": "send", "text": "só uma vez", "seq": 1}))
    assert (await recv_type(ana, "message"))["text"] == "só uma vez"
    assert await recv_type(ana, "ack") == {"type": "ack", "seq": 1, "id": 1}
    assert await recv_type(ana, "ack") == {"type": "ack", "seq": 1, "id": 1}
    await say(ana, "outra")
    assert [(await recv_type(bruno, "message"))["text"] for _ in range(2)] == ["só uma vez", "outra"]
    assert len(chat.store) == 2
    await ana.close()
    await bruno.close()


# --- entrada ruim: erro só para quem errou, nada guardado, os outros nem percebem -----------------


BAD = [
    ("oi", "não é JSON válido"),
    ('{"action": "send", "text": "oi"', "não é JSON válido"),
    ('{"action": "dance"}', "Ação desconhecida"),
    ('{"action": "send"}', 'Falta o campo "text"'),
    ('{"action": "send", "text": ""}', "texto não vazio"),
    (json.dumps({"action": "send", "text": "x" * (MAX_TEXT + 1)}), "longo demais"),
    ('{"action": "join", "nick": "Outro"}', "já entrou"),
    (b"\x00\x01", "binárias não são aceitas"),
]


@pytest.mark.parametrize("raw, words", BAD)
async def test_bad_input_gets_an_error_for_that_client_only_and_nothing_is_stored(chat, raw, words):
    ana, _, _ = await join(chat.url, "Ana")
    bruno, _, _ = await join(chat.url, "Bruno")
    await recv(ana)
    await bruno.send(raw)
    answer = await recv(bruno)
    assert answer["type"] == "error" and words in answer["error"], answer
    assert len(chat.store) == 0
    await say(ana, "tudo certo?")  # a Ana não recebeu nada do erro: a próxima coisa é esta mensagem
    assert (await recv(ana))["text"] == "tudo certo?"
    await say(bruno, "sim")  # e o Bruno continua conectado e conversando
    assert (await recv_type(ana, "message"))["text"] == "sim"
    await ana.close()
    await bruno.close()


async def test_sending_before_joining_is_refused_politely(chat):
    async with connect(chat.url) as ws:
        await say(ws, "oi")
        answer = await recv(ws)
        assert "Primeiro entre na sala" in answer["error"] and answer["action"] == "send"
    assert len(chat.store) == 0


async def test_an_oversized_message_closes_that_connection_with_1009_only(chat):
    ana, _, _ = await join(chat.url, "Ana")
    bruno, _, _ = await join(chat.url, "Bruno")
    await recv(ana)
    await bruno.send(json.dumps({"action": "send", "text": "x" * MAX_SIZE}))
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(bruno.recv(), TIMEOUT)
    assert bruno.close_code == 1009
    assert await recv(ana) == {"type": "presence", "left": "Bruno", "count": 1}
    assert len(chat.store) == 0
    await say(ana, "sigo aqui")
    assert (await recv(ana))["text"] == "sigo aqui"
    await ana.close()


async def test_invalid_utf8_in_a_text_frame_closes_with_1007_only(chat):
    ana, _, _ = await join(chat.url, "Ana")
    raw = await RawWebSocket.connect(chat.port, path=chat.ws_path)
    await raw.send(Frame.text(json.dumps({"action": "join", "nick": "Cru"}), mask=SAMPLE_MASK))
    assert json.loads((await raw.recv()).payload)["type"] == "welcome"
    await recv(ana)  # presença do Cru
    await raw.send(Frame(Opcode.TEXT, b'{"action":"send","text":"\xff\xfe"}', mask=SAMPLE_MASK), check=False)
    while (frame := await raw.recv()).opcode != Opcode.CLOSE:
        pass
    assert frame.close_code == 1007
    await raw.reply_close(frame)
    assert (await recv(ana))["left"] == "Cru"
    assert len(chat.store) == 0
    await ana.close()


# --- modo sala de aula, Origin, a página ----------------------------------------------------------


async def test_with_a_token_the_join_must_bring_it_compared_in_constant_time(tmp_path, monkeypatch):
    compared = []
    real = chat_module.hmac.compare_digest
    monkeypatch.setattr(chat_module.hmac, "compare_digest", lambda a, b: compared.append(1) or real(a, b))
    server = ChatServer(token="segredo-da-turma")
    await server.start()
    try:
        for wrong in ({}, {"token": "chute"}, {"token": "ção"}):
            async with connect(server.url) as ws:
                await ws.send(json.dumps({"action": "join", "nick": "Intruso", **wrong}))
                answer = await recv(ws)
                assert "Token inválido" in answer["error"]
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), TIMEOUT)
                assert ws.close_code == 1008
        assert server.online == {}
        ws, welcome, _ = await join(server.url, "Aluna", token="segredo-da-turma")
        assert welcome["online"] == ["Aluna"]
        assert len(compared) == 4
        await ws.close()
    finally:
        await server.close()


async def test_a_page_from_another_origin_is_refused_with_403(chat):
    with pytest.raises(InvalidStatus) as caught:
        async with connect(chat.url, origin="https://malicioso.example"):
            pass
    assert caught.value.response.status_code == 403
    assert b"Origem n\xc3\xa3o permitida" in caught.value.response.body
    async with connect(chat.url, origin=f"http://127.0.0.1:{chat.port}"):
        pass  # a própria página: aceita


async def test_the_page_and_its_files_are_served_on_the_same_port(chat):
    async with aiohttp.ClientSession() as http:
        async with http.get(chat.page_url) as r:
            assert r.status == 200 and r.content_type == "text/html"
            assert "default-src 'self'" in r.headers["Content-Security-Policy"]
            page = await r.text()
        assert '<script src="chat.js">' in page and '<link rel="stylesheet" href="chat.css">' in page
        limits = html.unescape(re.search(r'data-limites="([^"]*)"', page).group(1))
        assert json.loads(limits) == LIMITS  # a página recebe os limites do protocolo
        async with http.get(chat.page_url + "chat.js") as r:
            assert r.status == 200 and r.content_type == "text/javascript"
            script = await r.text()
        assert "textContent" in script and ".innerHTML" not in script and "insertAdjacentHTML" not in script
        async with http.get(chat.page_url + "chat.css") as r:
            assert r.status == 200 and r.content_type == "text/css"
        async with http.get(chat.page_url + "segredo.txt") as r:
            assert r.status == 404 and "página do chat fica em /" in await r.text()


async def test_stopping_the_server_says_1001_to_everyone_and_closes_the_database(tmp_path):
    server = ChatServer(tmp_path / "chat.sqlite3")
    await server.start()
    ana, _, _ = await join(server.url, "Ana")
    await server.close()
    assert ana.close_code == 1001 and server.store is None


# --- linha de comando -----------------------------------------------------------------------------


def test_loopback_needs_no_token_and_any_other_address_requires_one():
    local = configure([])
    assert (local.host, local.port, local.token, local.classroom) == ("127.0.0.1", 8765, None, False)
    room = configure(["--host", "0.0.0.0", "--port", "8765"])  # nada é aberto aqui: só a configuração
    assert room.classroom and room.generated_token and len(room.token) >= 16
    assert configure(["--host", "0.0.0.0"]).token != room.token  # um novo a cada vez
    chosen = configure(["--host", "192.168.0.10", "--token", "turma-b"])
    assert chosen.token == "turma-b" and not chosen.generated_token
    assert configure(["--host", "::1"]).token is None and configure(["--host", "localhost"]).token is None
    assert configure(["--token", "x"]).token == "x"  # no loopback, token só se pedido
    assert configure(["--dados", "outra", "--origem", "https://hub.exemplo.edu"]).origins == ("https://hub.exemplo.edu",)
    with pytest.raises(SystemExit):
        configure(["--token", " "])


def test_a_generated_token_can_be_pasted_back_into_the_command_line():
    from helpers.chat.server import new_token

    tokens = {new_token() for _ in range(2000)}  # sem o cuidado, ≈ 31 começariam com "-"
    assert len(tokens) == 2000 and not any(t.startswith("-") for t in tokens)
    token = min(tokens)
    assert configure(["--host", "0.0.0.0", "--token", token]).token == token


def test_help_documents_classroom_mode():
    out = subprocess.run([sys.executable, "-m", "helpers.chat", "--help"], capture_output=True, text=True,
                         timeout=30, check=True).stdout
    for words in ("Modo sala de aula", "--host", "--token", "OBRIGATÓRIO", "secrets.token_urlsafe",
                  "#token=TOKEN", "ChatClient(", "1008", "apagar a pasta"):
        assert words in out, words
    assert out == build_parser().format_help()
