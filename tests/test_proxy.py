"""Headers hop-by-hop num proxy reverso: sem configuração o Upgrade some; configurado, o WebSocket passa."""

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from helpers.core.lifecycle import WebSocketServer
from helpers.protocols.handshake import forward_head, upgrade_request
from helpers.traffic.proxy import ReverseProxy

HEAD = (b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade, Keep-Alive\r\n"
        b"Keep-Alive: timeout=5\r\nTE: trailers\r\nSec-WebSocket-Key: k\r\n\r\n")


def test_an_unconfigured_proxy_drops_hop_by_hop_headers_and_those_connection_lists():
    assert forward_head(HEAD) == b"GET /ws HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key: k\r\n\r\n"


def test_a_websocket_aware_proxy_forwards_upgrade_and_connection_upgrade():
    out = forward_head(HEAD, websocket=True)
    assert out.endswith(b"Sec-WebSocket-Key: k\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n")
    assert b"Keep-Alive" not in out


def test_a_plain_request_passes_unchanged():
    plain = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    assert forward_head(plain) == forward_head(plain, websocket=True) == plain
    assert forward_head(upgrade_request(), websocket=True).count(b"Upgrade: websocket") == 1


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def test_through_the_unconfigured_proxy_the_server_answers_426(reg):
    server = await reg.start("ws", WebSocketServer(echo))
    proxy = await reg.start("proxy", ReverseProxy(server.port))
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"ws://127.0.0.1:{proxy.port}/", open_timeout=2):
            pass
    assert info.value.response.status_code == 426
    assert b"Upgrade" not in proxy.forwarded


async def test_through_the_configured_proxy_the_echo_works(reg):
    server = await reg.start("ws", WebSocketServer(echo))
    proxy = await reg.start("proxy", ReverseProxy(server.port, websocket=True))
    async with connect(f"ws://127.0.0.1:{proxy.port}/", open_timeout=2) as ws:
        await ws.send("oi")
        assert await ws.recv() == "oi"
