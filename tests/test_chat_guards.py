"""As guardas do servidor do chat para uma turma inteira (issue 13), com conexões de verdade.

Cada teste reproduz um ataque ou descuido visto contra o servidor anterior; tudo em 127.0.0.1,
porta 0, e nenhum resultado depende da velocidade da máquina (eventos, contadores, relógio
injetado; os limites de espera são só guardas contra travar).
"""

import asyncio
import json
import socket

import aiohttp
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from helpers.chat.guards import Limits
from helpers.chat.server import ChatServer, configure
from helpers.chat.widget import ChatClient
from support import TIMEOUT, join, quiet_logger, recv, recv_type, wait_until



def quiet():
    return quiet_logger("teste.guardas")


@pytest.fixture
async def chat(tmp_path, reg):
    return await reg.start("chat", ChatServer(tmp_path / "chat.sqlite3", logger=quiet()))


# --- item 4: valores fora da faixa recebem o erro de sempre, nunca um 1011 ----------------------


async def test_a_join_with_since_beyond_64_bits_gets_an_error_not_a_1011(chat):
    ws = await connect(chat.url, compression=None, open_timeout=TIMEOUT)
    await ws.send(json.dumps({"action": "join", "nick": "Ana", "since": 2**63}))
    assert (await recv(ws))["type"] == "error"
    await ws.send(json.dumps({"action": "join", "nick": "Ana", "since": 0}))
    assert (await recv(ws))["type"] == "welcome"
    await ws.close()


@pytest.mark.parametrize("raw", [
    json.dumps({"action": "history", "since": 2**63}),
    json.dumps({"action": "history", "since": 10**400}),
    json.dumps({"action": "send", "text": "oi", "seq": 2**63}),
    "[" * 3000 + "]" * 3000,
    '{"action": "send", "text": ' + "[" * 3000 + "]" * 3000 + "}",
])
async def test_out_of_range_values_get_the_ordinary_error_and_the_connection_stays_open(chat, raw):
    ana, _, _ = await join(chat.url, "Ana", client="c-ana")
    await ana.send(raw)
    error = await recv_type(ana, "error")
    assert error["error"][0].isupper() and "1011" not in error["error"]
    await ana.send(json.dumps({"action": "send", "text": "ainda aqui"}))
    assert (await recv_type(ana, "message"))["text"] == "ainda aqui"
    await ana.close()


# --- item 1: quem não lê não faz a memória do servidor crescer ----------------------------------


