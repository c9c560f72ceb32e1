"""Medições do capítulo de polling: relógio simulado, contador de requisições, atrasos, bytes.

Introduzido no notebook 03 (Polling e long polling). Só a *medição* mora aqui; o laço de
polling em si fica à vista no notebook.

Tempo simulado
--------------
Um minuto de polling de verdade levaria um minuto. Para a célula rodar em segundos, o notebook
encolhe o tempo: com ``SimClock(real_per_sim=0.05)``, cada **segundo simulado** dura 50 ms
reais, e um minuto simulado passa em 3 s. Intervalos, prazos e taxas são contados em
segundos simulados, então "requisições por minuto" quer dizer por minuto *simulado*: a conta
``clientes × 60 / intervalo`` não muda com a escala, porque numerador e denominador encolhem
juntos. O que não encolhe é o custo real de cada requisição (uns décimos de milissegundo no
loopback) nem as pausas do próprio Python (alguns milissegundos, às vezes dezenas): com a escala,
elas viram frações de segundo simulado. Por isso as verificações do notebook usam margens
largas e medianas, e a escala não desce muito abaixo de 50 ms.

O notebook 03 usa o ``VirtualClock``, que vai além: o tempo simulado só anda quando todos os
participantes estão esperando, então a rede e as pausas do Python não contam, as medições saem
exatas (180 requisições, atrasos até a próxima pergunta) e não dependem da velocidade da
máquina. O notebook 05 mede a mesma conversa por polling, long polling e WebSocket com ele
(``helpers.experiments.conversa``). O ``SimClock`` (tempo real encolhido) fica para quem precisa
de tempo real.

Prazos absolutos
----------------
``await clock.sleep_until(t)`` dorme até o instante simulado ``t`` (medido desde
``clock.start()``), e não "mais ``intervalo`` segundos a partir de agora". Um laço que faz
``sleep(intervalo)`` *depois* do trabalho atrasa um pouco a cada volta (o tempo da requisição
se soma ao intervalo) e o atraso se acumula; com prazos ``início + k × intervalo`` o erro de uma
volta não passa para a seguinte.
"""

from __future__ import annotations

import asyncio
import bisect
import gc
import heapq
import json
import math
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from ..traffic.events import Event, HttpRequest, HttpResponse

__all__ = [
    "DeliveryLog",
    "LatencyStats",
    "PollTraffic",
    "RequestCounter",
    "SimClock",
    "VirtualClock",
    "median",
    "poll_label",
    "round_trips",
    "wait_until",
    "within",
]


class SimClock:
    """Relógio em segundos simulados: ``real_per_sim`` segundos reais por segundo simulado."""

    def __init__(self, real_per_sim: float = 0.05):
        if real_per_sim <= 0:
            raise ValueError("real_per_sim deve ser positivo")
        self.real_per_sim = real_per_sim
        self.t0 = time.monotonic()

    def start(self) -> SimClock:
        """Zera o relógio: o instante simulado 0 é agora (o relógio também nasce zerado).

        Antes, faz uma coleta de lixo completa (``gc.collect()``): uma coleta que caísse no meio
        da medição pararia o Python por dezenas de milissegundos, o que na escala simulada
        viraria segundos de atraso que não são do polling.
        """
        gc.collect()
        self.t0 = time.monotonic()
        return self

    def at(self, monotonic: float) -> float:
        """Converte um instante de ``time.monotonic()`` (como os do tap) em tempo simulado."""
        return (monotonic - self.t0) / self.real_per_sim

    def now(self) -> float:
        """Segundos simulados desde ``start()``."""
        return self.at(time.monotonic())

    def real(self, sim_seconds: float) -> float:
        """Quantos segundos reais duram ``sim_seconds`` segundos simulados."""
        return sim_seconds * self.real_per_sim

    def sim(self, real_seconds: float) -> float:
        """Quantos segundos simulados cabem em ``real_seconds`` segundos reais."""
        return real_seconds / self.real_per_sim

    async def sleep_until(self, t: float) -> None:
        """Dorme até o instante simulado ``t`` (prazo absoluto: o atraso não se acumula)."""
        delay = self.t0 + t * self.real_per_sim - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def __repr__(self) -> str:
        return f"SimClock(1 s simulado = {self.real_per_sim * 1000:g} ms reais)"


