"""As quatro técnicas lado a lado: polling, long polling, SSE e WebSocket, com a mesma carga.

Introduzido no notebook 07 (Escala e gateways). Reúne o que os capítulos 03 (polling e long
polling, ``helpers.chat.httpapi``) e 04/05 (WebSocket) mostraram, mais o **Server-Sent Events**
(SSE, `WHATWG HTML §9.2 <https://html.spec.whatwg.org/multipage/server-sent-events.html>`_):
uma resposta HTTP ``text/event-stream`` que nunca termina, em que o servidor escreve um evento
``id: …`` / ``data: …`` seguido de uma linha em branco para cada novidade.

Teoria de operação
------------------
* O servidor roda num **subprocesso** (``python -m helpers.scale.techniques``), para que o tempo de CPU
  dele seja medido à parte (``psutil``) do tempo dos clientes, que rodam no kernel. É a mesma
  sala de ``helpers.chat.httpapi`` (POST /mensagens, GET /mensagens?since=N[&espera=S]) com duas
  rotas a mais: ``GET /sse?since=N`` e ``GET /ws?since=N`` (WebSocket do aiohttp). Um
  middleware conta as requisições que chegam (``GET /contagem``).
* Carga: ``clients`` receptores e um remetente que publica ``messages`` mensagens, uma a cada
  ``gap`` segundos. Cada receptor passa por um ``Tap`` (``RawDecoder``), que conta os bytes
  nos dois sentidos. O atraso de uma entrega é ``recebida − enviada`` no relógio do kernel.
* ``run_technique`` devolve um ``Result`` com p50/p95 do atraso, requisições HTTP, bytes e CPU
  do servidor por mensagem entregue.
* ``run_calm_room`` mede a sala **calma** (uma mensagem por minuto, polling a cada 2 s, o
  ``setInterval`` comum) num **relógio simulado**: ``calm_schedule`` (pura) lista, em segundos
  simulados, cada pergunta do polling, cada mensagem e cada *ping* do WebSocket, e o laço executa
  um evento depois do outro, sem esperar o relógio de verdade. Dez minutos simulados viram
  algumas centenas de requisições reais, em menos de um segundo. Os bytes são os de verdade, que
  passam por dois taps (um para o cliente de polling, outro para o de WebSocket).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import aiohttp
from aiohttp import web

from .broker import orphan_watch
from ..chat.httpapi import ROOM, ChatRoom, create_app, parse_since
from ..core.lifecycle import Registry, SubprocessServer
from ..core.numbers import decimal
from ..core.stats import percentile
from ..traffic.httpdecode import RawDecoder
from ..traffic.tap import Tap

__all__ = [
    "TECHNIQUES",
    "CalmRoom",
    "Result",
    "calm_schedule",
    "TechniqueServer",
    "create_server_app",
    "parse_sse",
    "resume_point",
    "percentile",
    "run_all",
    "run_calm_room",
    "run_technique",
    "sse_stream",
    "summary",
    "ws_stream",
]

TECHNIQUES = ("polling", "long polling", "SSE", "WebSocket")
COUNTS = web.AppKey("counts", dict)


# --- servidor -------------------------------------------------------------------------------


SSE_RETRY = web.AppKey("sse_retry_ms", int)
SSE_HEARTBEAT = web.AppKey("sse_heartbeat_s", float)
SSE_RESUMED = web.AppKey("sse_resumed", list)


def resume_point(request: web.Request) -> int:
    """De onde um fluxo SSE recomeça. Na reconexão, o ``EventSource`` do navegador manda sozinho o
    header ``Last-Event-ID`` com o último ``id:`` que recebeu; ele vale mais que ``?since=``, que
    é só o ponto de partida da primeira conexão (a URL é a mesma nas duas)."""
    last_event_id = request.headers.get("Last-Event-ID", "")
    if last_event_id:
        return parse_since({"since": last_event_id})
    return parse_since(request.query)


async def sse_stream(request: web.Request) -> web.StreamResponse:
    """GET /sse?since=N: uma resposta que não termina; cada mensagem nova vira um evento."""
    room, app = request.app[ROOM], request.app
    last = resume_point(request)
    if "Last-Event-ID" in request.headers:
        app[SSE_RESUMED].append(last)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"})
    await response.prepare(request)
    await response.write(f"retry: {app[SSE_RETRY]}\n\n".encode())  # espera antes de reconectar
    quiet = 0.0
    while request.transport is not None and not request.transport.is_closing():
        news = await room.wait_since(last, timeout=0.5)
        for msg in news:
            data = json.dumps(msg, ensure_ascii=False)
            await response.write(f"id: {msg['id']}\ndata: {data}\n\n".encode())
            last = msg["id"]
        quiet = 0.0 if news else quiet + 0.5
        if quiet >= app[SSE_HEARTBEAT]:  # comentário: mantém proxies e NATs sabendo que há vida
            await response.write(b": ainda aqui\n\n")
            quiet = 0.0
        if room.closed:
            break
    return response


async def ws_stream(request: web.Request) -> web.WebSocketResponse:
    """GET /ws?since=N (WebSocket): cada mensagem nova vira um frame de texto."""
    room = request.app[ROOM]
    last = int(request.query.get("since", "0"))
    ws = web.WebSocketResponse()
    await ws.prepare(request)

    async def push():
        nonlocal last
        while not ws.closed and not room.closed:
            for msg in await room.wait_since(last, timeout=5):
                await ws.send_str(json.dumps(msg, ensure_ascii=False))
                last = msg["id"]

    pusher = asyncio.create_task(push())
    try:
        async for _ in ws:  # o cliente não fala; o laço só termina quando ele fecha
            pass
    finally:
        pusher.cancel()
        await asyncio.gather(pusher, return_exceptions=True)
    return ws


@web.middleware
async def _count(request: web.Request, handler):
    counts = request.app[COUNTS]
    key = f"{request.method} {request.path}"
    counts[key] = counts.get(key, 0) + 1
    return await handler(request)


async def _counts(request: web.Request) -> web.Response:
    return web.json_response(request.app[COUNTS])


def create_server_app(sse_retry_ms: int = 2000, sse_heartbeat_s: float = 15.0) -> web.Application:
    """A sala do capítulo 03 com SSE, WebSocket e a contagem de requisições.

    ``sse_retry_ms``: quanto o navegador espera antes de reconectar um ``EventSource`` (campo
    ``retry:``); ``sse_heartbeat_s``: silêncio máximo de um fluxo SSE antes de um comentário."""
    app = create_app(ChatRoom(keep=100_000))
    app[COUNTS] = {}
    app[SSE_RETRY] = sse_retry_ms
    app[SSE_HEARTBEAT] = sse_heartbeat_s
    app[SSE_RESUMED] = []
    app.middlewares.insert(0, _count)
    app.router.add_get("/sse", sse_stream)
    app.router.add_get("/ws", ws_stream)
    app.router.add_get("/contagem", _counts)
    return app


async def _serve() -> None:
    runner = web.AppRunner(create_server_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"PORTA {runner.addresses[0][1]}", flush=True)
    await orphan_watch()  # até o processo ser terminado, ou o kernel que o criou sumir


class TechniqueServer(SubprocessServer):
    """O servidor das quatro técnicas num subprocesso (recurso para o ``registry``)."""

    what = "O servidor das técnicas"

    def __init__(self, startup_timeout: float = 60.0):
        super().__init__("helpers.scale.techniques", startup_timeout=startup_timeout)

    async def start(self) -> None:
        await super().start()
        await self._warm_up()

    async def _warm_up(self) -> None:
        """Uma rodada mínima de cada técnica: a primeira requisição de cada rota paga importações
        e alocações que não fazem parte da medida."""
        for technique in TECHNIQUES:
            await run_technique(self, technique, clients=1, messages=2, gap=0.005, interval=0.01)

    def cpu_seconds(self) -> float:
        """Tempo de CPU (usuário + sistema) que o subprocesso gastou até agora."""
        import psutil

        times = psutil.Process(self.pid).cpu_times()
        return times.user + times.system

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __repr__(self) -> str:
        return f"TechniqueServer(port={self.port})"


# --- clientes --------------------------------------------------------------------------------


def parse_sse(buffer: str) -> tuple[list[dict], str]:
    """Separa os eventos completos de um trecho de ``text/event-stream``.

    Devolve ``(eventos, resto)``: cada evento é ``{"id": ..., "data": ...}`` (linhas ``data``
    juntadas com ``\\n``, como manda a especificação); ``resto`` é o começo de um evento que
    ainda não terminou (falta a linha em branco).
    """
    events = []
    *blocks, rest = buffer.replace("\r\n", "\n").split("\n\n")
    for block in blocks:
        event: dict = {}
        data = []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue  # linha vazia ou comentário
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "data":
                data.append(value)
            elif field in ("id", "event", "retry"):
                event[field] = value
        if data:
            event["data"] = "\n".join(data)
            events.append(event)
    return events, rest


@dataclass
class Result:
    """O que uma técnica custou para entregar ``delivered`` mensagens."""

    technique: str
    delivered: int
    expected: int
    p50: float  # segundos
    p95: float
    requests: int  # requisições HTTP dos receptores (polls, long polls, GET /sse, upgrade)
    bytes: int  # bytes dos receptores, nos dois sentidos
    cpu: float  # segundos de CPU do servidor

    @property
    def requests_per_message(self) -> float:
        return self.requests / max(1, self.delivered)

    @property
    def bytes_per_message(self) -> float:
        return self.bytes / max(1, self.delivered)

    @property
    def cpu_per_message_ms(self) -> float:
        return self.cpu * 1000 / max(1, self.delivered)

    def as_dict(self) -> dict:
        return {**asdict(self), "requests_per_message": self.requests_per_message,
                "bytes_per_message": self.bytes_per_message}


async def _receive(technique: str, url: str, since: int, wanted: set[str], got: dict,
                   interval: float, ready: asyncio.Event, deadline: float) -> None:
    """Um receptor: fica até ter recebido todos os textos de ``wanted`` (ou o prazo acabar)."""

    def note(msg: dict) -> None:
        got.setdefault(msg["texto"], time.monotonic())

    def done() -> bool:
        return wanted <= got.keys() or time.monotonic() > deadline

    async with aiohttp.ClientSession(url) as session:
        if technique == "polling":
            ready.set()
            while not done():
                async with session.get("/mensagens", params={"since": since}) as r:
                    for msg in await r.json():
                        note(msg)
                        since = msg["id"]
                if not done():  # recebeu tudo: não dorme mais um intervalo à toa
                    await asyncio.sleep(interval)
        elif technique == "long polling":
            ready.set()
            while not done():
                async with session.get("/mensagens", params={"since": since, "espera": 2}) as r:
                    for msg in await r.json():
                        note(msg)
                        since = msg["id"]
        elif technique == "SSE":
            async with session.get("/sse", params={"since": since}) as r:
                ready.set()
                rest = ""
                while not done():
                    try:
                        chunk = await asyncio.wait_for(r.content.readany(), 0.5)
                    except TimeoutError:
                        continue
                    if not chunk:
                        break
                    events, rest = parse_sse(rest + chunk.decode())
                    for event in events:
                        note(json.loads(event["data"]))
        elif technique == "WebSocket":
            async with session.ws_connect("/ws", params={"since": since}) as ws:
                ready.set()
                while not done():
                    try:
                        frame = await ws.receive(timeout=0.5)
                    except TimeoutError:
                        continue
                    if frame.type != aiohttp.WSMsgType.TEXT:
                        break
                    note(json.loads(frame.data))
        else:
            raise ValueError(f"técnica desconhecida: {technique!r}; use uma de {TECHNIQUES}")


async def run_technique(server: TechniqueServer, technique: str, *, clients: int = 10,
                        messages: int = 20, gap: float = 0.02, interval: float = 0.1,
                        timeout: float = 10.0, registry: Registry | None = None) -> Result:
    """Mede uma técnica: ``clients`` receptores, ``messages`` mensagens a cada ``gap`` s.

    ``interval`` é o intervalo do polling. Tudo em 127.0.0.1 e limitado por ``timeout``.
    """
    reg = registry if registry is not None else Registry()
    tap = await reg.start("técnicas-tap", Tap(server.port, decoder=RawDecoder))
    try:
        async with aiohttp.ClientSession(server.url) as session:
            async with session.get("/mensagens", params={"since": 10**12}) as r:
                await r.read()
            async with session.get("/contagem") as r:
                before_counts = await r.json()
            async with session.post("/mensagens", json={"de": "início", "texto": "marco"}) as r:
                since = (await r.json())["id"]
            texts = [f"{technique} {k}" for k in range(messages)]
            received = [dict() for _ in range(clients)]
            ready = [asyncio.Event() for _ in range(clients)]
            deadline = time.monotonic() + timeout
            cpu_before = server.cpu_seconds()
            async with asyncio.timeout(timeout + 2), asyncio.TaskGroup() as group:
                for i in range(clients):
                    group.create_task(_receive(technique, tap.url, since, set(texts), received[i],
                                               interval, ready[i], deadline))
                for event in ready:
                    await event.wait()
                sent: dict[str, float] = {}
                for k, text in enumerate(texts):
                    await asyncio.sleep(max(0.0, deadline - timeout + 0.05 + k * gap - time.monotonic()))
                    sent[text] = time.monotonic()
                    async with session.post("/mensagens", json={"de": "Ana", "texto": text}) as r:
                        await r.read()
            cpu = server.cpu_seconds() - cpu_before
            async with session.get("/contagem") as r:
                after_counts = await r.json()
        await tap.idle()  # o prazo é só uma guarda: o fechamento chega em milissegundos
    finally:
        await reg.stop("técnicas-tap")
    latencies = [t - sent[text] for got in received for text, t in got.items() if text in sent]
    receiver_paths = ("GET /mensagens", "GET /sse", "GET /ws")
    requests = sum(after_counts.get(p, 0) - before_counts.get(p, 0) for p in receiver_paths)
    return Result(technique, len(latencies), clients * messages, percentile(latencies, 50),
                  percentile(latencies, 95), requests, tap.bytes_total(), cpu)


def summary(results: dict[str, Result]) -> str:
    """Os números da tabela de ``run_all`` em texto, uma linha por técnica (para quem lê o
    notebook sem o widget)."""
    return "\n".join(
        f"{r.technique}: {r.delivered} entregues, p50 {decimal(r.p50 * 1e3)} ms, p95 {decimal(r.p95 * 1e3)} ms, "
        f"{decimal(r.requests_per_message, 2)} req/msg, {decimal(r.bytes_per_message)} B/msg, "
        f"CPU do servidor {decimal(r.cpu_per_message_ms, 2)} ms/msg" for r in results.values())


async def run_all(server: TechniqueServer, *, progress: Callable[[int, str], None] | None = None,
                  **workload) -> dict[str, Result]:
    """As quatro técnicas, uma depois da outra, com a mesma carga."""
    results = {}
    for i, technique in enumerate(TECHNIQUES):
        if progress:
            progress(i, technique)
        results[technique] = await run_technique(server, technique, **workload)
    if progress:
        progress(len(TECHNIQUES), "pronto")
    return results


# --- a sala calma: bytes por mensagem entregue, num relógio simulado ---------------------------


POLL, MESSAGE, PING = "pergunta", "mensagem", "ping"


def calm_schedule(minutes: float = 10, message_every: float = 60, poll_every: float = 2,
                  ping_every: float = 20) -> list[tuple[float, str]]:
    """Os eventos de ``minutes`` minutos de uma sala calma, em ordem de tempo (segundos simulados).

    O polling pergunta em 0, ``poll_every``, 2 × ``poll_every``...; cada mensagem chega no meio
    entre duas perguntas (``message_every`` × k + ``poll_every``/2); o cliente WebSocket manda um
    *ping* a cada ``ping_every`` s (0 desliga), como o ``websockets`` faz por padrão a cada 20 s.
    Função pura: o relógio é só o número na tupla.
    """
    horizon = minutes * 60
    events = [(k * poll_every, POLL) for k in range(math.ceil(horizon / poll_every))]
    events += [(k * message_every + poll_every / 2, MESSAGE)
               for k in range(math.ceil(horizon / message_every))
               if k * message_every + poll_every / 2 < horizon]
    if ping_every > 0:
        events += [(k * ping_every, PING) for k in range(1, math.ceil(horizon / ping_every))]
    order = {MESSAGE: 0, POLL: 1, PING: 2}
    return sorted(events, key=lambda e: (e[0], order[e[1]]))


@dataclass
class CalmRoom:
    """O que a sala calma custou: bytes de verdade (contados pelos taps), por técnica."""

    minutes: float
    message_every: float
    poll_every: float
    messages: int  # mensagens enviadas
    polls: int  # perguntas do polling (GET /mensagens)
    empty_polls: int  # perguntas que voltaram []
    pings: int  # pings do cliente WebSocket
    polling_delivered: int
    websocket_delivered: int
    polling_bytes: int  # nos dois sentidos
    websocket_bytes: int  # nos dois sentidos, com o handshake, os pings e o fechamento

    @property
    def polling_per_message(self) -> float:
        return self.polling_bytes / max(1, self.polling_delivered)

    @property
    def websocket_per_message(self) -> float:
        return self.websocket_bytes / max(1, self.websocket_delivered)

    @property
    def ratio(self) -> float:
        """Quantas vezes mais bytes o polling gasta por mensagem entregue."""
        return self.polling_per_message / max(1e-9, self.websocket_per_message)

    def as_dict(self) -> dict:
        return {**asdict(self), "polling_per_message": self.polling_per_message,
                "websocket_per_message": self.websocket_per_message, "ratio": self.ratio}


async def run_calm_room(server: TechniqueServer, *, minutes: float = 10, message_every: float = 60,
                        poll_every: float = 2, ping_every: float = 20, timeout: float = 20.0,
                        registry: Registry | None = None) -> CalmRoom:
    """Um cliente de polling e um de WebSocket na mesma sala calma, no relógio de ``calm_schedule``.

    Cada evento é executado até o fim antes do próximo: a pergunta espera a resposta, a mensagem
    espera chegar ao cliente WebSocket (um evento, não um ``sleep``). Tudo em 127.0.0.1 e
    limitado por ``timeout`` (tempo real).
    """
    reg = registry if registry is not None else Registry()
    tap_poll = await reg.start("calma-tap-polling", Tap(server.port, decoder=RawDecoder))
    tap_ws = await reg.start("calma-tap-ws", Tap(server.port, decoder=RawDecoder))
    counts = {POLL: 0, MESSAGE: 0, PING: 0, "vazias": 0}
    got_poll: set[str] = set()
    got_ws: set[str] = set()
    try:
        async with asyncio.timeout(timeout), \
                aiohttp.ClientSession(server.url) as sender, \
                aiohttp.ClientSession(tap_poll.url) as poller, \
                aiohttp.ClientSession(tap_ws.url) as ws_session:
            async with sender.post("/mensagens", json={"de": "início", "texto": "marco"}) as r:
                since = (await r.json())["id"]
            async with ws_session.ws_connect("/ws", params={"since": since}, heartbeat=None,
                                             autoping=True) as ws:
                for _, kind in calm_schedule(minutes, message_every, poll_every, ping_every):
                    counts[kind] += 1
                    if kind == POLL:
                        async with poller.get("/mensagens", params={"since": since}) as r:
                            news = await r.json()
                        counts["vazias"] += not news
                        for msg in news:
                            got_poll.add(msg["texto"])
                            since = msg["id"]
                    elif kind == MESSAGE:
                        text = f"calma {counts[MESSAGE]}"
                        async with sender.post("/mensagens", json={"de": "Ana", "texto": text}) as r:
                            await r.read()
                        frame = await ws.receive()  # chega empurrada: nada a perguntar
                        got_ws.add(json.loads(frame.data)["texto"])
                    else:
                        await ws.ping()
        await tap_poll.idle()
        await tap_ws.idle()
        polling_bytes, websocket_bytes = tap_poll.bytes_total(), tap_ws.bytes_total()
    finally:
        await reg.stop("calma-tap-polling")
        await reg.stop("calma-tap-ws")
    return CalmRoom(minutes, message_every, poll_every, counts[MESSAGE], counts[POLL],
                    counts["vazias"], counts[PING], len(got_poll), len(got_ws), polling_bytes,
                    websocket_bytes)


if __name__ == "__main__":
    if os.name == "nt":
        asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())
    try:
        asyncio.run(_serve())
    except KeyboardInterrupt:
        pass
