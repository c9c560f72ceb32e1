"""A API de chat: ids crescentes, filtro do since, long polling, entrada inválida, desligamento."""

import asyncio
import json

import aiohttp
import pytest
from aiohttp import web

from helpers.chat.httpapi import (
    MAX_BODY,
    MAX_TEXT,
    ChatRoom,
    create_app,
    parse_message,
    parse_since,
    parse_wait,
)
from helpers.core.lifecycle import HttpServer, Registry
from support import wait_until

# --- a sala, sem rede ------------------------------------------------------------------------


def test_messages_get_increasing_ids_and_since_returns_only_newer_ones():
    room = ChatRoom()
    ids = [room.post("Ana", t)["id"] for t in ("a", "b", "c")]
    assert ids == [1, 2, 3]
    assert [m["texto"] for m in room.since(1)] == ["b", "c"]
    assert room.since(3) == [] and room.since(99) == []
    assert room.since(0) == room.messages


def test_since_compares_ids_even_after_old_messages_are_dropped():
    room = ChatRoom(keep=2)
    for t in "abcde":
        room.post("Ana", t)
    assert [m["id"] for m in room.messages] == [4, 5]
    assert [m["id"] for m in room.since(1)] == [4, 5]
    assert [m["id"] for m in room.since(4)] == [5]


async def test_wait_since_returns_at_once_when_there_is_news():
    room = ChatRoom()
    room.post("Ana", "oi")
    assert [m["texto"] for m in await room.wait_since(0, 30)] == ["oi"]
    assert room.held == 0


async def test_wait_since_holds_until_a_post_arrives():
    room = ChatRoom()
    waiter = asyncio.ensure_future(room.wait_since(0, 30))
    await wait_until(lambda: room.held == 1)
    assert not waiter.done()
    room.post("Bruno", "cheguei")
    got = await asyncio.wait_for(waiter, 5)
    assert [m["texto"] for m in got] == ["cheguei"] and room.held == 0


async def test_wait_since_gives_an_empty_list_when_the_time_is_up():
    room = ChatRoom()
    assert await room.wait_since(0, 0.01) == []
    assert room.held == 0


async def test_closing_the_room_releases_every_held_request():
    room = ChatRoom()
    waiters = [asyncio.ensure_future(room.wait_since(0, 30)) for _ in range(3)]
    await wait_until(lambda: room.held == 3)
    room.close()
    assert await asyncio.wait_for(asyncio.gather(*waiters), 5) == [[], [], []]
    assert room.held == 0
    assert room.releases == {"parada": 3}


async def test_the_room_counts_what_released_each_held_request():
    room = ChatRoom()
    assert await room.wait_since(0, 0.01) == []
    waiter = asyncio.ensure_future(room.wait_since(0, 30))
    await wait_until(lambda: room.held == 1)
    room.post("Ana", "oi")
    await asyncio.wait_for(waiter, 5)
    assert room.releases == {"prazo": 1, "mensagem": 1}


# --- validação, sem rede ----------------------------------------------------------------------


def erro(exc: web.HTTPException) -> str:
    assert exc.content_type == "application/json"
    return json.loads(exc.text)["erro"]


def test_since_must_be_a_non_negative_integer():
    assert parse_since({}) == 0
    assert parse_since({"since": "42"}) == 42
    for bad in ["abc", "-1", "1.5", "", "١٢"]:  # o último: dígitos arábicos, não ASCII
        with pytest.raises(web.HTTPBadRequest) as info:
            parse_since({"since": bad})
        assert "since deve ser um número inteiro" in erro(info.value)


def test_wait_is_optional_and_limited_to_thirty_seconds():
    assert parse_wait({}) is None
    assert parse_wait({"espera": "2.5"}) == 2.5
    for bad in ["x", "-1", "31", "nan", "inf"]:
        with pytest.raises(web.HTTPBadRequest) as info:
            parse_wait({"espera": bad})
        assert "espera deve ser um número de segundos" in erro(info.value)


def test_long_bad_values_are_cut_in_the_error_message():
    with pytest.raises(web.HTTPBadRequest) as info:
        parse_since({"since": "x" * 1000})
    assert len(erro(info.value)) < 200


@pytest.mark.parametrize("body, fragment", [
    (b'{"texto": "oi"', "não é JSON válido"),
    (b"\xff\xfe", "não é JSON válido"),
    (b'["oi"]', "objeto JSON"),
    (b'{"de": "Ana"}', 'Falta o campo "texto"'),
    (b'{"texto": "   "}', "não vazio"),
    (b'{"texto": 42}', "não vazio"),
    (json.dumps({"texto": "a" * (MAX_TEXT + 1)}).encode(), "longa demais"),
    (b'{"texto": "oi", "de": ""}', 'campo "de"'),
    (b'{"texto": "oi", "de": 7}', 'campo "de"'),
])
def test_bad_messages_get_a_portuguese_explanation(body, fragment):
    with pytest.raises(web.HTTPBadRequest) as info:
        parse_message(body)
    assert fragment in erro(info.value)