class VirtualClock:
    """Relógio simulado que só anda quando **todos** os participantes estão esperando por ele.

    Introduzido no notebook 03. Teoria de operação (uma simulação de eventos discretos):

    * ``await clock.run(c1, c2, ...)`` roda as corrotinas como **participantes** (clientes) e
      começa o tempo simulado em 0. Cada participante está *ativo* (fazendo uma requisição,
      processando a resposta) ou *parado* num ``sleep_until(t)``.
    * Quando o último participante ativo para, o relógio **salta** para o menor prazo pendente
      e acorda quem marcou aquele instante. Nenhum segundo real é esperado: um minuto simulado
      passa no tempo que as requisições levam.
    * Uma requisição segurada pelo servidor (long polling) também para o seu cliente:
      ``park(prazo)`` devolve um *Future* que ``wake`` resolve (uma mensagem chegou) ou que o
      relógio resolve no prazo (``True``: o prazo acabou). ``wake`` devolve o cliente à lista
      dos ativos **na mesma hora**, antes de o relógio poder saltar.

    Consequência: a rede custa 0 s simulados (uma pergunta e sua resposta acontecem no mesmo
    instante), e o que se mede é só o que o *desenho* da técnica causa: o atraso do polling é
    a espera até a próxima pergunta marcada, não importa a velocidade da máquina.
    """

    def __init__(self) -> None:
        self._now = 0.0
        self.active = 0
        self.running = False
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._seq = 0
        self._steps: list[tuple[float, float]] = [(-math.inf, 0.0)]  # (monotonic, simulado)

    def now(self) -> float:
        """O instante simulado atual, em segundos."""
        return self._now

    def at(self, monotonic: float) -> float:
        """O instante simulado em que estava o relógio no instante real ``monotonic`` (do tap)."""
        i = bisect.bisect_right(self._steps, (monotonic, math.inf)) - 1
        return self._steps[i][1]

    async def run(self, *coros, timeout: float = 10.0) -> list:
        """Roda os participantes do instante 0 até todos terminarem; devolve os resultados.

        ``timeout`` (segundos reais) só protege contra um participante que nunca para.
        """
        self._now, self.active, self.running = 0.0, len(coros), True
        self._sleepers.clear()
        self._steps = [(-math.inf, 0.0)]
        try:
            async with asyncio.timeout(timeout), asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._participant(c)) for c in coros]
            return [t.result() for t in tasks]
        finally:
            self.running = False
            self.active = 0

    async def _participant(self, coro):
        try:
            return await coro
        finally:
            self.active -= 1
            self._advance_if_idle()

    async def sleep_until(self, t: float) -> None:
        """Para até o instante simulado ``t`` (prazo absoluto; se já passou, segue na hora)."""
        if t <= self._now:
            await asyncio.sleep(0)
            return
        await self.park(t)

    def park(self, deadline: float | None = None) -> asyncio.Future:
        """Para um participante até ``wake`` (resultado ``False``) ou até ``deadline`` (``True``)."""
        future = asyncio.get_running_loop().create_future()
        if deadline is not None:
            self._seq += 1
            heapq.heappush(self._sleepers, (deadline, self._seq, future))
        self.active -= 1
        self._advance_if_idle()
        return future

    def wake(self, future: asyncio.Future, expired: bool = False) -> None:
        """Devolve aos ativos quem parou em ``future`` (nada acontece se já foi acordado)."""
        if not future.done():
            future.set_result(expired)
            self.active += 1

    def unpark(self, future: asyncio.Future) -> None:
        """Para quem desistiu de esperar (tarefa cancelada): volta a contar como ativo."""
        if future.cancelled():
            self.active += 1

    async def waiting(self, awaitable):
        """Espera ``awaitable`` (algo de fora do relógio, como um frame que chega pela rede) parado:
        enquanto isso o relógio pode andar. Devolve o resultado de ``awaitable``.

        Quem *provoca* a chegada precisa continuar ativo até ela acontecer; senão o relógio
        salta com a mensagem ainda no caminho (em ``conversa.via_websocket``, quem fala espera
        todos receberem antes de dormir até a próxima fala).
        """
        task = asyncio.ensure_future(awaitable)
        future = self.park()
        task.add_done_callback(lambda _: self.wake(future))
        try:
            await future
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            self.unpark(future)
        return task.result()

    def _advance_if_idle(self) -> None:
        if not self.running or self.active > 0:
            return
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)  # já acordado por ``wake``
        if not self._sleepers:
            return
        self._now = max(self._now, self._sleepers[0][0])
        self._steps.append((time.monotonic(), self._now))
        while self._sleepers and self._sleepers[0][0] <= self._now:
            self.wake(heapq.heappop(self._sleepers)[2], expired=True)

    def __repr__(self) -> str:
        return f"VirtualClock(instante simulado {self._now:g} s, {self.active} ativo(s))"


