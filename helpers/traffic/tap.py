"""O tap: um relay TCP em loopback que grava tudo o que passa entre cliente e servidor.

Introduzido no notebook 01; usado por todos os capítulos seguintes.

O cliente conecta no tap (``tap.port``) em vez de no servidor; para cada conexão aceita, o tap
abre outra até o servidor e copia os bytes nas duas direções, sem mudar nada. Cada pedaço que
passa vira um ``Chunk`` (conexão, direção, instante, bytes) e é entregue a um *decodificador*
puro (``HttpDecoder`` por padrão; frames WebSocket e DNS se encaixam do mesmo jeito), que devolve
eventos com nome. Quem quiser acompanhar ao vivo passa uma função a ``subscribe``.

Nada do que os decodificadores ou os assinantes fazem derruba o relay: um erro deles vira log.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..core.lifecycle import LOOPBACK, TcpServer
from .events import C2S, S2C, Closed, Connected, Decoder, Event, Raw, safe_feed
from .httpdecode import HttpDecoder

__all__ = ["Chunk", "Tap"]

log = logging.getLogger("curso.tap")


@dataclass(frozen=True)
class Chunk:
    """Um pedaço de bytes exatamente como passou pelo tap."""

    conn: int
    direction: str
    t: float
    data: bytes


class Tap:
    """Relay TCP gravador entre um cliente e o servidor em ``target_host:target_port``.

    Use com o registro: ``tap = await registry.start("tap", Tap(servidor.port))`` e aponte o
    cliente para ``tap.port``.
    """

    def __init__(
        self,
        target_port: int,
        target_host: str = LOOPBACK,
        *,
        decoder: Callable[[int], Decoder] = HttpDecoder,
        host: str = LOOPBACK,
        port: int = 0,
        read_size: int = 65536,
    ):
        self.target_host, self.target_port = target_host, target_port
        self.host, self.requested_port = host, port
        self.decoder_factory = decoder
        self.read_size = read_size
        self.port: int | None = None
        self.chunks: list[Chunk] = []
        self.events: list[Event] = []
        self._subscribers: list[Callable[[Event], None]] = []
        self._listener: TcpServer | None = None
        self._conns: dict[int, tuple[asyncio.StreamWriter, ...]] = {}
        self._ids = itertools.count(1)
        self._idle = asyncio.Event()
        self._idle.set()

    # --- ciclo de vida ------------------------------------------------------------------------

    async def start(self) -> None:
        self._listener = TcpServer(self._accept, self.host, self.requested_port)
        await self._listener.start()
        self.port = self._listener.port

    async def close(self) -> None:
        """Para de aceitar e fecha as conexões em andamento (dos dois lados)."""
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    # --- leitura dos resultados ---------------------------------------------------------------

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Chama ``callback(evento)`` a cada evento novo; devolve a função que cancela."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def clear(self) -> None:
        """Esquece o que foi gravado (as conexões abertas continuam)."""
        self.chunks.clear()
        self.events.clear()

    @property
    def connections(self) -> int:
        """Quantas conexões TCP o tap aceitou desde o último ``clear()``."""
        return sum(1 for e in self.events if isinstance(e, Connected))

    async def idle(self, timeout: float = 10.0) -> None:
        """Espera (no máximo ``timeout`` s) até não haver conexão aberta passando pelo tap.

        Útil depois que um cliente fecha a conexão: o fechamento leva uma volta do laço de
        eventos para chegar ao tap e virar o evento ``Closed``. O ``timeout`` é só uma guarda contra
        o travamento: num computador ocupado, essa volta pode levar bem mais que milissegundos.
        """
        await asyncio.wait_for(self._idle.wait(), timeout)

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    def bytes_total(self, direction: str | None = None) -> int:
        return sum(len(c.data) for c in self.chunks if direction in (None, c.direction))

    # --- o relay ------------------------------------------------------------------------------

    def _emit(self, events: list[Event]) -> None:
        for ev in events:
            self.events.append(ev)
            for cb in list(self._subscribers):
                try:
                    cb(ev)
                except Exception:
                    log.exception("tap subscriber failed")

    def _decode(self, decoder: Decoder, conn: int, direction: str, data: bytes, t: float) -> None:
        self._emit(safe_feed(decoder, conn, direction, data, t))

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter):
        conn = next(self._ids)
        try:
            server_reader, server_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError as exc:
            self._emit([Raw(conn, C2S, time.monotonic(), b"",
                            note=f"o tap não conseguiu conectar ao servidor: {exc}")])
            return
        self._conns[conn] = (client_writer, server_writer)
        self._idle.clear()
        decoder = self.decoder_factory(conn)
        self._emit([Connected(conn, C2S, time.monotonic())])
        first_eof: list[str] = []
        pumps = [
            asyncio.ensure_future(self._pump(conn, C2S, client_reader, server_writer, decoder, first_eof)),
            asyncio.ensure_future(self._pump(conn, S2C, server_reader, client_writer, decoder, first_eof)),
        ]
        try:
            await asyncio.gather(*pumps)
        finally:
            for p in pumps:
                p.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            server_writer.close()  # o lado do cliente o TcpServer fecha
            self._conns.pop(conn, None)
            if not self._conns:
                self._idle.set()
            self._emit([Closed(conn, first_eof[0] if first_eof else C2S, time.monotonic())])

    async def _pump(self, conn, direction, reader, writer, decoder, first_eof) -> None:
        while True:
            try:
                data = await reader.read(self.read_size)
            except (ConnectionError, OSError):
                data = b""
            t = time.monotonic()
            if not data:
                first_eof.append(direction)
                self._decode(decoder, conn, direction, b"", t)
                try:
                    if writer.can_write_eof():
                        writer.write_eof()  # meia-conexão: repassa o "terminei de enviar"
                    else:
                        writer.close()
                except (ConnectionError, OSError, RuntimeError):
                    pass
                return
            self.chunks.append(Chunk(conn, direction, t, data))
            self._decode(decoder, conn, direction, data, t)
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                return

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def __repr__(self) -> str:
        return f"Tap(porta {self.port} → {self.target_host}:{self.target_port}, {len(self.events)} eventos)"
