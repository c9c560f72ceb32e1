"""O laboratório de segurança: cada ataque funciona contra o servidor ingênuo e falha contra o
blindado (``helpers.experiments.hardening``), no loopback."""

import json
import logging
import ssl

import pytest
from websockets.asyncio.client import connect

from helpers.experiments.hardening import (ATTACKS, NAIVE, Guarded, Policy, TokenBucket, as_text,
                                           guarded_server, hardened, mural, self_signed)
from helpers.core.lifecycle import Registry

QUIET = logging.getLogger("tests.hardening")
QUIET.propagate = False


async def outcome(policy, attack):
    reg = Registry()
    handler, _ = mural()
    server = await reg.start("ws", guarded_server(handler, policy, logger=QUIET))
    try:
        return await ATTACKS[attack](server.port)
    finally:
        await reg.stop_all()


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_the_hardened_server_refuses_each_attack(attack):
    result = await outcome(hardened(), attack)
    assert not result.succeeded, result


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_the_same_check_fails_against_the_naive_server(attack):
    result = await outcome(NAIVE, attack)
    with pytest.raises(AssertionError):
        assert not result.succeeded, result


@pytest.mark.parametrize("attack, expected", [
    ("Origin de outro site (CSWSH)", "403"),
    ("sem token", "401"),
    ("mensagem de 256 KiB", "1009"),
    ("200 mensagens de uma vez", "1008"),
    ("20 conexões do mesmo endereço", "429 na conexão 6"),
])
async def test_each_refusal_carries_the_right_status_or_close_code(attack, expected):
    assert expected in (await outcome(hardened(), attack)).detail


async def test_a_legitimate_client_still_chats_through_the_hardened_server(reg):
    handler, _ = mural()
    server = await reg.start("ws", guarded_server(handler, hardened(), logger=QUIET))
    async with connect(f"ws://127.0.0.1:{server.port}/", origin="http://127.0.0.1:8888",
                       additional_headers={"Authorization": "Bearer token-do-curso"}) as ws:
        await ws.send(json.dumps({"type": "chat", "text": "<b>oi</b>"}))
        assert json.loads(await ws.recv())["text"] == "<b>oi</b>"


async def test_token_in_the_first_message_works_for_browsers(reg):
    handler, _ = mural()
    policy = hardened(token_in="first_message")
    server = await reg.start("ws", guarded_server(handler, policy, logger=QUIET))
    url = f"ws://127.0.0.1:{server.port}/"
    async with connect(url, origin="http://127.0.0.1:8888") as ws:
        await ws.send(json.dumps({"type": "auth", "token": "token-do-curso"}))
        await ws.send(json.dumps({"type": "chat", "text": "oi"}))
        assert json.loads(await ws.recv())["text"] == "oi"
    async with connect(url, origin="http://127.0.0.1:8888") as ws:
        await ws.send(json.dumps({"type": "auth", "token": "chute"}))
        await ws.wait_closed()
        assert ws.close_code == 1008


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_token_bucket_allows_a_burst_then_the_average_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now = 0.5
    assert bucket.take() and not bucket.take()
    clock.now = 100
    assert sum(bucket.take() for _ in range(10)) == 3


def test_schema_problems_are_explained_in_portuguese():
    g = Guarded(object(), Policy(schema=hardened().schema))
    assert g.problem(json.dumps({"type": "chat", "text": "oi"})) is None
    assert g.problem("{") == "não é JSON"
    assert g.problem(b"\x00") == "só aceito texto (JSON)"
    assert "text" in g.problem(json.dumps({"type": "chat", "text": 5}))
    assert "additionalProperties" in g.problem(json.dumps({"type": "chat", "text": "a", "x": 1}))


def test_html_from_others_is_shown_as_text():
    assert as_text('<img src=x onerror="alert(1)">') == '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'


def test_policies_describe_themselves():
    assert NAIVE.describe() == ["nenhuma proteção"]
    assert len(hardened().describe()) == 7


async def test_wss_with_a_throwaway_certificate(reg):
    pytest.importorskip("cryptography")
    cert = self_signed()
    handler, _ = mural()
    server = await reg.start("wss", guarded_server(handler, NAIVE, ssl=cert.server, logger=QUIET))
    async with connect(f"wss://127.0.0.1:{server.port}/", ssl=cert.client) as ws:
        await ws.send("oi")
        assert await ws.recv() == "oi"
    with pytest.raises(ssl.SSLCertVerificationError):
        await connect(f"wss://127.0.0.1:{server.port}/", ssl=ssl.create_default_context())


# --- o chat do capítulo 05 como servidor em teste -------------------------------------------------

CHAT_FALLS_FOR = {"200 mensagens de uma vez", "20 conexões do mesmo endereço",
                  "handshake pela metade (slowloris)"}


async def chat_outcomes(guard: bool):
    from helpers.chat.server import ChatServer
    from helpers.chat.protocol import MAX_SIZE

    reg = Registry()
    chat = await reg.start("chat", ChatServer(origins=["http://127.0.0.1:8888"], logger=QUIET))
    port = chat.port
    if guard:
        policy = hardened(tokens=None, schema=None, origins=None, max_size=MAX_SIZE)
        port = (await reg.start("guarded", guarded_server(
            chat.handler, policy, app_process_request=chat.process_request, logger=QUIET))).port
    try:
        return {name: await attack(port, chat.ws_path) for name, attack in ATTACKS.items()}, port
    finally:
        await reg.stop_all()


async def test_the_chapter_05_chat_alone_falls_for_flood_many_connections_and_slowloris():
    results, _ = await chat_outcomes(guard=False)
    assert {name for name, r in results.items() if r.succeeded} == CHAT_FALLS_FOR


async def test_the_chapter_05_chat_behind_the_guard_refuses_every_attack():
    results, _ = await chat_outcomes(guard=True)
    assert not [name for name, r in results.items() if r.succeeded], results


async def test_the_guarded_chat_still_chats_and_serves_its_page(reg):
    import pathlib

    import aiohttp

    from helpers.chat.server import ChatServer

    page = pathlib.Path(__file__).parent.parent / "helpers" / "static" / "chat.html"

    chat = await reg.start("chat", ChatServer(origins=["http://127.0.0.1:8888"], logger=QUIET))
    guarded = await reg.start("guarded", guarded_server(
        chat.handler, hardened(tokens=None, schema=None, origins=None),
        app_process_request=chat.process_request, logger=QUIET))
    if page.exists():  # (a página do capítulo 05; o teste do chat em si não depende dela)
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{guarded.port}{chat.prefix}") as r:
            assert r.status == 200 and "html" in r.headers["Content-Type"]
    async with connect(f"ws://127.0.0.1:{guarded.port}{chat.ws_path}", origin="http://127.0.0.1:8888") as ws:
        await ws.send(json.dumps({"action": "join", "nick": "Ana"}))
        await ws.send(json.dumps({"action": "send", "text": "oi"}))
        types = [json.loads(await ws.recv())["type"] for _ in range(3)]
        assert types == ["welcome", "history", "message"]
