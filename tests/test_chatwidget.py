"""A caixa de chat do notebook, sem navegador: conexão própria, o que ela mostra, rótulos do diagrama."""

import asyncio
import json
import xml.etree.ElementTree as ET

import pytest

import helpers.chat.widget as chatwidget
from helpers.chat.server import ChatServer
from helpers.chat.protocol import frame_label
from helpers.chat.widget import ChatBox, ChatClient, box_svg, resolve_url, side_by_side
from helpers.traffic.events import C2S, S2C
from helpers.protocols.handshake import SAMPLE_MASK
from helpers.traffic.wsdecode import WsDecoder
from helpers.protocols.wsframes import Frame, encode_frame


@pytest.fixture
async def chat():
    server = ChatServer()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def clients(chat):
    started = []

    async def make(nick, **kw):
        client = ChatClient(chat.url, nick, **kw)
        await client.start()
        started.append(client)
        return client

    try:
        yield make
    finally:
        for client in started:
            await client.close()


def test_the_repr_is_stable_for_nbval():
    assert repr(ChatClient("ws://127.0.0.1:1/ws", "Ana")) == "ChatClient(nick='Ana')"
    row = side_by_side(ChatClient("ws://127.0.0.1:1/ws", "Ana"), ChatClient("ws://127.0.0.1:1/ws", "Bruno"))
    assert "0x" not in repr(row) and "ChatBox(nick='Bruno')" in repr(row)
    bundle = ChatClient("ws://127.0.0.1:1/ws", "Ana")._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == "ChatClient(nick='Ana')"
    assert "application/vnd.jupyter.widget-view+json" in data


@pytest.mark.parametrize("url, expected", [
    ("ws://127.0.0.1:8765/ws", ("ws://127.0.0.1:8765/ws", None)),
    ("http://192.168.0.10:8765/", ("ws://192.168.0.10:8765/ws", None)),
    ("http://192.168.0.10:8765/#token=abc", ("ws://192.168.0.10:8765/ws", "abc")),
    ("https://hub.exemplo.edu/user/ana/proxy/127.0.0.1:8765/",
     ("wss://hub.exemplo.edu/user/ana/proxy/127.0.0.1:8765/ws", None)),
])
def test_the_page_address_or_the_socket_address_both_work(url, expected):
    assert resolve_url(url) == expected
    assert resolve_url(url, token="dado")[1] == "dado"


async def test_each_box_has_its_own_connection_and_everyone_sees_each_message(chat, clients):
    ana = await clients("Ana")
    bruno = await clients("Bruno")
    assert ana.ws is not bruno.ws and ana.connected and ana.status == "conectado"
    await ana.wait(lambda: ana.online == ["Ana", "Bruno"])
    await ana.send("Oi, Bruno!")
    got = await bruno.wait_for_text("Oi, Bruno!")
    await ana.wait_for_text("Oi, Bruno!")
    assert got["nick"] == "Ana" and got["id"] == 1
    assert ana.lines[-1] == {"kind": "mine", "id": 1, "nick": "Ana", "text": "Oi, Bruno!"}
    assert bruno.lines[-1] == {"kind": "message", "id": 1, "nick": "Ana", "text": "Oi, Bruno!"}
    assert {"kind": "info", "text": "Bruno entrou"} in ana.lines


async def test_typing_shows_and_then_goes_away(chat, clients, monkeypatch):
    monkeypatch.setattr(chatwidget, "TYPING_SHOWN", 0.05)
    ana = await clients("Ana")
    bruno = await clients("Bruno")
    await ana.send_typing()
    await bruno.wait(lambda: bruno.typing == "Ana")
    await bruno.wait(lambda: bruno.typing == "")


async def test_what_the_student_types_in_the_browser_reaches_the_server(chat, clients):
    ana = await clients("Ana")
    ana._from_browser(ana, {"do": "send", "text": "digitado na caixa"}, [])
    await ana.wait_for_text("digitado na caixa")
    ana._from_browser(ana, {"do": "nada disso"}, [])  # ignorado
    assert chat.store.since(0)[0]["text"] == "digitado na caixa"


async def test_errors_from_the_server_show_up_in_red_in_that_box_only(chat, clients):
    ana = await clients("Ana")
    bruno = await clients("Bruno")
    await bruno.send_raw("isto não é JSON")
    event = await bruno.wait_for_event("error")
    assert "não é JSON válido" in event["error"]
    assert bruno.lines[-1]["kind"] == "error"
    assert not any(line["kind"] == "error" for line in ana.lines)


