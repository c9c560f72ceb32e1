"""O laboratório do navegador no loopback: eco com subprotocolo, sala HTTP com CORS, segredo, tap."""

import aiohttp
from websockets.asyncio.client import connect

from helpers.experiments.browser import BrowserLab
from helpers.traffic.events import HttpRequest
from helpers.traffic.wsdecode import WsFrame


async def test_echo_negotiates_subprotocol_and_compression_and_reports_the_handshake(reg):
    lab = await reg.start("lab", BrowserLab())
    url = lab.base.replace("http://", "ws://") + "eco?token=abc"
    async with connect(url, subprotocols=["chat.v2", "chat.v1"], origin="http://127.0.0.1:8888") as ws:
        assert ws.subprotocol == "chat.v1"
        assert ws.response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
        await ws.send("oi")
        assert await ws.recv() == "oi"
        await ws.send(b"\x00\xff")
        assert await ws.recv() == b"\x00\xff"
        await ws.send("quem sou eu?")
        facts = await ws.recv()
    assert '"token": "abc"' in facts and '"origem": "http://127.0.0.1:8888"' in facts
    await lab.tap.idle()
    assert sum(isinstance(e, WsFrame) for e in lab.tap.events) >= 6


async def test_a_ping_from_the_server_is_answered_by_the_client_library_alone(reg):
    lab = await reg.start("lab", BrowserLab())
    async with connect(lab.base.replace("http://", "ws://") + "eco") as ws:
        await ws.send("me pingue")
        await ws.send("depois")
        assert await ws.recv() == "depois"  # o ping não chega à aplicação
    await lab.tap.idle()
    summaries = [e.summary for e in lab.tap.events]
    assert any(s.startswith("PING") for s in summaries) and any(s.startswith("PONG") for s in summaries)


async def test_room_answers_cross_origin_with_cors_and_preflight(reg):
    lab = await reg.start("lab", BrowserLab())
    async with aiohttp.ClientSession() as s:
        async with s.options(lab.base + "mensagens") as r:
            assert r.status == 204 and r.headers["Access-Control-Allow-Origin"] == "*"
        async with s.post(lab.base + "mensagens", data='{"de": "Ana", "texto": "oi"}') as r:
            assert r.status == 201
        async with s.get(lab.base + "mensagens?since=0") as r:
            assert r.headers["Access-Control-Allow-Origin"] == "*"
            assert [m["texto"] for m in await r.json()] == ["oi"]


async def test_without_the_secret_the_lab_says_403(reg):
    lab = await reg.start("lab", BrowserLab())
    async with aiohttp.ClientSession() as s:
        async with s.get(f"http://127.0.0.1:{lab.port}/mensagens") as r:
            assert r.status == 403 and "segredo" in await r.text()
            assert r.headers["Access-Control-Allow-Origin"] == "*"  # o fetch do aluno lê o motivo


async def test_labels_hide_the_secret(reg):
    lab = await reg.start("lab", BrowserLab())
    async with aiohttp.ClientSession() as s:
        async with s.get(lab.base + "mensagens"):
            pass
    await lab.tap.idle()
    request = next(e for e in lab.tap.events if isinstance(e, HttpRequest))
    assert lab.secret in request.summary and lab.label(request) == "GET /…/mensagens"


async def test_sse_streams_a_posted_message_to_the_browser_side(reg):
    lab = await reg.start("lab", BrowserLab())
    async with aiohttp.ClientSession() as s:
        async with s.get(lab.base + "sse?since=0") as stream:
            assert stream.headers["Content-Type"] == "text/event-stream"
            assert stream.headers["Access-Control-Allow-Origin"] == "*"  # o EventSource de outra origem lê
            async with s.post(lab.base + "mensagens", data='{"texto": "novidade"}'):
                pass
            seen = b""
            while b"novidade" not in seen:
                seen += await stream.content.readany()
    assert b"id: 1" in seen


async def test_stopping_the_lab_tells_its_consoles_and_only_them(reg):
    from helpers.widgets.console import STOPPED, BrowserConsole

    lab = await reg.start("lab", BrowserLab())
    mine = BrowserConsole('new WebSocket(servidor.ws("eco"))', base=lab.base)
    other = BrowserConsole("console.log(1)", base="http://127.0.0.1:1/outro/")
    assert mine.offline == "" and other.offline == ""
    await reg.stop("lab")
    assert mine.offline == STOPPED and other.offline == ""
    assert "Rode de novo a célula que sobe o laboratório" in STOPPED
