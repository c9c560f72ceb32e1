"""Reconexão: backoff exponencial com jitter, e retomada pelo id da última mensagem.

Introduzido no notebook 06 (Uso consciente).

* ``backoff(tentativa)``: quanto esperar antes de tentar de novo. Dobra a cada falha (``base``,
  ``2·base``, ``4·base``... até ``cap``); com ``jitter`` sorteia um valor entre 0 e esse teto
  ("full jitter", como no artigo "Exponential Backoff And Jitter" do blog de arquitetura da AWS),
  para que mil clientes derrubados juntos **não** voltem todos no mesmo instante.
* ``Feed``: o lado do servidor. Cada mensagem publicada ganha um id crescente e fica guardada
  (numa aplicação real, num banco); quem conecta diz ``{"resume": último_id}`` e recebe antes o
  que perdeu, depois as novas. O ``Feed`` sobrevive ao servidor: derrubar e subir o
  ``WebSocketServer`` não apaga nada.
* ``ResumingClient``: o lado do cliente. Conecta, pede a retomada, guarda cada mensagem uma vez
  só (descarta id repetido) e, se a conexão cai, espera ``backoff`` e tenta de novo. Anota o
  instante de cada tentativa (``attempts``) e, depois de uma queda, o instante **planejado** de
  cada tentativa (``planned``: a soma das esperas sorteadas desde a queda). Cem clientes num só
  processo são atendidos um por vez pelo laço de eventos, o que já os espalha um pouco; o
  instante planejado é o que cem máquinas independentes fariam, e é ele que desenha a
  "tempestade de reconexões".
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable

__all__ = ["Feed", "ResumingClient", "backoff", "peak"]


def backoff(attempt: int, *, base: float = 0.1, cap: float = 2.0, jitter: bool = True,
            rng: random.Random | None = None) -> float:
    """Espera (s) antes da tentativa ``attempt`` (0 = a primeira depois da queda)."""
    ceiling = min(cap, base * 2 ** attempt)
    return (rng or random).uniform(0, ceiling) if jitter else ceiling


class Feed:
    """Mensagens numeradas que sobrevivem ao servidor; ``handler`` é o handler WebSocket."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.listeners: set = set()

    async def publish(self, text: str) -> dict:
        """Guarda a mensagem com o próximo id e a entrega a quem está conectado."""
        message = {"id": len(self.messages) + 1, "text": text}
        self.messages.append(message)
        data = json.dumps(message)
        await asyncio.gather(*(self._send(ws, data) for ws in list(self.listeners)))
        return message

    async def _send(self, ws, data: str) -> None:
        try:
            await ws.send(data)
        except Exception:
            self.listeners.discard(ws)

    async def handler(self, ws) -> None:
        try:
            first = json.loads(await asyncio.wait_for(ws.recv(), 5))
            sent = int(first.get("resume", 0))
        except Exception:
            await ws.close(1008, 'esperava {"resume": id}')
            return
        try:
            while sent < len(self.messages):  # o histórico (e o que chegar enquanto isso)
                for message in self.messages[sent:]:
                    await ws.send(json.dumps(message))
                    sent = message["id"]
            self.listeners.add(ws)  # sem await entre o laço e aqui: nenhuma mensagem escapa
            await ws.wait_closed()
        finally:
            self.listeners.discard(ws)


class ResumingClient:
    """Um cliente que reconecta com backoff e retoma de onde parou."""

    def __init__(self, url: str, *, base: float = 0.05, cap: float = 1.0, jitter: bool = True,
                 rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        """``clock`` e ``sleep`` são trocáveis: um teste conduz o tempo sem depender da máquina."""
        self.url, self.base, self.cap, self.jitter = url, base, cap, jitter
        self.rng, self.clock, self.sleep = rng or random.Random(), clock, sleep
        self.received: list[dict] = []
        self.duplicates = 0
        self.attempts: list[float] = []  # instante de cada tentativa de conexão
        self.opened: list[float] = []  # instante de cada conexão que deu certo
        self.dropped: list[float] = []  # instante de cada queda de uma conexão aberta
        self.planned: list[float] = []  # cada tentativa depois de uma queda: soma das esperas desde ela
        self._open = False
        self.connections = 0  # quantas deram certo

    @property
    def last_id(self) -> int:
        return self.received[-1]["id"] if self.received else 0

    async def run(self, until: Callable[["ResumingClient"], bool], timeout: float = 10.0) -> None:
        """Conversa (reconectando quando preciso) até ``until(self)`` ser verdade."""
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        async with asyncio.timeout(timeout):
            failures, since_drop = 0, None
            while not until(self):
                if since_drop is not None:
                    self.planned.append(since_drop)
                self._open = False
                try:
                    await self._session(until)
                except (OSError, ConnectionClosed, InvalidHandshake):
                    pass  # recusada, caiu, ou o servidor respondeu com erro: tentar de novo
                if until(self):
                    break
                if self._open:  # estava conectado e caiu: a contagem de falhas recomeça
                    failures, since_drop = 0, 0.0
                    self.dropped.append(self.clock())
                wait = backoff(failures, base=self.base, cap=self.cap, jitter=self.jitter, rng=self.rng)
                if since_drop is not None:
                    since_drop += wait
                await self.sleep(wait)
                failures += 1

    async def _session(self, until) -> None:
        from websockets.asyncio.client import connect

        self.attempts.append(self.clock())
        async with connect(self.url, open_timeout=2, ping_interval=None, close_timeout=0.2,
                           compression=None) as ws:  # (mensagens curtas: sem zlib por conexão)
            self._open = True
            self.connections += 1
            self.opened.append(self.clock())
            await ws.send(json.dumps({"resume": self.last_id}))
            while not until(self):
                message = json.loads(await ws.recv())
                if message["id"] <= self.last_id:
                    self.duplicates += 1  # já tínhamos: descarta
                    continue
                self.received.append(message)

    def __repr__(self) -> str:
        return (f"ResumingClient({len(self.received)} mensagens, {self.connections} conexões, "
                f"{len(self.attempts)} tentativas)")


def peak(instants: list[float], window: float = 0.01) -> int:
    """O máximo de instantes dentro de uma mesma janela de ``window`` segundos (o pico de tentativas)."""
    import bisect

    ordered = sorted(instants)
    return max((bisect.bisect_left(ordered, t + window) - i for i, t in enumerate(ordered)), default=0)