async def slow_reader(url: str, nick: str, **fields):
    """Um cliente com janela TCP mínima que para de ler depois do histórico (notebook travado)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = url.split("/")[2].split(":")
    sock.connect((host, int(port)))
    sock.setblocking(False)
    ws = await connect(url, sock=sock, compression=None, open_timeout=TIMEOUT, max_size=None)
    await ws.send(json.dumps({"action": "join", "nick": nick, **fields}))
    welcome = await recv(ws)
    await recv_type(ws, "history")
    ws.transport.pause_reading()
    return ws, welcome


async def fill(chat, n=600):
    for i in range(n):
        chat.store.add("Carga", f"{i:04d} " + "x" * 400)


async def test_a_client_that_never_reads_is_closed_with_1013_and_resumes_with_since(tmp_path, reg):
    chat = ChatServer(tmp_path / "c.sqlite3", logger=quiet(), close_timeout=60,
                      limits=Limits(outgoing=256 * 1024, rate=None))
    await reg.start("chat", chat)
    await fill(chat)
    lento, welcome = await slow_reader(chat.url, "Lento", client="c-lento")
    for _ in range(100):  # 100 × ~220 KB pedidos, sem ler nada: muito além do limite
        await lento.send(json.dumps({"action": "history", "since": 0, "limit": 500}))
    await wait_until(lambda: chat.counters["lentos"] == 1, TIMEOUT, what="o servidor fechar o lento")
    assert "Lento" not in chat.nicks()
    ana, _, _ = await join(chat.url, "Ana")  # os outros seguem normalmente
    await ana.send(json.dumps({"action": "send", "text": "enquanto o Lento estava fora"}))
    last = (await recv_type(ana, "message"))["id"]
    lento.transport.resume_reading()
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await recv(lento)
    assert closed.value.rcvd.code == 1013 and "since" in closed.value.rcvd.reason
    volta, _, _ = await join(chat.url, "Lento", since=welcome["last_id"])
    assert chat.counters["lentos"] == 1
    await volta.send(json.dumps({"action": "history", "since": last - 1, "limit": 1}))
    assert [m["text"] for m in (await recv_type(volta, "history"))["messages"]] == [
        "enquanto o Lento estava fora"]
    await ana.close()
    await volta.close()


async def test_the_notebook_client_closed_with_1013_comes_back_by_itself_with_since_and_loses_nothing(tmp_path):
    chat = ChatServer(tmp_path / "c.sqlite3", logger=quiet(), close_timeout=60,
                      limits=Limits(outgoing=256 * 1024, rate=None))
    await chat.start()
    lento = ChatClient(chat.url, "Lento", resume_after=0)
    try:
        await fill(chat)  # ids 1..600
        await lento.start()
        ana, _, _ = await join(chat.url, "Ana")
        lento.ws.transport.pause_reading()  # o notebook travou: nada é lido
        for _ in range(100):
            await lento.history(0, 500)  # respostas antigas (ids 1..500) chegam depois das novas
        await wait_until(lambda: chat.counters["lentos"] == 1, TIMEOUT, what="o servidor fechar o lento")
        for i in range(3):
            await ana.send(json.dumps({"action": "send", "text": f"durante {i}"}))
        await recv_type(ana, "message")
        lento.ws.transport.resume_reading()  # lê a fila, recebe o 1013 e volta sozinho
        await lento.wait_for_text("durante 2", 6 * TIMEOUT)  # (só a guarda: a fila tem alguns MB)
        await ana.send(json.dumps({"action": "send", "text": "depois"}))
        await lento.wait_for_text("depois", TIMEOUT)
        assert [e["type"] for e in lento.events].count("welcome") == 2 and lento.connected
        resumed = lento.events[[e["type"] for e in lento.events].index("welcome", 1) + 1]
        assert [m["text"] for m in resumed["messages"]] == ["durante 0", "durante 1", "durante 2"]
        live = [m["text"] for m in lento.messages if not m["text"][:4].isdigit()]
        assert live == ["durante 0", "durante 1", "durante 2", "depois"]  # cada uma uma vez, em ordem
        await ana.close()
    finally:
        await lento.close()
        await chat.close()


async def test_a_dead_peer_behind_a_full_buffer_is_dropped_anyway(tmp_path, reg):
    chat = ChatServer(tmp_path / "c.sqlite3", logger=quiet(), close_timeout=0.2,
                      limits=Limits(outgoing=256 * 1024, rate=None))
    await reg.start("chat", chat)
    await fill(chat)
    lento, _ = await slow_reader(chat.url, "Lento")
    for _ in range(100):
        await lento.send(json.dumps({"action": "history", "since": 0, "limit": 500}))
    await wait_until(lambda: not chat.server.server.connections, TIMEOUT,
                     what="o servidor derrubar a conexão que nunca lê")
    lento.transport.abort()


# --- item 2: limite de taxa (balde de fichas, relógio injetado) ---------------------------------


async def test_a_flood_of_malformed_messages_spends_the_same_tokens(tmp_path, reg):
    now = [0.0]
    chat = ChatServer(tmp_path / "c.sqlite3", logger=quiet(), clock=lambda: now[0],
                      limits=Limits(rate=1, burst=4, history_cost=2, penalty=0))
    await reg.start("chat", chat)
    ana, _, _ = await join(chat.url, "Ana")     # join: 1 ficha; sobram 3
    for _ in range(5):
        await ana.send("{isto não é JSON")
    errors = [(await recv_type(ana, "error"))["error"] for _ in range(5)]
    assert [e.startswith("Devagar") for e in errors] == [False, False, False, True, True], errors
    assert chat.counters["limitados"] == 2
    await ana.close()


async def test_a_flooder_gets_an_error_only_for_itself_and_the_others_see_only_what_was_accepted(tmp_path, reg):
    now = [0.0]
    chat = ChatServer(tmp_path / "c.sqlite3", logger=quiet(), clock=lambda: now[0],
                      limits=Limits(rate=1, burst=4, history_cost=2, penalty=0))
    await reg.start("chat", chat)
    ana, _, _ = await join(chat.url, "Ana")     # join: 1 ficha; sobram 3
    bruno, _, _ = await join(chat.url, "Bruno")
    for i in range(5):
        await ana.send(json.dumps({"action": "send", "text": f"m{i}"}))
    errors, seen = [], 0
    while seen < 5:
        event = await recv(ana)
        seen += event["type"] in ("message", "error")
        if event["type"] == "error":
            errors.append(event["error"])
    assert len(errors) == 2 and all(e.startswith("Devagar") for e in errors)
    now[0] += 2.0  # duas fichas de volta
    await ana.send(json.dumps({"action": "send", "text": "fim"}))
    seen = []
    while not seen or seen[-1] != "fim":
        event = await recv(bruno)
        assert event["type"] in ("message", "presence"), event
        if event["type"] == "message":
            seen.append(event["text"])
    assert seen == ["m0", "m1", "m2", "fim"]
    await ana.send(json.dumps({"action": "history", "since": 0}))  # history gasta 2 de 1
    assert (await recv_type(ana, "error"))["action"] == "history"
    await ana.close()
    await bruno.close()


# --- item 3: DNS rebinding (Host do atacante + Origin igual a ele) -------------------------------


async def rebinding_join(chat, **fields):
    host = f"evil.example:{chat.port}"
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(chat.url, headers={"Host": host, "Origin": f"http://{host}"}) as ws:
            await ws.send_str(json.dumps({"action": "join", "nick": "Intruso", **fields}))
            events = []
            async for msg in ws:
                events.append(json.loads(msg.data))
                if events[-1]["type"] in ("history", "error"):
                    break
            await ws.close()
            return events, ws.close_code


async def test_a_rebinding_page_with_its_own_host_and_origin_cannot_join_or_read(chat):
    await fill(chat, 3)
    events, _ = await rebinding_join(chat)
    assert [e["type"] for e in events] == ["error"], events
    assert "#token" in events[0]["error"]
    assert chat.counters["hosts recusados"] == 1


async def test_through_another_host_the_page_key_lets_the_join_in(chat):
    events, _ = await rebinding_join(chat, token=chat.key)
    assert [e["type"] for e in events] == ["welcome", "history"]
    assert chat.page_link == f"{chat.prefix}#token={chat.key}"


# --- item 5: apelidos --------------------------------------------------------------------------


async def test_a_nickname_in_use_is_refused_unless_it_is_the_same_client_coming_back(chat):
    ana, _, _ = await join(chat.url, "Ana", client="c-ana")
    outra = await connect(chat.url, compression=None)
    await outra.send(json.dumps({"action": "join", "nick": "ana"}))
    assert "já está em uso" in (await recv(outra))["error"]
    volta, welcome, _ = await join(chat.url, "Ana", client="c-ana")  # o mesmo cliente, outra conexão
    assert welcome["online"] == ["Ana"]
    with pytest.raises(ConnectionClosed):
        while True:
            await recv(ana)
    await outra.close()
    await volta.close()


@pytest.mark.parametrize("nick", ["Ana\x00", "A\x07na", "Ana\u202eavon", "Ana\u2066x"])
async def test_control_and_bidi_characters_in_a_nickname_are_refused(chat, nick):
    ws = await connect(chat.url, compression=None)
    await ws.send(json.dumps({"action": "join", "nick": nick}))
    event = await recv(ws)
    assert event["type"] == "error" and "controle" in event["error"]
    await ws.close()


async def test_in_classroom_mode_only_the_instructor_token_may_be_professor(tmp_path, reg):
    chat = ChatServer(tmp_path / "c.sqlite3", logger=quiet(), token="turma", instructor_token="mestre")
    await reg.start("chat", chat)
    aluno = await connect(chat.url, compression=None)
    await aluno.send(json.dumps({"action": "join", "nick": "Professor", "token": "turma"}))
    assert "reservado" in (await recv(aluno))["error"]
    prof, welcome, _ = await join(chat.url, "professor", token="mestre")
    assert welcome["nick"] == "professor"
    await aluno.close()
    await prof.close()


# --- item 6: token do modo sala de aula ---------------------------------------------------------


async def test_wrong_tokens_are_throttled_per_address_even_before_the_right_one(tmp_path, reg):
    now = [0.0]
    chat = ChatServer(tmp_path / "c.sqlite3", logger=quiet(), token="turma", clock=lambda: now[0],
                      limits=Limits(token_rate=0.5, token_burst=2))
    await reg.start("chat", chat)

    async def attempt(token):
        ws = await connect(chat.url, compression=None)
        await ws.send(json.dumps({"action": "join", "nick": "Eva", "token": token}))
        event = await recv(ws)
        await ws.close()
        return event

    for guess in ("a", "b"):
        assert "Token inválido" in (await attempt(guess))["error"]
    assert "Tentativas demais" in (await attempt("turma"))["error"]
    now[0] += 2.0
    assert (await attempt("turma"))["type"] == "welcome"


async def test_in_classroom_mode_a_connection_that_never_joins_is_closed(tmp_path, reg):
    chat = ChatServer(tmp_path / "c.sqlite3", logger=quiet(), token="turma",
                      limits=Limits(join_timeout=0.05))
    await reg.start("chat", chat)
    ws = await connect(chat.url, compression=None)
    await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    assert ws.close_code == 1008 and chat.counters["sem join"] == 1


# --- item 7: presença como diferença ------------------------------------------------------------


async def test_presence_carries_only_who_joined_or_left_and_the_count(chat):
    ana, welcome, _ = await join(chat.url, "Ana")
    bruno, welcome, _ = await join(chat.url, "Bruno")
    assert welcome["online"] == ["Ana", "Bruno"]
    assert await recv(ana) == {"type": "presence", "joined": "Bruno", "count": 2}
    await bruno.close()
    assert await recv(ana) == {"type": "presence", "left": "Bruno", "count": 1}
    await ana.close()


# --- item 9: a página ---------------------------------------------------------------------------


async def test_the_page_cannot_be_framed_and_has_a_favicon(chat):
    async with aiohttp.ClientSession() as http:
        async with http.get(chat.page_url) as r:
            assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
            assert 'rel="icon"' in await r.text()
        async with http.get(chat.page_url + "favicon.ico") as r:
            assert r.status == 200 and r.content_type == "image/svg+xml"


def test_classroom_mode_generates_a_separate_instructor_token():
    room = configure(["--host", "0.0.0.0"])
    assert room.instructor_token and room.instructor_token != room.token
    assert configure(["--host", "0.0.0.0", "--token-professor", "mestre"]).instructor_token == "mestre"
    assert configure([]).instructor_token is None  # no loopback, sem token, nada de reservado
    with pytest.raises(SystemExit):
        configure(["--host", "0.0.0.0", "--token", "igual", "--token-professor", "igual"])


async def test_after_a_refusal_the_flooder_is_not_read_for_a_while_and_the_others_are_served(tmp_path, reg):
    chat = ChatServer(tmp_path / "c.sqlite3", logger=quiet(), clock=lambda: 0.0,
                      limits=Limits(rate=1, burst=4, penalty=600))
    await reg.start("chat", chat)
    enchente, _, _ = await join(chat.url, "Enchente")
    bruno, _, _ = await join(chat.url, "Bruno")
    for i in range(1000):
        await enchente.send(json.dumps({"action": "send", "text": f"e{i}"}))
    await wait_until(lambda: chat.counters["limitados"] == 1, TIMEOUT, what="a primeira recusa")
    await bruno.send(json.dumps({"action": "send", "text": "ainda sou atendido"}))
    while (await recv_type(bruno, "message"))["text"] != "ainda sou atendido":
        pass
    assert chat.counters["limitados"] == 1 and len(chat.store) == 4  # 3 da enchente + 1
    await enchente.close()
    await bruno.close()
