"""Confiabilidade do chat: 100 clientes × 100 mensagens, com 300 quedas bruscas planejadas.

Cada cliente entra com um ``client`` fixo, numera as próprias mensagens (``seq`` 1..100) e as
manda com no máximo ``WINDOW`` sem recibo (``ack``). A conexão cai de repente (``abort``: o TCP
some sem o CLOSE do WebSocket) em pontos marcados de antemão no progresso de cada cliente, não no
relógio. Assim, uma máquina rápida ou lenta, ociosa ou ocupada, vê as mesmas 300 quedas:

* ``DROPS_AT_COUNT`` por cliente: logo depois de receber a k-ésima mensagem do chat (k sorteado
  antes de começar). Se a queda cai no meio de um frame de histórico, o resto do frame é
  descartado, como se nunca tivesse chegado.
* ``DROPS_AT_OWN`` por cliente: logo depois de receber de volta a própria mensagem ``seq`` s, antes
  do recibo dela (o servidor manda a mensagem a todos e só depois o recibo). O cliente não sabe
  que ela foi guardada e a reenvia: o servidor reconhece o par ``client``+``seq`` e não guarda
  uma segunda cópia. É o reenvio idempotente, provado em cada cliente.

Ao voltar, o cliente entra com ``since`` = o último id que recebeu e reenvia o que ainda não
tinha recibo. No fim, cada cliente deve ter recebido todas as 10.000 mensagens, cada uma
exatamente uma vez, em ordem de id, e as de cada remetente na ordem em que ele as mandou. O
servidor roda num processo separado (``python -m helpers.chat --port 0``, em 127.0.0.1): é o
caminho da linha de comando, e o servidor ganha um núcleo só para ele.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import defaultdict, deque

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from helpers.chat.store import ChatStore
from support import CHAT_MARKER

CLIENTS = 100
MESSAGES = 100
TOTAL = CLIENTS * MESSAGES
WINDOW = 8  # mensagens sem recibo, no máximo, por cliente
DROPS_AT_COUNT = 2  # por cliente: quedas depois da k-ésima mensagem recebida
DROPS_AT_OWN = 1  # por cliente: quedas entre a própria mensagem e o recibo dela
PLANNED = CLIENTS * (DROPS_AT_COUNT + DROPS_AT_OWN)
# Só uma guarda, para o teste falhar (em vez de travar) se algo emperrar. O teste não mede
# velocidade: ~20 s numa máquina ociosa de 2 núcleos, 80–130 s com ela dividida com outros testes.
TIME_LIMIT = 480  # segundos


def drop_plan(rng: random.Random) -> tuple[list[int], set[int]]:
    """Onde as conexões de um cliente vão cair: contagens de mensagens recebidas e ``seq`` próprios.

    Os dois ficam longe do fim (contagens antes de ``TOTAL - 2 * CLIENTS``, ``seq`` na primeira
    metade): cada queda acontece com o cliente ainda no meio do fluxo, com mensagens por receber.
    """
    counts = sorted(rng.sample(range(1, TOTAL - 2 * CLIENTS), DROPS_AT_COUNT))
    own = set(rng.sample(range(1, MESSAGES // 2 + 1), DROPS_AT_OWN))
    return counts, own


class Peer:
    """Um cliente que não aceita perder nada: recibos, reenvio e ``since`` na volta."""

    def __init__(self, index: int, url: str, plan: tuple[list[int], set[int]]):
        self.nick, self.client = f"c{index:03d}", f"cliente-{index:03d}"
        self.url = url
        self.drop_at_count: deque[int] = deque(plan[0])
        self.drop_at_own: set[int] = set(plan[1])
        self.ids: list[int] = []  # ids recebidos, na ordem em que chegaram (sem filtro nenhum)
        self.texts: dict[str, list[str]] = defaultdict(list)  # remetente → textos, na ordem
        self.acked = 0  # maior seq com recibo
        self.own_seen = 0  # maior seq próprio que já voltou do servidor
        self.sessions = 0  # conexões abertas com sucesso
        self.failed_opens = 0  # tentativas de conexão que não abriram (não são quedas)
        self.drops = 0  # quedas bruscas feitas pelo plano
        self.drops_in_history = 0  # ...das quais no meio de um frame de histórico
        self.redundant_resends = 0  # reenvios de mensagens que já tinham voltado do servidor
        self.server_closes = 0  # conexões que o servidor fechou (com CLOSE), fora do plano
        self._news = asyncio.Event()

    @property
    def last_id(self) -> int:
        return self.ids[-1] if self.ids else 0

    @property
    def done(self) -> bool:
        return self.acked == MESSAGES and len(self.ids) >= TOTAL

    def _take(self, msg: dict) -> bool:
        """Guarda uma mensagem; ``True`` se o plano manda derrubar a conexão agora."""
        # Os ids do banco são 1, 2, 3... sem buracos, e o servidor os empurra nessa ordem: um
        # buraco ou uma repetição aparece aqui, na hora (sem esperar o tempo-limite).
        assert msg["id"] == self.last_id + 1, (
            f"{self.nick}: depois do id {self.last_id} veio o {msg['id']} "
            f"({'repetida' if msg['id'] <= self.last_id else 'faltou mensagem'})")
        self.ids.append(msg["id"])
        self.texts[msg["nick"]].append(msg["text"])
        if msg["nick"] == self.nick:
            self.own_seen = int(msg["text"].rpartition(":")[2])
            if self.own_seen in self.drop_at_own:
                self.drop_at_own.discard(self.own_seen)
                return True
        # Uma queda por mensagem: se esta já derrubou pela regra de cima, a da contagem fica
        # para a próxima.
        if self.drop_at_count and len(self.ids) >= self.drop_at_count[0]:
            self.drop_at_count.popleft()
            return True
        return False

    async def _read(self, ws) -> bool:
        """Lê até o fim; ``True`` se terminou numa queda planejada."""
        async for raw in ws:
            event = json.loads(raw)
            kind = event["type"]
            if kind in ("message", "history"):
                batch = [event] if kind == "message" else event["messages"]
                for i, msg in enumerate(batch):
                    if self._take(msg):
                        assert len(self.ids) < TOTAL, f"{self.nick}: queda depois do fim do fluxo"
                        ws.transport.abort()  # a conexão some: sem CLOSE, e o resto do frame se perde
                        self.drops += 1
                        self.drops_in_history += kind == "history" and i < len(batch) - 1
                        return True
            elif kind == "ack":
                assert event["seq"] == self.acked + 1 or event["seq"] <= self.acked, event
                self.acked = max(self.acked, event["seq"])
            elif kind == "error":
                raise AssertionError(f"{self.nick}: erro do servidor: {event}")
            self._news.set()
            if self.done:
                await ws.close()
                return False
        return False

    async def _send(self, ws, seq: int) -> None:
        if seq <= self.own_seen:
            self.redundant_resends += 1  # já está no banco: o servidor tem de reconhecer o reenvio
        await ws.send(json.dumps({"action": "send", "text": f"{self.nick}:{seq}", "seq": seq}))

    async def _write(self, ws, seq: int) -> None:
        while seq <= MESSAGES:
            while seq - self.acked > WINDOW:
                self._news.clear()
                await self._news.wait()
            await self._send(ws, seq)
            seq += 1
        await asyncio.Future()  # terminou de mandar: só recebe (até a leitura acabar)

    async def _session(self, ws) -> bool:
        """Uma conexão, do ``join`` ao fim; ``True`` se terminou numa queda planejada."""
        await ws.send(json.dumps({"action": "join", "nick": self.nick, "client": self.client,
                                  "since": self.last_id}))
        # Tudo o que não tem recibo é reenviado antes de ler qualquer coisa desta conexão.
        seq = self.acked + 1
        while seq <= min(MESSAGES, self.acked + WINDOW):
            await self._send(ws, seq)
            seq += 1
        reader = asyncio.ensure_future(self._read(ws))
        writer = asyncio.ensure_future(self._write(ws, seq))
        try:
            await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
        if reader.cancelled():  # a escrita parou primeiro: só com um erro
            raise writer.exception()
        dropped = reader.result()  # levanta o erro da leitura, se houve
        failed = None if writer.cancelled() else writer.exception()
        if failed is not None and not (dropped and isinstance(failed, ConnectionClosed)):
            raise failed  # (escrever depois da queda planejada dá ConnectionClosed, e tudo bem)
        if dropped:
            await ws.wait_closed()  # o asyncio registra o fim do TCP
            assert ws.protocol.close_sent is None and ws.protocol.close_rcvd is None, \
                f"{self.nick}: a queda não foi brusca (houve frame CLOSE)"
        return dropped

    async def run(self) -> None:
        while not self.done:
            try:
                ws = await connect(self.url, compression=None, open_timeout=30, ping_interval=None)
            except (OSError, InvalidHandshake):
                self.failed_opens += 1  # não abriu: tenta de novo (a guarda de tempo limita isso)
                continue
            self.sessions += 1
            try:
                planned = await self._session(ws)
            except ConnectionClosed:
                planned = False
            finally:
                # No caminho normal a conexão já fechou (queda planejada, ou o CLOSE depois de
                # receber tudo); se outro cliente falhou e o teste está parando, não espera ninguém.
                ws.transport.abort()
            if not planned and not self.done:
                # Fora do plano, só o servidor pode fechar, e com CLOSE (o keepalive dele, se este
                # processo ficar muito para trás numa máquina lotada). Um corte de TCP que ninguém
                # planejou seria um defeito.
                assert ws.protocol.close_rcvd is not None, f"{self.nick}: a conexão caiu sem estar no plano"
                self.server_closes += 1


@pytest.fixture
def chat_process(tmp_path, standalone_server):
    """``python -m helpers.chat`` numa porta livre de 127.0.0.1, com o banco em tmp_path.

    A saída vai para o arquivo de log do ``Process`` (um pipe que ninguém lê pode encher e travar
    o servidor); a porta, lida por ``Process.wait_for_port`` (fixture ``standalone_server``).
    """
    # --taxa 0: cada cliente manda as suas 100 mensagens de uma vez; o limite de taxa (que a
    # enchente encontraria) é assunto de tests/test_chat_guards.py, não deste teste
    server, port = standalone_server("helpers.chat", "--host", "127.0.0.1", "--port", "0",
                                     "--dados", str(tmp_path), "--taxa", "0", marker=CHAT_MARKER)
    return f"ws://127.0.0.1:{port}/ws", tmp_path / "chat.sqlite3", server


def test_drop_plan_is_fixed_and_stays_mid_stream():
    plans = [drop_plan(random.Random(i)) for i in range(CLIENTS)]
    assert plans == [drop_plan(random.Random(i)) for i in range(CLIENTS)]
    assert sum(len(counts) + len(own) for counts, own in plans) == PLANNED >= 100
    assert all(1 <= k < TOTAL - 2 * CLIENTS for counts, _ in plans for k in counts)
    assert all(1 <= s <= MESSAGES // 2 for _, own in plans for s in own)


@pytest.mark.timeout(TIME_LIMIT + 60)
async def test_100_clients_x_100_messages_with_planned_abrupt_drops_lose_and_repeat_nothing(chat_process):
    url, database, server = chat_process
    peers = [Peer(i, url, drop_plan(random.Random(i))) for i in range(CLIENTS)]
    start = time.monotonic()
    async with asyncio.timeout(TIME_LIMIT), asyncio.TaskGroup() as clients:
        for p in peers:  # o primeiro erro cancela os outros clientes (o teste falha na hora)
            clients.create_task(p.run())
    elapsed = time.monotonic() - start

    drops = sum(p.drops for p in peers)
    print(f"\n{TOTAL} mensagens, {CLIENTS} clientes, {drops} quedas bruscas planejadas "
          f"({sum(p.drops_in_history for p in peers)} no meio de um frame de histórico), "
          f"{sum(p.redundant_resends for p in peers)} reenvios do que já estava guardado, "
          f"{sum(p.failed_opens for p in peers)} conexões que não abriram, "
          f"{sum(p.server_closes for p in peers)} fechadas pelo servidor, {elapsed:.1f} s")
    assert drops == PLANNED
    for p in peers:
        assert p.drops == DROPS_AT_COUNT + DROPS_AT_OWN == p.sessions - 1 - p.server_closes, (p.nick, p.drops)
        assert not p.drop_at_count and not p.drop_at_own, (p.nick, "parte do plano não aconteceu")
        assert p.redundant_resends >= DROPS_AT_OWN, (p.nick, p.redundant_resends)
        assert len(p.ids) == TOTAL, (p.nick, len(p.ids))
        assert len(set(p.ids)) == TOTAL, f"{p.nick} recebeu mensagens repetidas"
        assert p.ids == sorted(p.ids), f"{p.nick} recebeu fora de ordem"
        for sender, texts in p.texts.items():
            assert texts == [f"{sender}:{k}" for k in range(1, MESSAGES + 1)], (p.nick, sender)
    with ChatStore(database) as store:
        assert len(store) == TOTAL
        assert store.since(0)[-1]["id"] == TOTAL  # ids 1..10000, sem buracos
    assert "Error" not in server.output() and "Traceback" not in server.output(), server.output()
