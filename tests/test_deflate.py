"""A compressão dos servidores do curso (helpers.core.deflate): nada do zlib guardado entre
mensagens, e o cliente do tornado (o do jupyter-server-proxy) atendido mesmo assim."""

import asyncio

import pytest
from tornado.httpclient import HTTPRequest
from tornado.httputil import _parse_header
from tornado.websocket import websocket_connect
from websockets.asyncio.client import connect

from helpers.core.deflate import DEFLATE_SETTINGS, keep_client_context_behind_proxy, server_extensions, through_proxy
from helpers.core.lifecycle import WebSocketServer

GRANTED = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"


def test_the_course_keeps_no_zlib_state_between_messages_on_either_side():
    assert DEFLATE_SETTINGS["server_no_context_takeover"] and DEFLATE_SETTINGS["client_no_context_takeover"]


@pytest.mark.parametrize("host, proxied", [
    ("127.0.0.1:8765", False), ("[::1]:8765", False), ("10.0.0.5:8765", False),  # discou a nossa porta
    ("127.0.0.1:8888", True), ("hub.example.edu", True), (None, True), ("x:porta", True),
])
def test_a_handshake_came_through_a_proxy_when_its_host_names_another_port(host, proxied):
    assert through_proxy(host, 8765) is proxied


def test_without_a_port_of_its_own_a_server_assumes_a_proxy():
    assert through_proxy("hub.example.edu", None)  # um socket Unix: o lado seguro


def test_tornado_still_drops_valueless_extension_parameters():
    # A razão do desvio: se este teste falhar, o tornado passou a ler client_no_context_takeover
    # e keep_client_context_behind_proxy pode sair.
    assert _parse_header(GRANTED) == ("permessage-deflate", {})


async def echo(ws):
    async for message in ws:
        await ws.send(f"eco: {message}")


@pytest.fixture
async def server(reg):
    return await reg.start("eco", WebSocketServer(echo, compression=None, extensions=server_extensions(),
                                                  process_request=keep_client_context_behind_proxy))


async def test_a_direct_client_is_asked_to_drop_its_context_and_chats(server):
    async with connect(f"ws://127.0.0.1:{server.port}/") as ws:
        assert "client_no_context_takeover" in ws.response.headers["Sec-WebSocket-Extensions"]
        for i in range(3):
            await ws.send(f"mensagem {i} " * 5)
            assert await ws.recv() == f"eco: {'mensagem %d ' % i * 5}"


async def test_tornado_behind_a_proxy_keeps_its_context_and_every_message_arrives(server):
    # o jupyter-server-proxy repassa o Host do navegador (o do Jupyter) e conecta com o tornado
    request = HTTPRequest(f"ws://127.0.0.1:{server.port}/", headers={"Host": "127.0.0.1:8888"})
    ws = await websocket_connect(request, compression_options={})
    try:
        extensions = ws.headers["Sec-WebSocket-Extensions"]
        assert "server_no_context_takeover" in extensions and "client_no_context_takeover" not in extensions
        for i in range(3):
            await ws.write_message(f"mensagem {i} " * 5)
            assert await asyncio.wait_for(ws.read_message(), 10) == f"eco: {'mensagem %d ' % i * 5}"
    finally:
        ws.close()
