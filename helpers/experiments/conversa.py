"""A mesma conversa por polling, long polling e WebSocket, medida por um tap (notebook 05, seção 9).

Extraído do notebook 05 (antes eram duas células de mais de 30 linhas); a lição (quantas
requisições, quantos bytes, quanto atraso) continua nas células, a montagem mora aqui.

* ``Conversation``: quem fala, o quê e quando, em segundos simulados de um ``VirtualClock`` (o do
  capítulo 03: o tempo só anda quando todos esperam, então a rede e as pausas do Python não
  contam e os atrasos medidos são os que o desenho de cada técnica causa, iguais em qualquer
  máquina).
* ``via_http(registry, conversa, espera=None)``: a API HTTP do capítulo 03; cada cliente pergunta
  ``rounds`` vezes, uma por ``interval`` (polling), ou deixa o servidor segurar a pergunta até
  ter novidade (long polling, ``espera`` em segundos), e para quando já tem todas as mensagens.
* ``via_websocket(registry, conversa)``: o ``ChatServer`` do capítulo, um tap ``tap_ws`` na frente.
* ``cost_rows``: uma linha por técnica (requisições HTTP, frames, bytes, bytes por mensagem).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import aiohttp
from websockets.asyncio.client import connect

from ..chat import ChatRoom, ChatServer, create_app
from ..core.lifecycle import HttpServer
from ..protocols import Opcode
from ..traffic import HttpDecoder, HttpRequest, Tap, WsDecoder, WsFrame
from .polling import DeliveryLog, VirtualClock

__all__ = ["Conversation", "conversation_frame", "cost_rows", "handshake_bytes", "tap_ws",
           "via_http", "via_websocket"]


def tap_ws(port: int) -> Tap:
    """Um tap que entende WebSocket (capítulo 04): o handshake em HTTP, depois frames."""
    return Tap(port, decoder=lambda conn: HttpDecoder(conn, upgrade=WsDecoder))


@dataclass
class Conversation:
    clock: VirtualClock
    names: list[str]
    script: list[tuple[float, str, str]]  # (instante simulado, quem, o quê)
    interval: float = 1.0
    rounds: int = 10


async def via_http(registry, conv: Conversation, espera: float | None = None):
    """A conversa pela API do capítulo 03: polling (``espera=None``) ou long polling."""
    clock = conv.clock
    api = await registry.start("api-03", HttpServer(create_app(ChatRoom(clock=clock))))
    tap = await registry.start("tap-03", Tap(api.port))
    log = DeliveryLog()

    async def client(name: str, phase: float) -> None:
        last = 0
        async with aiohttp.ClientSession(tap.url) as session:
            for k in range(conv.rounds if espera is None else len(conv.script)):  # limitado
                params = {"since": last}
                if espera is None:
                    await clock.sleep_until(phase + k * conv.interval)  # polling: na hora marcada
                else:
                    params["espera"] = espera  # long polling: o servidor segura até ter novidade
                async with session.get("/mensagens", params=params) as r:
                    for m in await r.json():
                        log.received(name, m["id"], clock.now())
                        last = m["id"]
                if espera is not None and last == len(conv.script):
                    break  # long polling: já tem tudo, não pergunta de novo

    async def talk() -> None:
        async with aiohttp.ClientSession(tap.url) as session:
            for at, author, text in conv.script:
                await clock.sleep_until(at)
                t = clock.now()
                async with session.post("/mensagens", json={"de": author, "texto": text}) as r:
                    log.sent((await r.json())["id"], author, t)

    phases = [i / len(conv.names) for i in range(len(conv.names))]
    await clock.run(*(client(n, p) for n, p in zip(conv.names, phases)), talk(), timeout=30)
    await tap.idle()
    await registry.stop("api-03")
    return log, tap


async def via_websocket(registry, conv: Conversation, logger=None):
    """A mesma conversa pelo chat WebSocket (banco na memória: ids de 1 a 5, como na API).

    Quem fala só dorme até a próxima fala depois que os três receberam a mensagem: enquanto ela
    está no caminho, o relógio virtual não anda (ver ``VirtualClock.waiting``).
    """
    clock = conv.clock
    server = await registry.start("chat-medida", ChatServer(logger=logger))
    tap = await registry.start("tap-ws-medida", tap_ws(server.port))
    log, sent_at, conns = DeliveryLog(), {}, {}
    arrived = {i: asyncio.Event() for i in range(1, len(conv.script) + 1)}  # id → todos receberam
    for name in conv.names:
        conns[name] = await connect(f"ws://127.0.0.1:{tap.port}{server.ws_path}", compression=None)
        await conns[name].send(json.dumps({"action": "join", "nick": name}))

    async def listen(name: str, ws) -> None:
        while True:
            event = json.loads(await clock.waiting(ws.recv()))
            if event["type"] == "message":
                if event["nick"] == name:  # a própria mensagem voltou: agora sabemos o id dela
                    log.sent(event["id"], name, sent_at[event["text"]])
                log.received(name, event["id"], clock.now())
                if all((n, event["id"]) in log.received_at for n in conns):
                    arrived[event["id"]].set()
                if event["id"] == len(conv.script):
                    return

    async def talk() -> None:
        for i, (at, author, text) in enumerate(conv.script, 1):
            await clock.sleep_until(at)
            sent_at[text] = clock.now()
            await conns[author].send(json.dumps({"action": "send", "text": text}))
            await arrived[i].wait()  # ativo até todos receberem: a rede custa 0 s simulados

    await clock.run(*(listen(n, ws) for n, ws in conns.items()), talk(), timeout=30)
    for ws in conns.values():
        await ws.close()
    await tap.idle()
    await registry.stop("chat-medida")
    return log, tap


def conversation_frame(event) -> bool:
    """Um frame da conversa: um ``send`` (cliente → servidor) ou uma ``message`` (servidor → cliente)."""
    if not isinstance(event, WsFrame) or event.opcode != Opcode.TEXT:
        return False
    data = json.loads(event.content)
    return data.get("action") == "send" or data.get("type") == "message"


def cost_rows(measured: dict, messages: int) -> list[tuple[str, int, int, int, float]]:
    """``(técnica, requisições HTTP, frames, bytes, bytes por mensagem)``. Para o HTTP conta tudo
    o que passou pelo tap; para o WebSocket, só os frames da conversa (o handshake fica à parte)."""
    rows = []
    for name, (_, tap) in measured.items():
        if any(isinstance(e, WsFrame) for e in tap.events):
            frames = [e for e in tap.events if conversation_frame(e)]
            requests, count, total = 0, len(frames), sum(e.size for e in frames)
        else:
            requests = sum(isinstance(e, HttpRequest) for e in tap.events)
            count, total = 0, tap.bytes_total()
        rows.append((name, requests, count, total, total / messages))
    return rows


def handshake_bytes(tap) -> int:
    """Os bytes do handshake HTTP (pedido + 101) que passaram por um tap de WebSocket."""
    return sum(e.size for e in tap.events if not isinstance(e, WsFrame) and e.kind.startswith("http"))
