"""Sockets fantasmas: clientes que somem sem fechar, e o heartbeat que os encontra.

Introduzido no notebook 06 (Uso consciente).

Quando um programa fecha um socket (ou é morto), o sistema operacional ainda avisa o outro lado
(FIN ou RST). Um fantasma de verdade nasce quando o aviso **não chega**: o Wi-Fi caiu, o
notebook dormiu, um NAT esqueceu a conexão. No loopback isso não acontece sozinho, então
simulamos a rede com um ``Blackhole``: um relay TCP entre clientes e servidor que, depois de
``cut()``, para de repassar qualquer coisa e **não fecha nada**. Para o servidor, as conexões
seguem abertas e mudas, para sempre.

A cura é o heartbeat da RFC 6455 §5.5.2–5.5.3: o servidor manda um ping a cada
``ping_interval`` segundos e, se o pong não voltar em ``ping_timeout``, desiste da conexão (o
``websockets`` fecha com 1011 "keepalive ping timeout").

``count_over_time`` amostra uma contagem (ex.: conexões abertas) ao longo de alguns segundos.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from ..core.lifecycle import LOOPBACK, TcpServer

__all__ = ["Blackhole", "count_over_time"]


class Blackhole:
    """Relay TCP que, depois de ``cut()``, vira um buraco negro: nada passa, nada fecha."""

    def __init__(self, target_port: int, target_host: str = LOOPBACK):
        self.target_host, self.target_port = target_host, target_port
        self.port: int | None = None
        self.cut_off = False
        self._listener: TcpServer | None = None
        self._release = asyncio.Event()
        self._pumps: set[asyncio.Task] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._listener = TcpServer(self._accept)
        await self._listener.start()
        self.port = self._listener.port

    def cut(self) -> None:
        """A rede “cai”: os bytes param de passar nas duas direções, sem FIN nem RST."""
        self.cut_off = True
        for pump in list(self._pumps):
            pump.cancel()

    async def close(self) -> None:
        self.cut()
        self._release.set()
        for w in self._writers:
            w.close()
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        self._writers.append(up_writer)
        pumps = {asyncio.ensure_future(self._pump(reader, up_writer)),
                 asyncio.ensure_future(self._pump(up_reader, writer))}
        self._pumps |= pumps
        await asyncio.gather(*pumps, return_exceptions=True)
        self._pumps -= pumps
        if self.cut_off:
            await self._release.wait()  # segura os sockets abertos até o relay ser parado
        up_writer.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not self.cut_off:
            data = await reader.read(65536)
            if not data or self.cut_off:
                break
            writer.write(data)
            await writer.drain()
        if not self.cut_off and writer.can_write_eof():
            writer.write_eof()

    def __repr__(self) -> str:
        return f"Blackhole(porta {self.port} → {self.target_port}, {'cortado' if self.cut_off else 'ligado'})"


async def count_over_time(count: Callable[[], int], seconds: float, step: float = 0.1,
                          progress=None, until: Callable[[], bool] | None = None) -> list[tuple[float, int]]:
    """Amostra ``count()`` a cada ``step`` s por ``seconds`` s; devolve [(t, valor)].

    Com ``until``, para antes, logo que ``until()`` for verdadeiro (``seconds`` vira só o limite).
    """
    t0 = time.monotonic()
    samples = []
    while True:
        t = time.monotonic() - t0
        samples.append((t, count()))
        if progress is not None:
            progress.value = min(progress.max, int(t / seconds * progress.max))
        if t >= seconds or (until is not None and until()):
            if progress is not None:
                progress.value = progress.max
            return samples
        await asyncio.sleep(step)

