"""O tap no loopback de verdade: relay fiel, contagem de conexões, bytes crus."""

import asyncio

import aiohttp
from aiohttp import web

from helpers.traffic.events import C2S, Closed, Connected, HttpRequest, HttpResponse, Raw
from helpers.core.lifecycle import HttpServer, Registry, TcpServer
from helpers.traffic.tap import Tap


async def hello(request):
    return web.Response(text="olá")


async def boom(request):
    raise ZeroDivisionError("divisão por zero")


def make_app():
    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/erro", boom)
    return app


async def test_keep_alive_uses_one_connection_and_close_uses_one_per_request(reg):
    server = await reg.start("http", HttpServer(make_app()))
    tap = await reg.start("tap", Tap(server.port))
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            async with session.get(tap.url) as resp:
                assert await resp.text() == "olá"
    assert tap.connections == 1
    await tap.idle()  # o fechamento da sessão chega ao tap
    tap.clear()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        for _ in range(3):
            async with session.get(tap.url) as resp:
                assert await resp.text() == "olá"
    await tap.idle()
    assert tap.connections == 3
    kinds = [type(e) for e in tap.events]
    assert kinds.count(HttpRequest) == 3 and kinds.count(HttpResponse) == 3
    assert kinds.count(Closed) == 3
    req = next(e for e in tap.events if isinstance(e, HttpRequest))
    assert req.header("connection") == "close"


async def test_a_failing_handler_gives_500_and_the_server_keeps_serving(reg):
    server = await reg.start("http", HttpServer(make_app()))
    tap = await reg.start("tap", Tap(server.port))
    async with aiohttp.ClientSession() as session:
        async with session.get(tap.url + "erro") as resp:
            assert resp.status == 500
        async with session.get(tap.url) as resp:
            assert resp.status == 200
    statuses = [e.status for e in tap.events if isinstance(e, HttpResponse)]
    assert statuses == [500, 200]
    assert isinstance(server.errors[0], ZeroDivisionError)


async def echo(reader, writer):
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()


async def test_non_http_bytes_become_raw_events_and_the_relay_keeps_going(reg):
    server = await reg.start("echo", TcpServer(echo))
    tap = await reg.start("tap", Tap(server.port))
    reader, writer = await asyncio.open_connection("127.0.0.1", tap.port)
    for payload in (b"\x00\x01\x02 bin\xffario", b"HELO mundo\r\n\r\n", b"ainda vivo"):
        writer.write(payload)
        await writer.drain()
        assert await reader.readexactly(len(payload)) == payload
    writer.close()
    await writer.wait_closed()
    await tap.idle()
    raws = [e for e in tap.events if isinstance(e, Raw)]
    assert b"".join(e.data for e in raws if e.direction == C2S) == (
        b"\x00\x01\x02 bin\xffario" b"HELO mundo\r\n\r\n" b"ainda vivo")
    assert isinstance(tap.events[0], Connected) and isinstance(tap.events[-1], Closed)


async def test_a_subscriber_that_raises_does_not_break_the_relay(reg):
    server = await reg.start("http", HttpServer(make_app()))
    tap = await reg.start("tap", Tap(server.port))
    seen = []
    tap.subscribe(lambda ev: 1 / 0)
    tap.subscribe(seen.append)
    async with aiohttp.ClientSession() as session:
        async with session.get(tap.url) as resp:
            assert await resp.text() == "olá"
    assert any(isinstance(e, HttpResponse) for e in seen)


async def test_an_unreachable_server_is_reported_and_the_client_is_closed(reg):
    dead = await reg.start("dead", TcpServer(echo))
    port = dead.port
    await reg.stop("dead")
    tap = await reg.start("tap", Tap(port))
    reader, writer = await asyncio.open_connection("127.0.0.1", tap.port)
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
    assert "não conseguiu conectar" in tap.events[0].note


async def test_closing_the_tap_closes_open_relayed_connections():
    reg = Registry()
    server = await reg.start("echo", TcpServer(echo))
    tap = await reg.start("tap", Tap(server.port))
    reader, writer = await asyncio.open_connection("127.0.0.1", tap.port)
    writer.write(b"oi")
    assert await reader.readexactly(2) == b"oi"
    assert tap.open_connections == 1
    await reg.stop_all()
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