async def test_a_dropped_box_comes_back_with_exactly_what_it_missed(chat, clients):
    ana = await clients("Ana")
    bruno = await clients("Bruno")
    await ana.send("um")
    await bruno.wait_for_text("um")
    bruno.drop()
    await bruno.wait(lambda: not bruno.connected)
    assert bruno.close_code == 1006 and bruno.status == "desconectado (1006)"
    await ana.send("dois")
    await ana.send("três")
    await ana.wait_for_count(3)
    await bruno.reconnect()
    await bruno.wait_for_count(3)
    assert [m["text"] for m in bruno.messages] == ["um", "dois", "três"]


async def test_a_wrong_token_is_refused_with_a_clear_message():
    server = ChatServer(token="certo")
    await server.start()
    client = ChatClient(server.url, "Intrusa", token="errado")
    try:
        with pytest.raises(PermissionError, match="1008.*Token inválido"):
            await client.start()
        ok = ChatClient(server.page_url + "#token=certo", "Aluna")
        await ok.start()
        assert ok.connected
        await ok.close()
    finally:
        await client.close()
        await server.close()


async def test_leave_and_close_leave_no_task_behind(chat):
    client = ChatClient(chat.url, "Ana")
    await client.start()
    assert [t for t in asyncio.all_tasks() if t.get_name() == "chat Ana"]
    await client.leave()
    assert client.close_code == 1000 and client.status == "desconectado (1000)"
    await client.close()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "chat Ana" and not t.done()]
    assert client._reader is None and not client._pending


def _frames(direction, *payloads):
    dec = WsDecoder(1)
    mask = SAMPLE_MASK if direction == C2S else None
    data = b"".join(encode_frame(Frame.text(json.dumps(p, ensure_ascii=False), mask=mask)) for p in payloads)
    return dec.feed(direction, data, 0.0)


def test_frame_labels_say_what_each_chat_frame_is():
    sent, = _frames(C2S, {"action": "send", "text": "Oi, turma!"})
    assert frame_label(sent) == f'send "Oi, turma!" · {sent.size} B'
    joined, = _frames(C2S, {"action": "join", "nick": "Ana"})
    assert frame_label(joined).startswith("join Ana · ")
    got = _frames(S2C, {"type": "message", "id": 3, "nick": "Ana", "text": "uma mensagem bem comprida"},
                  {"type": "history", "messages": [{}, {}]}, {"type": "presence", "joined": "Bia"},
                  {"type": "presence", "left": "Bia"}, {"type": "typing", "nick": "Bia"},
                  {"type": "error", "error": "x"}, {"type": "welcome"})
    assert [frame_label(e).split(" · ")[0] for e in got] == [
        'message #3 Ana: "uma mensage…"', "history (2)", "presence +Bia", "presence −Bia",
        "typing Bia", "error", "welcome"]
    assert frame_label(_frames(S2C, [1, 2])[0]) is None  # JSON, mas não um evento do chat
    ping = WsDecoder(1).feed(S2C, encode_frame(Frame.ping(b"x")), 0.0)[0]
    assert frame_label(ping) is None


def test_the_static_drawing_keeps_html_as_text_and_is_valid_svg():
    lines = [{"kind": "message", "id": 1, "nick": "<b>Eva</b>", "text": "<script>alert(1)</script> & mais"},
             {"kind": "mine", "id": 2, "nick": "Ana", "text": "uma mensagem comprida " * 6},
             {"kind": "info", "text": "Bruno entrou"}, {"kind": "error", "text": "Não entendi"}]
    svg = box_svg("Ana & cia", "conectado", ["Ana", "<i>x</i>"], lines, typing="Bruno")
    root = ET.fromstring(svg)  # XML válido: nada de HTML solto
    text = "".join(root.itertext())
    assert "<script>alert(1)</script> & mais" in text and "#1 <b>Eva</b>: " in text
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Bruno está digitando…" in text and "na sala: Ana, <i>x</i>" in text
    assert not root.findall(".//{http://www.w3.org/2000/svg}script")
    assert len(box_svg("Ana", "", [], [{"kind": "info", "text": str(i)} for i in range(50)], rows=5)
               .split("<text")) == 5 + 5  # cabeçalho (4) + 5 linhas + rodapé


def test_the_box_redraws_its_static_copy_when_something_changes():
    box = ChatBox(nick="Ana")
    assert "Ana" in box.svg
    box.lines = [{"kind": "info", "text": "Bruno entrou"}]
    assert "Bruno entrou" in box.svg
