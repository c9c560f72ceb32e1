"""Confiabilidade do chat: 100 clientes × 100 mensagens, com quedas bruscas e reconexões.

Cada cliente entra com um ``client`` fixo, numera as próprias mensagens (``seq`` 1..100) e as
manda com no máximo ``WINDOW`` sem recibo (``ack``). A conexão cai de repente (``abort``: o TCP
some sem o CLOSE do WebSocket) em momentos sorteados, enquanto manda e enquanto só recebe. Ao
voltar, o cliente entra com ``since`` = o último id que recebeu e reenvia o que ainda não tinha
recibo (o servidor descarta os reenvios que já estavam guardados).

No fim, cada cliente deve ter recebido todas as 10.000 mensagens, cada uma exatamente uma vez,
em ordem de id, e as de cada remetente na ordem em que ele as mandou. O servidor roda num
processo separado (``python -m helpers.chat --port 0``, em 127.0.0.1): é o caminho da linha de
comando, e o servidor ganha um núcleo só para ele.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from helpers.chatstore import ChatStore

CLIENTS = 100
MESSAGES = 100
TOTAL = CLIENTS * MESSAGES
WINDOW = 8  # mensagens sem recibo, no máximo, por cliente
DROP_WHILE_SENDING = 0.02  # chance de a conexão cair depois de cada envio
KILLS = 300  # quedas sorteadas a mais, a qualquer momento (também de quem só está recebendo)
TIME_LIMIT = 120  # segundos: o teste falha (em vez de travar) se passar disso


class Peer:
    """Um cliente que não aceita perder nada: recibos, reenvio e ``since`` na volta."""

    def __init__(self, index: int, url: str, rng: random.Random):
        self.nick, self.client = f"c{index:03d}", f"cliente-{index:03d}"
        self.url, self.rng = url, rng
        self.ids: list[int] = []  # ids recebidos, na ordem em que chegaram (sem filtro nenhum)
        self.texts: dict[str, list[str]] = defaultdict(list)  # remetente → textos, na ordem
        self.acked = 0  # maior seq com recibo
        self.connections = 0
        self.ws = None
        self._news = asyncio.Event()

    @property
    def last_id(self) -> int:
        return self.ids[-1] if self.ids else 0

    @property
    def done(self) -> bool:
        return self.acked == MESSAGES and len(self.ids) >= TOTAL

    def _take(self, msg: dict) -> None:
        self.ids.append(msg["id"])
        self.texts[msg["nick"]].append(msg["text"])

    async def _read(self, ws) -> None:
        async for raw in ws:
            event = json.loads(raw)
            kind = event["type"]
            if kind == "message":
                self._take(event)
            elif kind == "history":
                for msg in event["messages"]:
                    self._take(msg)
            elif kind == "ack":
                assert event["seq"] == self.acked + 1 or event["seq"] <= self.acked, event
                self.acked = max(self.acked, event["seq"])
            elif kind == "error":
                raise AssertionError(f"{self.nick}: erro do servidor: {event}")
            self._news.set()
            if self.done:
                await ws.close()

    async def _write(self, ws) -> None:
        seq = self.acked + 1  # reenvia tudo o que ainda não teve recibo
        while seq <= MESSAGES:
            while seq - self.acked > WINDOW:
                self._news.clear()
                await self._news.wait()
            await ws.send(json.dumps({"action": "send", "text": f"{self.nick}:{seq}", "seq": seq}))
            seq += 1
            if self.rng.random() < DROP_WHILE_SENDING:
                ws.transport.abort()  # a conexão some: sem CLOSE, sem FIN
                return
        await asyncio.Future()  # terminou de mandar: só recebe (até a leitura acabar)

    async def run(self) -> None:
        while not self.done:
            self.connections += 1
            try:
                async with connect(self.url, compression=None, open_timeout=10) as ws:
                    self.ws = ws
                    await ws.send(json.dumps({"action": "join", "nick": self.nick,
                                              "client": self.client, "since": self.last_id}))
                    reader = asyncio.ensure_future(self._read(ws))
                    writer = asyncio.ensure_future(self._write(ws))
                    done, pending = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
                    for task in pending:
                        task.cancel()
                    await asyncio.gather(*pending, return_exceptions=True)
                    for task in done:
                        exc = task.exception()
                        if exc is not None and not isinstance(exc, (ConnectionClosed, OSError)):
                            raise exc
            except (ConnectionClosed, OSError):
                pass
            finally:
                self.ws = None


async def _killer(peers: list[Peer], rng: random.Random, stop: asyncio.Event) -> int:
    """Derruba, de tempos em tempos, a conexão de um cliente sorteado (também de quem só recebe)."""
    kills = 0
    while not stop.is_set() and kills < KILLS:
        await asyncio.sleep(rng.uniform(0.01, 0.05))
        alive = [p for p in peers if p.ws is not None and not p.done]
        if alive:
            victim = rng.choice(alive)
            victim.ws.transport.abort()
            kills += 1
    return kills


@pytest.fixture
def chat_process(tmp_path):
    """``python -m helpers.chat`` numa porta livre de 127.0.0.1, com o banco em tmp_path.

    A saída vai para um arquivo (um pipe que ninguém lê pode encher e travar o servidor).
    """
    log = tmp_path / "servidor.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "helpers.chat", "--host", "127.0.0.1", "--port", "0",
             "--dados", str(tmp_path)],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        port = None
        deadline = time.monotonic() + 20
        while port is None and time.monotonic() < deadline and proc.poll() is None:
            m = re.search(r"escutando em 127\.0\.0\.1:(\d+)", log.read_text())
            port = int(m.group(1)) if m else time.sleep(0.05)
        assert port, f"o servidor não anunciou a porta:\n{log.read_text()}"
        yield f"ws://127.0.0.1:{port}/ws", tmp_path / "chat.sqlite3", log
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def test_100_clients_x_100_messages_with_abrupt_drops_lose_and_repeat_nothing(chat_process):
    url, database, log = chat_process
    rng = random.Random(5)
    peers = [Peer(i, url, random.Random(rng.random())) for i in range(CLIENTS)]
    stop = asyncio.Event()
    start = time.monotonic()
    killer = asyncio.ensure_future(_killer(peers, random.Random(7), stop))
    try:
        async with asyncio.timeout(TIME_LIMIT):
            await asyncio.gather(*(p.run() for p in peers))
    finally:
        stop.set()
        kills = await killer
    elapsed = time.monotonic() - start

    reconnections = sum(p.connections - 1 for p in peers)
    print(f"\n{TOTAL} mensagens, {CLIENTS} clientes, {reconnections} reconexões "
          f"({kills} quedas sorteadas enquanto recebiam), {elapsed:.1f} s")
    # O sorteador derruba uma conexão a cada ~30 ms enquanto o teste roda; numa máquina rápida o
    # teste acaba antes de chegar a KILLS. 50 quedas de quem só recebia, além das reconexões de
    # quem envia, já provam o "since id".
    assert reconnections >= CLIENTS and kills >= 50, "quase não houve quedas: o teste não provou nada"
    for p in peers:
        assert len(p.ids) == TOTAL, (p.nick, len(p.ids))
        assert len(set(p.ids)) == TOTAL, f"{p.nick} recebeu mensagens repetidas"
        assert p.ids == sorted(p.ids), f"{p.nick} recebeu fora de ordem"
        for sender, texts in p.texts.items():
            assert texts == [f"{sender}:{k}" for k in range(1, MESSAGES + 1)], (p.nick, sender)
    with ChatStore(database) as store:
        assert len(store) == TOTAL
        assert store.since(0)[-1]["id"] == TOTAL  # ids 1..10000, sem buracos
    assert "Error" not in log.read_text() and "Traceback" not in log.read_text(), log.read_text()
