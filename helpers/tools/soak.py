"""O teste de resistência (*soak*) da sala de aula: o chat do curso contra uma turma inteira.

Da issue 13 (capítulo 06, "Uso consciente"). O servidor sobe como o instrutor o sobe
(``python -m helpers.chat``, o que ``python3 curso.py chat`` roda, com ``--token`` e
``--token-professor``, em 127.0.0.1 numa porta livre) e recebe, de ``Plan.workers`` processos
clientes (``multiprocessing``, início *spawn*), uma turma com todo tipo de gente:

* ``good`` alunos comportados (o primeiro é o ``professor``, com o token do professor): todos
  leem tudo; em cada rodada, um em cada dez fala (``expected_rounds``);
* ``flaky`` alunos de Wi-Fi ruim: a conexão cai de repente (``abort``, sem o CLOSE) logo depois
  de mandar (rodada 1) e no meio das mensagens da rodada 2; voltam com ``since`` e reenviam o que
  não teve recibo (``client`` + ``seq``: o servidor não guarda duas vezes);
* ``slow`` notebooks travados: janela TCP mínima, pedem histórico e nunca leem;
* ``flooders`` alunos que colaram um laço: mandam mensagens sem parar (no máximo ``flood_max``);
* um atacante, sem o token da turma: *DNS rebinding* (``Host`` e ``Origin`` de ``evil.example``),
  campos fora da faixa (``since`` = 2⁶³), JSON com 3.000 níveis, frame grande demais, tokens
  errados, ``professor`` repetido e uma conexão que nunca manda o ``join``.

Cada cliente sai de um endereço próprio do loopback (127.x.y.z, como cada notebook da sala tem o
seu IP): as tentativas de token do atacante são limitadas no endereço dele, não no dos outros.

Roteiro, movido por eventos e contadores (nenhuma espera "dorme até dar tempo"):

1. a turma comportada entra; 2. rodada 1, **calma**: quem fala manda uma mensagem (os envios se
espalham por ``Plan.window`` segundos: o ritmo de quem digita) e todos esperam receber todas;
3. entram lentos, enchentes e atacante; 4. rodada 2, **sob carga**, no mesmo ritmo; as enchentes
saem no fim dela; 5. espera cada lento ser derrubado pelo servidor e o atacante terminar; 6. os
lentos saem; 7. um aluno novo entra e conversa; 8. cada processo confere, cliente a cliente, o
que recebeu (``check_delivery``).

Memória: RSS do servidor lido de ``/proc/PID/status`` (``VmRSS``; o pico, ``VmHWM``). Atraso de
entrega: do envio (``time.monotonic`` no texto da mensagem, o mesmo relógio em todos os processos
da máquina) até a chegada a cada aluno comportado, por rodada. ``run`` devolve um ``SoakResult``;
o teste (``tests/test_soak.py``) confere e o benchmark (``helpers.tools.bench.rows_soak``) mostra.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import logging
import multiprocessing
import os
import pathlib
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from ..chat.guards import Limits
from ..chat.protocol import MAX_SIZE, encode, history_request, join_request, send_request
from ..chat.store import ChatStore
from ..core.numbers import decimal
from ..core.stats import percentile

__all__ = ["Delivery", "Plan", "SoakResult", "check_delivery", "expected_rounds", "percentile", "run"]

MARKER = "Chat do curso escutando em 127.0.0.1:"
TOKEN, INSTRUCTOR = "turma-soak", "mestre-soak"
LIMITS = Limits()
log = logging.getLogger("curso.soak")  # o servidor roda com os padrões da linha de comando


@dataclass(frozen=True)
class Plan:
    """Quantos de cada tipo, e os limites de cada laço (tudo limitado em quantidade e tempo)."""

    good: int = 200
    slow: int = 10
    flooders: int = 3
    flaky: int = 20
    attacker: bool = True
    workers: int = 2
    window: float = 3.0  # segundos em que os envios de uma rodada se espalham
    talk_every: int = 10  # em cada rodada fala um comportado em cada tantos (ver ``expected_rounds``)
    archive: int = 500  # mensagens antigas no banco (uma sala que já conversou muito)
    flood_max: int = 5000  # mensagens, no máximo, de cada enchente
    slow_max: int = 5000  # pedidos de histórico, no máximo, de cada lento...
    slow_every: float = 0.02  # ...um a cada tantos segundos (o envio seguinte à queda falha)
    timeout: float = 120.0  # guarda contra travar (nunca um critério de sucesso)


# --- conferência (pura, sem rede) -----------------------------------------------------------------


@dataclass
class Delivery:
    """O que um cliente recebeu, conferido: faltas, repetições, ordem."""

    received: int = 0  # mensagens dos remetentes acompanhados
    missing: list[tuple[str, int]] = field(default_factory=list)  # (remetente, rodada)
    duplicates: int = 0  # ids recebidos mais de uma vez
    out_of_order: int = 0  # ids que chegaram depois de um id maior
    misordered: list[str] = field(default_factory=list)  # remetentes cujas rodadas vieram fora de ordem

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicates or self.out_of_order or self.misordered)


def check_delivery(received: list[tuple[int, str, str]], expected: dict[str, list[int]]) -> Delivery:
    """Confere ``received`` (``(id, apelido, texto)`` na ordem de chegada): a mensagem de cada
    remetente de ``expected`` em cada uma das rodadas dele exatamente uma vez, ids sempre
    crescentes, e as rodadas de cada remetente em ordem. Os textos começam com ``rN``."""
    out = Delivery()
    seen: set[int] = set()
    highest = 0
    tracked = set(expected)
    by_sender: dict[str, list[int]] = {}
    for msg_id, nick, text in received:
        if msg_id in seen:
            out.duplicates += 1
            continue
        seen.add(msg_id)
        if msg_id < highest:
            out.out_of_order += 1
        highest = max(highest, msg_id)
        if nick in tracked:
            out.received += 1
            by_sender.setdefault(nick, []).append(int(text.split()[0][1:]))
    for nick, rounds in expected.items():
        got = by_sender.get(nick, [])
        out.missing += [(nick, r) for r in rounds if r not in got]
        if got != sorted(set(got)):
            out.misordered.append(nick)
    return out


# --- os clientes (rodam nos processos de trabalho) --------------------------------------------------


def _address(kind: int, index: int) -> str:
    """Um endereço do loopback por cliente: 127.TIPO.x.y (cada notebook da sala tem o seu IP)."""
    return f"127.{kind}.{index // 250}.{index % 250 + 1}"


async def _open(url: str, source: str, *, host: str | None = None, origin: str | None = None,
                rcvbuf: int | None = None, timeout: float = 30.0):
    """Um WebSocket saindo de ``source``; ``host`` troca o nome na URL (o navegador da vítima de
    *rebinding* pediu ``evil.example``, que o DNS do atacante apontou para 127.0.0.1)."""
    port = int(url.split("/")[2].split(":")[1])
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    with contextlib.suppress(OSError):  # fora do Linux, só 127.0.0.1 existe: sai de lá mesmo
        sock.bind((source, 0))
    sock.setblocking(False)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port)), timeout)
    except BaseException:
        sock.close()
        raise
    uri = url if host is None else url.replace("127.0.0.1", host, 1)
    return await connect(uri, sock=sock, origin=origin, compression=None, proxy=None, max_size=None,
                         open_timeout=timeout)


class Student:
    """Um aluno que não aceita perder nada: ``client`` + ``seq``, recibos, ``since`` na volta."""

    def __init__(self, nick: str, source: str, token: str, url: str, news: asyncio.Event, *,
                 drop_on_send=(), drop_after=None):
        self.nick, self.source, self.token, self.url = nick, source, token, url
        self.drop_on_send = set(drop_on_send)  # rodadas em que cai logo depois de mandar
        self.drop_after = dict(drop_after or {})  # rodada → cai depois de receber k mensagens dela
        self.received: list[tuple[int, str, str]] = []  # (id, apelido, texto), como chegaram
        self.latencies: dict[int, list[float]] = {}  # rodada → atrasos das mensagens dos comportados
        self.per_round: Counter[int] = Counter()  # rodada → mensagens acompanhadas recebidas
        self.texts: dict[int, str] = {}  # seq → texto mandado (reenvio com o mesmo texto)
        self.acked: set[int] = set()
        self.sessions = self.drops = self.server_closes = 0
        self.errors: list[str] = []
        self.ws = self.dropped = None
        self.session_sent: set[int] = set()  # seq já mandados pela conexão atual
        self.finished = False
        self.news = news  # acordado a cada mensagem acompanhada (o processo confere as rodadas)
        self.joined = asyncio.Event()
        self.tracked: set[str] = set()
        self.rounds: list[int] = []  # as rodadas em que este aluno fala
        self.timed: set[str] = set()  # remetentes cujo atraso entra na conta (os comportados)

    @property
    def last_id(self) -> int:
        return self.received[-1][0] if self.received else 0

    def _take(self, msg: dict, live: bool) -> None:
        self.received.append((msg["id"], msg["nick"], msg["text"]))
        if msg["nick"] not in self.tracked:
            return
        head, _, sent = msg["text"].partition(" ")
        r = int(head[1:])
        self.per_round[r] += 1
        if live and msg["nick"] in self.timed:
            self.latencies.setdefault(r, []).append(time.monotonic() - float(sent))
        self.news.set()

    async def live(self) -> None:
        """Conexões, uma depois da outra, até ``finish``: cada queda (planejada ou não) volta com ``since``."""
        while not self.finished:
            try:
                ws = await _open(self.url, self.source)
            except (OSError, InvalidHandshake, TimeoutError):
                continue  # não abriu: tenta de novo (a guarda de tempo do roteiro limita isso)
            if self.finished:
                await ws.close()
                break
            since = self.last_id if self.sessions else None
            self.sessions += 1
            try:
                await ws.send(encode(join_request(self.nick, since=since, token=self.token,
                                                  client=f"c-{self.nick}")))
                sent: set[int] = set()
                while unacked := sorted(set(self.texts) - self.acked - sent):  # sem recibo: de novo
                    for seq in unacked:
                        sent.add(seq)
                        await ws.send(encode(send_request(self.texts[seq], seq)))
                self.ws, self.session_sent = ws, sent  # (sem await desde a última conferência)
                planned = await self._read(ws)
            except ConnectionClosed:
                planned = False
            planned = planned or ws is self.dropped
            if not planned and not self.finished:
                self.server_closes += 1

    async def _read(self, ws) -> bool:
        """Lê até a conexão acabar; ``True`` se acabou numa queda planejada."""
        async for raw in ws:
            event = json.loads(raw)
            kind = event["type"]
            if kind == "welcome":
                self.joined.set()
            elif kind == "message":
                self._take(event, live=True)
            elif kind == "history":
                for msg in event["messages"]:
                    self._take(msg, live=False)
            elif kind == "ack":
                self.acked.add(event["seq"])
            elif kind == "error":
                self.errors.append(event["error"])
            for r, k in list(self.drop_after.items()):
                if self.per_round[r] >= k:
                    del self.drop_after[r]
                    return self._drop(ws)
        return False

    def _drop(self, ws) -> bool:
        self.dropped = ws
        ws.transport.abort()  # o Wi-Fi caiu: sem CLOSE
        self.drops += 1
        return True

    async def say(self, r: int, delay: float) -> None:
        await asyncio.sleep(delay)  # o ritmo de quem digita, não uma espera por algo
        text = self.texts[r] = f"r{r} {time.monotonic():.6f}"
        ws = self.ws
        self.session_sent.add(r)
        with contextlib.suppress(ConnectionClosed):  # caiu agora: a volta reenvia
            await ws.send(encode(send_request(text, r)))
            if r in self.drop_on_send and not ws.transport.is_closing():  # (já caída: não conta)
                self._drop(ws)

    async def finish(self) -> None:
        self.finished = True
        if self.ws is not None:
            await self.ws.close()


async def _slow_reader(url: str, source: str, nick: str, stop: asyncio.Event, plan: Plan, report) -> dict:
    """Janela TCP mínima, pede histórico e não lê mais nada; no fim lê o que sobrou."""
    ws = await _open(url, source, rcvbuf=4096)
    await ws.send(encode(join_request(nick, token=TOKEN)))
    while True:
        event = json.loads(await ws.recv())
        if event["type"] == "history" and not event["more"]:
            break
    ws.transport.pause_reading()
    report()
    sent = 0
    ended = False
    try:
        while sent < plan.slow_max and not stop.is_set():
            await ws.send(encode(history_request(0, 500)))
            sent += 1
            await asyncio.sleep(plan.slow_every)  # o ritmo do notebook travado pedindo de novo
    except ConnectionClosed:
        ended = True  # o servidor derrubou a conexão (o envio seguinte falhou)
    return {"ws": ws, "sent": sent, "ended": ended}


async def _flooder(url: str, source: str, nick: str, stop: asyncio.Event, plan: Plan, report) -> dict:
    ws = await _open(url, source)
    await ws.send(encode(join_request(nick, token=TOKEN)))
    refusals = Counter()

    async def read():
        async for raw in ws:
            event = json.loads(raw)
            if event["type"] == "error":
                refusals[event["error"].split(":")[0]] += 1
            elif event["type"] == "welcome":
                report()

    reader = asyncio.ensure_future(read())
    start = time.monotonic()
    sent = 0

    async def flood():
        nonlocal sent
        with contextlib.suppress(ConnectionClosed):
            while sent < plan.flood_max:
                await ws.send(encode(send_request(f"{sent:05d} " + "enchente " * 49)))
                sent += 1

    writer = asyncio.ensure_future(flood())
    await stop.wait()
    ws.transport.abort()  # fecha o notebook: o servidor ainda teria a fila da enchente para ler
    elapsed = time.monotonic() - start
    for task in (reader, writer):
        task.cancel()
    await asyncio.gather(reader, writer, return_exceptions=True)
    return {"nick": nick, "sent": sent, "seconds": elapsed, "refusals": dict(refusals)}


async def _attack(url: str, source: str, insider: str) -> list[dict]:
    """Cada tentativa do atacante numa conexão; devolve o que ele recebeu em cada uma."""

    async def attempt(name: str, frames: list, *, host=None, origin=None, token_known=False) -> dict:
        events, code = [], None
        try:  # quem tem o token da turma (um aluno mal-intencionado) sai de outra máquina
            ws = await _open(url, insider if token_known else source, host=host, origin=origin)
        except InvalidHandshake as exc:
            return {"ataque": name, "eventos": [], "fechou": f"recusado no handshake ({exc})"}
        try:
            for frame in frames:
                await ws.send(frame)
                if isinstance(frame, str) and len(frame) <= MAX_SIZE:
                    events.append(json.loads(await asyncio.wait_for(ws.recv(), 30)))
            if token_known:  # passou do token e levou um erro: sai sozinho
                await ws.close()
            async for raw in ws:  # o servidor fecha (1008, 1009): mais nada pode chegar
                events.append(json.loads(raw))
        except ConnectionClosed:
            pass
        code = ws.close_code
        return {"ataque": name, "eventos": events, "fechou": code}

    evil = "evil.example:" + url.split("/")[2].split(":")[1]  # Host e Origin da página do atacante
    deep = "[" * 3000 + "]" * 3000
    return list(await asyncio.gather(
        # com o token da turma: tentar ser o professor (que está na sala)
        attempt("apelido professor", [encode(join_request("professor", token=TOKEN))], token_known=True),
        attempt("apelido PROFESSOR", [encode(join_request("PROFESSOR", token=TOKEN))], token_known=True),
        attempt("apelido com U+202E", [encode(join_request("prof\u202erosse", token=TOKEN))], token_known=True),
        # sem o token: de fora
        attempt("DNS rebinding", [encode(join_request("Intruso"))], host="evil.example", origin=f"http://{evil}"),
        attempt("DNS rebinding com token chutado", [encode(join_request("Intruso", token="chute"))],
                host="evil.example", origin=f"http://{evil}"),
        # uma tentativa por conexão: cada uma é respondida antes do prazo do join (10 s)
        attempt("join com since 2⁶³", [json.dumps({"action": "join", "nick": "X", "since": 2**63})]),
        attempt("history com since 2⁶³", [json.dumps({"action": "history", "since": 2**63})]),
        attempt("send com seq 2⁶³", [json.dumps({"action": "send", "text": "oi", "seq": 2**63})]),
        attempt("JSON com 3.000 níveis", [deep]),
        attempt("frame grande demais", [json.dumps({"action": "send", "text": "x" * MAX_SIZE})]),
        *(attempt(f"token errado {i + 1}", [encode(join_request("Intruso", token=f"chute{i}"))])
          for i in range(8)),
        attempt("nunca manda o join", []),
    ))


async def _work(pipe: Connection, roles: dict, plan: Plan) -> None:
    url = pipe.recv()[1]  # ("start", url): o processo sobe junto com o servidor
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue = asyncio.Queue()

    def listen():
        while True:
            try:
                message = pipe.recv()
            except EOFError:
                message = ("finish",)
            loop.call_soon_threadsafe(commands.put_nowait, message)
            if message[0] == "finish":
                return

    threading.Thread(target=listen, daemon=True).start()
    expected, timed = roles["expected"], set(roles["timed"])
    size = Counter(r for rounds in expected.values() for r in rounds)  # rodada → mensagens dela
    students = []
    news = asyncio.Event()
    for nick, kind, index, flaky in roles["students"]:
        rng = random.Random(index * 7 + kind)
        token = INSTRUCTOR if nick == "professor" else TOKEN
        s = Student(nick, _address(kind, index), token, url, news,
                    drop_on_send={expected[nick][0]} if flaky else (),
                    drop_after={2: rng.randint(1, max(1, size[2] - 1))} if flaky else None)
        s.tracked, s.timed, s.rounds = set(expected), timed, expected.get(nick, [])
        students.append(s)
    tasks = [asyncio.ensure_future(s.live()) for s in students]
    await asyncio.gather(*(s.joined.wait() for s in students))
    pipe.send(("ready",))

    stop, stop_flood = asyncio.Event(), asyncio.Event()
    bad: list[asyncio.Future] = []
    started = Counter()

    def reporter(kind):
        def report():
            started[kind] += 1
            if started["lento"] == len(roles["slow"]) and started["enchente"] == len(roles["flooders"]):
                pipe.send(("bad_started",))
        return report

    watchers: list[asyncio.Future] = []
    while True:
        command = await commands.get()
        if command[0] == "round":
            r = command[1]
            talking = [s for s in students if r in s.rounds]
            await asyncio.gather(*(s.say(r, plan.window * i / max(1, len(talking)))
                                   for i, s in enumerate(talking)))
            while any(s.per_round[r] < size[r] for s in students):
                news.clear()
                await news.wait()
            pipe.send(("round_done", r))
        elif command[0] == "bad":
            slow = [asyncio.ensure_future(_slow_reader(url, _address(3, i), f"lento{i}", stop, plan,
                                                       reporter("lento"))) for i in roles["slow"]]
            floods = [asyncio.ensure_future(_flooder(url, _address(4, i), f"enchente{i}", stop_flood, plan,
                                                     reporter("enchente"))) for i in roles["flooders"]]
            attack = asyncio.ensure_future(_attack(url, _address(66, 0), _address(66, 1))) if roles["attacker"] else None
            if not slow and not floods:
                pipe.send(("bad_started",))
            bad = [*slow, *floods]

            async def watch():
                try:
                    results = await asyncio.gather(*slow)  # cada lento termina quando o servidor o derruba
                    pipe.send(("slow_ended", sum(r["ended"] for r in results)))
                    pipe.send(("attack_done", await attack if attack else []))
                except BaseException as exc:  # o roteiro mostra o erro em vez de esperar o prazo
                    pipe.send(("crash", repr(exc)))
                    raise
            watchers.append(asyncio.ensure_future(watch()))
        elif command[0] == "stop_flood":
            stop_flood.set()
            floods_out = await asyncio.gather(*bad[len(roles["slow"]):])
            pipe.send(("flood_gone", floods_out))
        elif command[0] == "stop_bad":
            stop.set()
            await asyncio.gather(*watchers)
            slow_out = []
            for r in [f.result() for f in bad[: len(roles["slow"])]]:
                ws = r.pop("ws")
                ws.transport.resume_reading()
                with contextlib.suppress(ConnectionClosed, TimeoutError):
                    async with asyncio.timeout(30):
                        async for _ in ws:
                            pass
                r["code"] = ws.close_code
                slow_out.append(r)
            pipe.send(("bad_gone", slow_out))
        elif command[0] == "finish":
            break
    await asyncio.gather(*(s.finish() for s in students))
    await asyncio.gather(*tasks, return_exceptions=True)
    results = []
    for s in students:
        check = check_delivery(s.received, expected)
        results.append({"nick": s.nick, "delivery": asdict(check), "ok": check.ok, "drops": s.drops,
                        "sessions": s.sessions, "server_closes": s.server_closes, "errors": s.errors,
                        "latencies": s.latencies if s.nick in timed else {}})
    pipe.send(("result", results))
    pipe.send(("cpu", time.process_time()))


def _worker(pipe: Connection, roles: dict, plan: Plan) -> None:
    """O processo de trabalho: os seus clientes num laço de eventos próprio."""
    try:
        asyncio.run(_work(pipe, roles, plan))
    except BaseException as exc:  # o roteiro precisa saber (e mostrar) o erro, não travar
        pipe.send(("crash", repr(exc)))
        raise
    finally:
        pipe.close()


# --- o roteiro (processo de quem chama) -------------------------------------------------------


@dataclass
class SoakResult:
    """Tudo o que o soak mediu. Memória em bytes, tempos em segundos."""

    plan: Plan
    seconds: float = 0.0
    rss_idle: int = 0  # servidor recém-aberto
    rss_class: int = 0  # turma comportada na sala, depois da rodada calma (a linha de base)
    rss_peak: int = 0  # pico (VmHWM) ao longo de tudo
    rss_after: int = 0  # depois que os maus saíram
    latency: dict[str, list[float]] = field(default_factory=dict)  # "calma"/"sob carga" → atrasos
    students: list[dict] = field(default_factory=list)
    bad: dict = field(default_factory=dict)
    attack: list[dict] = field(default_factory=list)
    slow_ended: int = 0
    stored: dict[str, int] = field(default_factory=dict)  # apelido → mensagens guardadas
    # apelido → segundos entre a primeira e a última mensagem guardadas (o ``ts`` do servidor): a
    # janela em que o balde de fichas aceitou, medida pelo próprio servidor
    stored_span: dict[str, float] = field(default_factory=dict)
    stored_rounds: dict[str, list[int]] = field(default_factory=dict)  # remetente acompanhado → rodadas no banco
    newcomer: bool = False
    cpu: dict[str, float] = field(default_factory=dict)  # segundos de CPU: servidor, clientes (somados)
    phases: dict[str, float] = field(default_factory=dict)  # etapa → segundos desde o início
    server_output: str = ""

    def p(self, phase: str, q: float) -> float:
        return percentile(self.latency.get(phase, []), q)

    def summary(self) -> str:
        mib = 2**20
        lines = [
            f"soak: {self.plan.good} comportados, {self.plan.flaky} instáveis, {self.plan.slow} lentos, "
            f"{self.plan.flooders} enchentes, {int(self.plan.attacker)} atacante, "
            f"{self.plan.workers} processos clientes, {decimal(self.seconds, 1)} s",
            *(f"  entrega aos comportados, {ph}: p50 {decimal(self.p(ph, 50) * 1e3)} ms, "
              f"p99 {decimal(self.p(ph, 99) * 1e3)} ms ({len(v)} entregas)" for ph, v in self.latency.items()),
            f"  RSS do servidor: ocioso {decimal(self.rss_idle / mib)} MiB, turma {decimal(self.rss_class / mib)} MiB, "
            f"pico {decimal(self.rss_peak / mib)} MiB, depois dos maus {decimal(self.rss_after / mib)} MiB",
            f"  lentos derrubados pelo servidor: {self.slow_ended} de {self.plan.slow}",
            "  enchentes: " + ", ".join(f"{f['nick']} mandou {f['sent']}, guardadas "
                                        f"{self.stored.get(f['nick'], 0)} em {decimal(f['seconds'], 1)} s"
                                        for f in self.bad.get("enchentes", [])),
            f"  instáveis: {sum(s['drops'] for s in self.students)} quedas, "
            f"{sum(s['sessions'] for s in self.students) - len(self.students)} voltas com since",
            f"  atacante: {sum(len(a['eventos']) for a in self.attack)} eventos, tipos "
            f"{sorted({e['type'] for a in self.attack for e in a['eventos']})}",
            f"  aluno novo no fim: {'respondido' if self.newcomer else 'SEM RESPOSTA'}",
            "  CPU (s): " + ", ".join(f"{k} {decimal(v, 1)}" for k, v in self.cpu.items()),
            "  etapas (s): " + ", ".join(f"{k} {decimal(v, 1)}" for k, v in self.phases.items()),
        ]
        return "\n".join(lines)


def _cpu(pid: int) -> float:
    """Segundos de CPU (usuário + sistema) do processo até agora."""
    import psutil
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _rss(pid: int, field_name: str = "VmRSS") -> int:
    """``VmRSS`` (agora) ou ``VmHWM`` (o pico) do processo, de ``/proc``; fora do Linux, o psutil."""
    if not pathlib.Path("/proc").is_dir():
        import psutil
        info = psutil.Process(pid).memory_info()
        return getattr(info, "peak_wset", info.rss) if field_name == "VmHWM" else info.rss
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _prefill(path: pathlib.Path, n: int) -> None:
    """Uma sala que já conversou: ``n`` mensagens longas com emoji (4 bytes cada em UTF-8, ≈ 2 KB
    por mensagem: o que um pedido de histórico custa a quem não lê) e 50 curtas, as recentes."""
    with ChatStore(path) as store:
        for i in range(n):
            store.add("arquivo", f"{i:04d} " + "🎉" * 480)
        for i in range(50):
            store.add("arquivo", f"recado {i}")


def _students(plan: Plan) -> list[tuple[str, int, int, bool]]:
    """(apelido, tipo, índice, instável?) de cada aluno; o primeiro é o professor."""
    good = [("professor" if i == 0 else f"aluno{i:03d}", 1, i, False) for i in range(plan.good)]
    return good + [(f"instavel{i:02d}", 2, i, True) for i in range(plan.flaky)]


def expected_rounds(plan: Plan) -> dict[str, list[int]]:
    """Quem fala em que rodada. Na calma, um comportado em cada ``talk_every`` (índices 0, 10, 20...,
    o professor entre eles) e um instável em cada ``talk_every``; sob carga, outros tantos
    comportados (índices 5, 15, 25...) e todos os instáveis (as quedas deles são nesta rodada).
    As duas rodadas têm ritmos parecidos: a diferença de atraso entre elas é o efeito dos maus."""
    out = {}
    for nick, _, i, flaky in _students(plan):
        calm = [1] if i % plan.talk_every == 0 else []
        loaded = [2] if flaky or i % plan.talk_every == plan.talk_every // 2 else []
        if calm + loaded:
            out[nick] = calm + loaded
    return out


def _roles(plan: Plan) -> list[dict]:
    everyone = _students(plan)
    expected = expected_rounds(plan)
    return [{"students": everyone[w :: plan.workers], "expected": expected,
             "timed": [s[0] for s in everyone if not s[3]],
             "slow": list(range(plan.slow))[w :: plan.workers],
             "flooders": list(range(plan.flooders))[w :: plan.workers],
             "attacker": plan.attacker and w == plan.workers - 1}
            for w in range(plan.workers)]


async def _newcomer(url: str) -> bool:
    ws = await _open(url, "127.0.0.1")
    async with ws:
        await ws.send(encode(join_request("recém-chegado", token=TOKEN)))
        await ws.send(encode(send_request("r9 cheguei agora")))
        async with asyncio.timeout(30):
            async for raw in ws:
                event = json.loads(raw)
                if event["type"] == "message" and event["nick"] == "recém-chegado":
                    return True
    return False


def _instant(ts: str) -> datetime.datetime:
    """O ``ts`` do banco (ISO 8601 em UTC, ``2025-03-14T15:09:26.535Z``) como ``datetime``."""
    return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def run(plan: Plan = Plan()) -> SoakResult:
    """Roda o soak inteiro e devolve as medidas (nada aqui falha por lentidão: quem confere é o
    teste). Levanta ``RuntimeError`` se um processo quebrar ou se ``plan.timeout`` passar."""
    result = SoakResult(plan)
    start = time.monotonic()
    deadline = start + plan.timeout

    def mark(step: str) -> None:
        result.phases[step] = time.monotonic() - start
        log.info("soak: %s em %.1f s", step, result.phases[step])
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        data = pathlib.Path(tmp)
        _prefill(data / "chat.sqlite3", plan.archive)
        output = open(data / "servidor.log", "w+b")
        server = subprocess.Popen(
            [sys.executable, "-m", "helpers.chat", "--host", "127.0.0.1", "--port", "0", "--dados", tmp,
             "--token", TOKEN, "--token-professor", INSTRUCTOR],
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        workers, pipes = [], []
        try:
            context = multiprocessing.get_context("spawn")
            for roles in _roles(plan):
                mine, theirs = context.Pipe()
                process = context.Process(target=_worker, args=(theirs, roles, plan), daemon=True)
                process.start()
                theirs.close()
                workers.append(process)
                pipes.append(mine)
            port = _wait_port(server, data / "servidor.log", deadline)
            url = f"ws://127.0.0.1:{port}/ws"
            result.rss_idle = _rss(server.pid)
            _broadcast(pipes, ("start", url))
            inbox = _Inbox(pipes, deadline)
            inbox.all("ready")
            mark("turma na sala")
            _broadcast(pipes, ("round", 1))
            inbox.all("round_done")
            mark("rodada calma")
            result.rss_class = _rss(server.pid)
            _broadcast(pipes, ("bad",))
            inbox.all("bad_started")
            mark("maus na sala")
            _broadcast(pipes, ("round", 2))
            inbox.all("round_done")
            mark("rodada sob carga")
            _broadcast(pipes, ("stop_flood",))
            result.bad["enchentes"] = [f for part in inbox.all("flood_gone") for f in part]
            result.slow_ended = sum(inbox.all("slow_ended"))
            mark("lentos derrubados")
            result.attack = [a for part in inbox.all("attack_done") for a in part]
            mark("ataque terminado")
            _broadcast(pipes, ("stop_bad",))
            result.bad["lentos"] = [s for part in inbox.all("bad_gone") for s in part]
            mark("maus fora")
            result.rss_after = _rss(server.pid)
            result.newcomer = asyncio.run(_newcomer(url))
            _broadcast(pipes, ("finish",))
            result.students = [s for part in inbox.all("result") for s in part]
            result.cpu = {"clientes": sum(inbox.all("cpu")), "servidor": _cpu(server.pid)}
            result.rss_peak = _rss(server.pid, "VmHWM")
        finally:
            for process in workers:
                process.join(timeout=max(1.0, deadline - time.monotonic()))
                if process.is_alive():
                    process.kill()
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            output.seek(0)
            result.server_output = output.read().decode("utf-8", "replace")
            output.close()
        with sqlite3.connect(data / "chat.sqlite3") as db:
            result.stored = dict(db.execute("SELECT nick, COUNT(*) FROM messages GROUP BY nick"))
            for nick, first, last in db.execute("SELECT nick, MIN(ts), MAX(ts) FROM messages GROUP BY nick"):
                result.stored_span[nick] = (_instant(last) - _instant(first)).total_seconds()
            for nick, text in db.execute("SELECT nick, text FROM messages ORDER BY id"):
                if nick.startswith(("professor", "aluno", "instavel")):
                    result.stored_rounds.setdefault(nick, []).append(int(text.split()[0][1:]))
    latency: dict[str, list[float]] = {"calma": [], "sob carga": []}
    for s in result.students:
        for r, values in s["latencies"].items():
            latency["calma" if int(r) == 1 else "sob carga"].extend(values)
    result.latency = latency
    result.seconds = time.monotonic() - start
    return result


def _wait_port(server: subprocess.Popen, log: pathlib.Path, deadline: float) -> int:
    """A porta que o servidor anunciou (a guarda: o prazo do roteiro). Lê o log pelo caminho, não
    pelo descritor do servidor: um ``seek`` nele mudaria onde o servidor escreve (ver
    ``helpers.core.lifecycle.Process``)."""
    while time.monotonic() < deadline and server.poll() is None:
        for line in log.read_bytes().decode("utf-8", "replace").splitlines():
            if line.startswith(MARKER):
                return int(line[len(MARKER):].split()[0])
        time.sleep(0.02)  # lendo o arquivo de saída do servidor até a linha aparecer
    raise RuntimeError(f"o servidor do chat não anunciou a porta:\n{log.read_bytes().decode('utf-8', 'replace')}")


def _broadcast(pipes: list[Connection], message: tuple) -> None:
    for pipe in pipes:
        pipe.send(message)


class _Inbox:
    """As mensagens dos processos de trabalho; ``all(tipo)`` espera uma desse tipo de cada um."""

    def __init__(self, pipes: list[Connection], deadline: float):
        self.pipes, self.deadline = pipes, deadline
        self.pending: dict[Connection, list[tuple]] = {p: [] for p in pipes}
        self.open = list(pipes)

    def all(self, kind: str) -> list:
        out = []
        for pipe in self.pipes:
            while not any(m[0] == kind for m in self.pending[pipe]):
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"soak: o prazo acabou esperando {kind!r}")
                if pipe not in self.open:
                    raise RuntimeError(f"soak: um processo de trabalho terminou antes de {kind!r}")
                for ready in wait(self.open, timeout=left):
                    try:
                        message = ready.recv()
                    except EOFError:
                        self.open.remove(ready)
                        continue
                    if message[0] == "crash":
                        raise RuntimeError(f"soak: um processo de trabalho quebrou: {message[1]}")
                    self.pending[ready].append(message)
            message = next(m for m in self.pending[pipe] if m[0] == kind)
            self.pending[pipe].remove(message)
            out.append(message[1] if len(message) > 1 else None)
        return out
