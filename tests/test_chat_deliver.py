"""``deliver``: o frame do servidor montado uma vez por grupo de conexões, conferido pela biblioteca.

Clientes ``websockets`` de verdade (sem compressão, com a oferta de um navegador, com outras
janelas) precisam decodificar cada mensagem; quem negociou context takeover no servidor cai no
caminho normal da biblioteca (um compressor por conexão).
"""

import asyncio
import logging

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, ServerPerMessageDeflateFactory

from helpers.chat.server import DEFLATE_SETTINGS, deliver, frame_key
from support import TIMEOUT

# tamanhos que mudam o cabeçalho (RFC 6455 §5.2: 7, 16 ou 64 bits de comprimento), antes e depois
# da compressão
SIZES = [0, 1, 125, 126, 127, 65535, 65536, 70000]

OFFERS = {
    "sem compressão": None,
    "como um navegador": [ClientPerMessageDeflateFactory()],  # client_max_window_bits sem valor
    "janela 10 no servidor": [ClientPerMessageDeflateFactory(server_max_window_bits=10)],
    "memLevel do cliente": [ClientPerMessageDeflateFactory(compress_settings={"memLevel": 9})],
}


def text_of(size: int, salt: int) -> bytes:
    """Texto UTF-8 de ``size`` bytes, meio repetitivo (comprime) e com acentos."""
    base = f"{salt}:ação é {salt * 7919 % 1000} ".encode()
    data = (base * (size // len(base) + 1))[:size]
    return data.decode("utf-8", "ignore").encode().ljust(size, b"x")


class Room:
    """Um servidor ``websockets`` que só guarda as conexões; as mensagens saem por ``deliver``."""

    def __init__(self, extensions):
        self.extensions, self.connections, self.arrived = extensions, [], asyncio.Event()
        self.expected = 0

    async def handler(self, ws) -> None:
        self.connections.append(ws)
        if len(self.connections) == self.expected:
            self.arrived.set()
        await ws.wait_closed()


async def run_room(server_extensions, offers: list, messages: list[bytes]) -> tuple[list, list]:
    room = Room(server_extensions)
    room.expected = len(offers)
    log = logging.getLogger("teste.deliver")
    log.propagate = False
    async with serve(room.handler, "127.0.0.1", 0, extensions=server_extensions, max_size=None,
                     logger=log) as server:
        port = server.sockets[0].getsockname()[1]
        clients = [await connect(f"ws://127.0.0.1:{port}/", extensions=offer, compression=None,
                                 max_size=None) for offer in offers]
        try:
            await asyncio.wait_for(room.arrived.wait(), TIMEOUT)
            written = [len(deliver(room.connections, m)) for m in messages]
            got = [[await asyncio.wait_for(c.recv(decode=False), TIMEOUT) for _ in messages] for c in clients]
            keys = [frame_key(ws) for ws in room.connections]
        finally:
            for c in clients:
                await c.close()
    assert written == [len(offers)] * len(messages)
    return got, keys


@pytest.mark.parametrize("offer", OFFERS, ids=list(OFFERS))
async def test_every_client_decodes_every_size(offer):
    messages = [text_of(n, i) for i, n in enumerate(SIZES)]
    got, _ = await run_room([ServerPerMessageDeflateFactory(**DEFLATE_SETTINGS)], [OFFERS[offer]] * 2, messages)
    assert got == [messages, messages]


async def test_mixed_offers_are_grouped_by_negotiated_parameters():
    messages = [text_of(n, i) for i, n in enumerate(SIZES)]
    got, keys = await run_room([ServerPerMessageDeflateFactory(**DEFLATE_SETTINGS)], list(OFFERS.values()), messages)
    assert got == [messages] * len(OFFERS)
    plain, browser, window10, _ = keys
    assert plain == () and browser != plain and window10 not in (plain, browser)


async def test_server_context_takeover_falls_back_to_one_compressor_per_connection():
    messages = [text_of(200, i) for i in range(5)] + [text_of(200, 0)] * 3  # repetições: o contexto ajuda
    got, keys = await run_room([ServerPerMessageDeflateFactory()], [OFFERS["como um navegador"]] * 3, messages)
    assert got == [messages] * 3
    assert keys == [None] * 3


async def test_frames_are_the_bytes_the_library_would_write():
    data = text_of(300, 1)
    room = Room(None)
    room.expected = 1
    async with serve(room.handler, "127.0.0.1", 0, extensions=[ServerPerMessageDeflateFactory(**DEFLATE_SETTINGS)]) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/"):
            await asyncio.wait_for(room.arrived.wait(), TIMEOUT)
            ws = room.connections[0]
            captured = []
            write, ws.transport.write = ws.transport.write, lambda b: (captured.append(b), write(b))
            deliver([ws], data)
            ws.protocol.send_text(data)               # o caminho da biblioteca, para comparar
            library = ws.protocol.data_to_send()
            del ws.transport.write
    assert captured == library


async def test_closing_connections_are_skipped():
    messages = [b"antes"]
    room = Room(None)
    room.expected = 2
    async with serve(room.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/") as a, connect(f"ws://127.0.0.1:{port}/") as b:
            await asyncio.wait_for(room.arrived.wait(), TIMEOUT)
            await b.close()
            await asyncio.wait_for(room.connections[1].wait_closed(), TIMEOUT)
            assert deliver(room.connections, messages[0]) == [room.connections[0]]
            assert await asyncio.wait_for(a.recv(decode=False), TIMEOUT) == b"antes"


async def test_a_frame_already_queued_in_the_protocol_goes_out_first():
    room = Room(None)
    room.expected = 1
    async with serve(room.handler, "127.0.0.1", 0, extensions=[ServerPerMessageDeflateFactory(**DEFLATE_SETTINGS)]) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/") as client:
            await asyncio.wait_for(room.arrived.wait(), TIMEOUT)
            ws = room.connections[0]
            captured = []
            write, ws.transport.write = ws.transport.write, lambda b: (captured.append(b), write(b))
            ws.protocol.send_ping(b"antes")           # na fila do protocolo, ainda não escrito
            deliver([ws], b"depois")
            del ws.transport.write
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == "depois"
    assert [frame[0] for frame in captured] == [0x89, 0xC1]  # PING, depois TEXT comprimido (RSV1)
