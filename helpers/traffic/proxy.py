"""Um proxy reverso mínimo em loopback, para ver o que acontece com o handshake no meio do caminho.

Introduzido no notebook 04 ("O handshake hoje: HTTP/2, HTTP/3 e proxies"). Lê o cabeçalho do
pedido, repassa-o como um proxy HTTP/1.1 repassa (``helpers.protocols.handshake.forward_head``:
sem os headers *hop-by-hop*, ou com ``Upgrade``/``Connection`` se ``websocket=True``, como o
nginx configurado para WebSocket) e daí em diante só copia bytes nos dois sentidos.
"""

from __future__ import annotations

import asyncio

from ..core.lifecycle import LOOPBACK, TcpServer
from ..protocols.handshake import forward_head

__all__ = ["ReverseProxy"]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        if not writer.is_closing():
            writer.close()


class ReverseProxy:
    """``ReverseProxy(porta_do_servidor, websocket=False)``: aponte o cliente para ``proxy.port``.

    ``forwarded`` guarda o último cabeçalho repassado (o que o servidor de fato recebeu)."""

    def __init__(self, target_port: int, *, websocket: bool = False, timeout: float = 5.0):
        self.target_port, self.websocket, self.timeout = target_port, websocket, timeout
        self.forwarded: bytes = b""
        self._listener: TcpServer | None = None
        self.port: int | None = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.timeout)
        self.forwarded = forward_head(head, websocket=self.websocket)
        up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.target_port)
        up_writer.write(self.forwarded)
        await asyncio.wait_for(asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer)),
                               self.timeout)

    async def start(self) -> None:
        self._listener = TcpServer(self._accept)
        await self._listener.start()
        self.port = self._listener.port

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    def __repr__(self) -> str:
        mode = "configurado para WebSocket" if self.websocket else "sem configuração"
        return f"ReverseProxy({mode}, porta {self.port} → {self.target_port})"