def test_a_good_message_keeps_its_text_and_defaults_the_author():
    assert parse_message('{"texto": "Olá, turma!"}'.encode()) == ("anônimo", "Olá, turma!")
    assert parse_message(b'{"de": " Ana ", "texto": "oi"}') == ("Ana", "oi")


# --- pela rede (loopback, porta 0, tempo limitado) --------------------------------------------


@pytest.fixture
async def chat():
    reg = Registry()
    room = ChatRoom()
    server = await reg.start("chat", HttpServer(create_app(room)))
    session = aiohttp.ClientSession(server.url)
    try:
        yield room, server, session
    finally:
        await session.close()
        await reg.stop_all()


async def test_post_then_get_since_over_http(chat):
    room, _, session = chat
    async with session.post("/mensagens", json={"de": "Ana", "texto": "Olá!"}) as r:
        assert r.status == 201 and await r.json() == {"id": 1, "de": "Ana", "texto": "Olá!"}
        assert "Olá" in await r.text()  # acentos como estão, sem \\u00e1
    async with session.get("/mensagens", params={"since": 0}) as r:
        assert [m["id"] for m in await r.json()] == [1]
    async with session.get("/mensagens", params={"since": 1}) as r:
        assert await r.json() == []


@pytest.mark.parametrize("method, path, body, status", [
    ("POST", "/mensagens", b'{"de": "Ana"}', 400),
    ("POST", "/mensagens", json.dumps({"texto": "a" * 600}).encode(), 400),
    ("POST", "/mensagens", b"{quebrado", 400),
    ("POST", "/mensagens", b'{"texto": "' + b"a" * (MAX_BODY + 10) + b'"}', 413),
    ("GET", "/mensagens?since=ontem", b"", 400),
    ("GET", "/mensagens?since=0&espera=muito", b"", 400),
])
async def test_bad_input_gets_json_error_nothing_is_stored_and_the_server_keeps_serving(
        chat, method, path, body, status):
    room, server, session = chat
    async with session.request(method, path, data=body) as r:
        assert r.status == status
        assert r.content_type == "application/json"
        assert (await r.json())["erro"]
    assert len(room) == 0
    async with session.post("/mensagens", json={"texto": "ainda de pé?"}) as r:
        assert r.status == 201
    assert server.errors == []


async def test_long_poll_is_answered_when_a_message_is_posted(chat):
    room, _, session = chat
    held = asyncio.ensure_future(session.get("/mensagens", params={"since": 0, "espera": 30}))
    await wait_until(lambda: room.held == 1, what="a requisição ficar segurada")
    async with session.post("/mensagens", json={"de": "Carla", "texto": "pizza"}) as r:
        assert r.status == 201
    resp = await asyncio.wait_for(held, 5)
    assert [m["texto"] for m in await resp.json()] == ["pizza"]


async def test_wait_counts_in_simulated_seconds_when_the_app_is_scaled(reg):
    server = await reg.start("chat", HttpServer(create_app(ChatRoom(), real_per_sim=0.001)))
    async with aiohttp.ClientSession(server.url) as session:
        # 30 s simulados = 0,03 s reais: sem a escala, isto passaria do limite abaixo
        req = session.get("/mensagens", params={"since": 0, "espera": 30})
        async with await asyncio.wait_for(req, 5) as r:
            assert await r.json() == []


async def test_stopping_the_server_answers_held_requests_instead_of_cutting_them():
    reg = Registry()
    room = ChatRoom()
    server = await reg.start("chat", HttpServer(create_app(room)))
    async with aiohttp.ClientSession(server.url) as session:
        held = [asyncio.ensure_future(session.get("/mensagens", params={"since": 0, "espera": 30}))
                for _ in range(3)]
        await wait_until(lambda: room.held == 3, what="as três requisições ficarem seguradas")
        await asyncio.wait_for(reg.stop_all(), 5)
        responses = await asyncio.wait_for(asyncio.gather(*held), 5)
        # soltas pelo on_shutdown: 200 com [] (cortadas pelo shutdown_timeout dariam erro de conexão)
        assert [(r.status, await r.json()) for r in responses] == [(200, [])] * 3
    assert room.held == 0


async def test_a_restarted_app_reopens_its_room(reg):
    room = ChatRoom()
    room.close()
    server = await reg.start("chat", HttpServer(create_app(room)))
    assert not room.closed
    async with aiohttp.ClientSession(server.url) as session:
        waiter = asyncio.ensure_future(session.get("/mensagens", params={"since": 0, "espera": 30}))
        await wait_until(lambda: room.held == 1)  # uma sala fechada responderia na hora, sem segurar
        room.post("Ana", "voltei")
        resp = await asyncio.wait_for(waiter, 5)
        assert [m["texto"] for m in await resp.json()] == ["voltei"]