class RequestCounter:
    """Conta no servidor cada requisição que chega: instante simulado, método e caminho.

    Instale o middleware antes de servir a aplicação::

        app.middlewares.append(contador.middleware)
    """

    def __init__(self, clock: SimClock | VirtualClock):
        self.clock = clock
        self.arrivals: list[tuple[float, str, str]] = []

        @web.middleware
        async def count_requests(request: web.Request, handler):
            self.arrivals.append((self.clock.now(), request.method, request.path))
            return await handler(request)

        self.middleware = count_requests

    def times(self, method: str | None = "GET", path: str | None = "/mensagens",
              start: float = -math.inf, end: float = math.inf) -> list[float]:
        """Os instantes (simulados) das requisições que batem com o filtro, em [start, end)."""
        return [t for t, m, p in self.arrivals
                if method in (None, m) and path in (None, p) and start <= t < end]

    def count(self, method: str | None = "GET", path: str | None = "/mensagens",
              start: float = -math.inf, end: float = math.inf) -> int:
        return len(self.times(method, path, start, end))

    def per_minute(self, start: float, end: float, method: str | None = "GET",
                   path: str | None = "/mensagens") -> float:
        """Requisições por minuto (simulado) na janela [start, end)."""
        if end <= start:
            raise ValueError("a janela precisa ter duração positiva")
        return self.count(method, path, start, end) * 60 / (end - start)

    def per_round(self, interval: float, method: str | None = "GET",
                  path: str | None = "/mensagens") -> list[int]:
        """Quantas requisições chegaram em cada volta: a volta ``k`` é ``[k × interval, (k+1) × interval)``.

        Com prazos absolutos num ``VirtualClock``, cada cliente cai exatamente uma vez em cada
        volta: a lista de 3 clientes a cada 1 s durante 1 minuto é ``[3] * 60``.
        """
        times = self.times(method, path)
        rounds = [0] * (int(max(times) // interval) + 1 if times else 0)
        for t in times:
            rounds[int(t // interval)] += 1
        return rounds

    def clear(self) -> None:
        self.arrivals.clear()

    def __repr__(self) -> str:
        return f"RequestCounter({len(self.arrivals)} requisições)"


@dataclass(frozen=True)
class LatencyStats:
    """Resumo dos atrasos de entrega (na unidade em que foram medidos)."""

    count: int
    mean: float
    median: float
    worst: float
    best: float

    @classmethod
    def of(cls, values: Iterable[float]) -> LatencyStats:
        values = list(values)
        if not values:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        return cls(len(values), sum(values) / len(values), statistics.median(values),
                   max(values), min(values))


class DeliveryLog:
    """Quando cada mensagem foi enviada e quando cada cliente a recebeu.

    O atraso de entrega é ``recebida - enviada``; a cópia que volta para o próprio autor não
    conta (ele já sabia o que escreveu).
    """

    def __init__(self) -> None:
        self.sent_at: dict[int, float] = {}
        self.confirmed_at: dict[int, float] = {}
        self.author: dict[int, str] = {}
        self.received_at: dict[tuple[str, int], float] = {}

    def sent(self, msg_id: int, author: str, t: float, confirmed: float | None = None) -> None:
        """A mensagem ``msg_id`` saiu no instante ``t``; ``confirmed``: quando o 201 voltou."""
        self.sent_at[msg_id], self.author[msg_id] = t, author
        if confirmed is not None:
            self.confirmed_at[msg_id] = confirmed

    def round_trips(self) -> list[float]:
        """Quanto durou o POST de cada mensagem, ida e volta (do envio à confirmação)."""
        return [self.confirmed_at[i] - self.sent_at[i] for i in sorted(self.confirmed_at)]

    def received(self, client: str, msg_id: int, t: float) -> None:
        self.received_at.setdefault((client, msg_id), t)  # só a primeira vez conta

    def latencies(self) -> list[float]:
        return [t - self.sent_at[i] for (client, i), t in sorted(self.received_at.items())
                if i in self.sent_at and client != self.author[i]]

    def missing(self, clients: Iterable[str]) -> list[tuple[str, int]]:
        """Pares (cliente, id) que deveriam ter chegado e não chegaram."""
        return [(c, i) for i in sorted(self.sent_at) for c in clients
                if c != self.author[i] and (c, i) not in self.received_at]

    def stats(self) -> LatencyStats:
        return LatencyStats.of(self.latencies())

    def clear(self) -> None:
        self.sent_at.clear()
        self.confirmed_at.clear()
        self.author.clear()
        self.received_at.clear()

    def __repr__(self) -> str:
        return f"DeliveryLog({len(self.sent_at)} enviadas, {len(self.received_at)} recebidas)"


@dataclass(frozen=True)
class PollTraffic:
    """Bytes das perguntas (requisições) e respostas que passaram pelo tap para um caminho."""

    polls: int
    empty: int  # respostas cujo corpo é ``[]``: nada novo
    request_bytes: int
    response_bytes: int
    content_bytes: int  # só os corpos das respostas: o que interessa ao cliente

    @classmethod
    def from_events(cls, events: Iterable[Event], path: str = "/mensagens",
                    method: str = "GET") -> PollTraffic:
        pending: dict[int, list[HttpRequest]] = {}
        polls = empty = req_bytes = resp_bytes = content = 0
        for ev in events:
            if isinstance(ev, HttpRequest):
                pending.setdefault(ev.conn, []).append(ev)
            elif isinstance(ev, HttpResponse) and pending.get(ev.conn):
                req = pending[ev.conn].pop(0)
                if req.method != method or urlsplit(req.target).path != path:
                    continue
                polls += 1
                req_bytes += req.size
                resp_bytes += ev.size
                content += len(ev.body)
                empty += ev.body.strip() == b"[]"
        return cls(polls, empty, req_bytes, resp_bytes, content)

    @property
    def total_bytes(self) -> int:
        return self.request_bytes + self.response_bytes

    @property
    def bytes_per_poll(self) -> float:
        return self.total_bytes / self.polls if self.polls else math.nan

    @property
    def envelope_share(self) -> float:
        """Fração dos bytes que é envelope (linhas iniciais, headers), não conteúdo."""
        return 1 - self.content_bytes / self.total_bytes if self.total_bytes else math.nan


def round_trips(events: Iterable[Event]) -> list[float]:
    """Quanto durou cada ida e volta (do início da requisição ao fim da resposta), em segundos."""
    pending: dict[int, list[HttpRequest]] = {}
    out = []
    for ev in events:
        if isinstance(ev, HttpRequest):
            pending.setdefault(ev.conn, []).append(ev)
        elif isinstance(ev, HttpResponse) and pending.get(ev.conn):
            out.append(ev.t_end - pending[ev.conn].pop(0).t)
    return out


def median(values: Iterable[float]) -> float:
    """A mediana (o valor do meio): menos sensível que a média a um engasgo isolado."""
    values = list(values)
    return statistics.median(values) if values else math.nan


def within(measured: float, expected: float, tolerance: float = 0.05) -> bool:
    """``measured`` está a no máximo ``tolerance`` (fração) de ``expected``?"""
    return abs(measured - expected) <= tolerance * abs(expected)


def poll_label(event: Event) -> str | None:
    """Rótulo de seta para o diagrama do notebook 03: quantas mensagens vieram em cada resposta.

    ``200 · [] · 160 B``, ``200 · 1 mensagem · 213 B``...; ``None`` (o rótulo padrão) para o resto.
    """
    if isinstance(event, HttpResponse) and event.status == 200 and event.body.startswith(b"["):
        n = len(json.loads(event.body))
        count = "[]" if n == 0 else "1 mensagem" if n == 1 else f"{n} mensagens"
        return f"200 · {count} · {event.size} B"
    return None


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0, step: float = 0.005) -> None:
    """Espera ``condition()`` ficar verdadeira; ``timeout`` (segundos reais) só protege contra o erro.

    Para esperar algo que outra tarefa faz (três requisições chegarem ao servidor, por exemplo)
    sem adivinhar quanto tempo leva: pergunta a cada ``step`` e segue assim que der.
    """
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(step)
