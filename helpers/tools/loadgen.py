"""Gerador de carga do benchmark: clientes WebSocket leves, espalhados por vários processos.

Usado só por ``helpers.tools.bench`` (``python3 curso.py benchmark``); nenhum notebook importa.

Teoria de operação
------------------
Medir um broadcast com 1.000 clientes ``websockets`` no mesmo processo do benchmark mistura o
custo do servidor com o dos clientes: cada frame que chega é decodificado em Python, um cliente
depois do outro, e o último só o vê quando os 999 antes dele terminaram. Aqui:

* o **servidor** roda no seu próprio processo (``BenchServer``, ``BrokerServer`` do capítulo 07,
  ou o chat da sala de aula, ``python -m helpers.chat``);
* os **clientes** são ``LightClient``: fazem o handshake (RFC 6455 §4.1, com
  ``helpers.protocols.handshake``), respondem aos pings, e de cada frame de dados só leem o
  cabeçalho (``wsframes.decode_header``) e procuram a marca ``T=<ns>`` no texto. Só inflam
  (zlib, em C) quando a compressão foi negociada; um frame que outro cliente do mesmo processo
  já leu (mesmos bytes, sem context takeover no servidor) custa só uma consulta
  (``LightClient.known``). Eles se dividem em vários processos (``Fleet``), ``--conexoes`` em
  cada um; na sala de aula, num núcleo diferente do servidor (``split_cores``);
* o **tempo**: quem envia escreve ``T=<time.monotonic_ns()>`` no texto; quem recebe anota
  ``time.monotonic_ns()`` na chegada. No Linux os dois leem o mesmo ``CLOCK_MONOTONIC``, então
  a diferença entre processos é o atraso de verdade (envio → entrega).

Comandos de um processo de clientes (uma linha no stdin; respostas no stdout):

* ao subir, conecta tudo (e, com ``--join``, espera o ``welcome`` do chat) e imprime
  ``PRONTOS n`` (ou ``FALHOU motivo``);
* ``ZERAR``: esquece atrasos, contagens e CPU até aqui (entradas, presenças) → ``ZERADO``;
* ``ENVIAR periodo janela`` (a sala): cada conexão manda uma mensagem a cada ``periodo``
  segundos, começando numa fase aleatória, durante ``janela`` segundos;
* ``CONTAGEM`` → ``CONTAGEM recebidas enviadas ainda_enviando``;
* ``RELATORIO`` → ``RESULTADO {json}`` (atrasos em µs, CPU em Python e no kernel, conexões
  perdidas); ``FIM``: sai.

Os cenários medidos (``measure_broadcast``, ``measure_classroom``) sobem os servidores e a frota,
medem e param tudo num ``finally``; devolvem ``Delivery``/``ClassroomStep`` para o benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import heapq
import json
import os
import random
import re
import secrets
import select
import socket
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field

from ..core.lifecycle import SubprocessServer
from ..core.numbers import decimal
from ..protocols.handshake import accept_key, upgrade_request
from ..protocols.wsframes import Frame, IncompleteFrame, Opcode, decode_header, encode_frame, new_mask

__all__ = [
    "MARK",
    "BenchServer",
    "ClassroomStep",
    "Delivery",
    "Fleet",
    "FrameScanner",
    "LightClient",
    "Swarm",
    "delays_in",
    "marked_text",
    "measure_broadcast",
    "measure_classroom",
    "run_queue_wait",
    "stamp_of",
    "summarize",
]

MARK = re.compile(rb"T=(\d+)")
_UNKNOWN = object()  # um frame que o processo ainda não leu
DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"  # o que um navegador oferece
_TAIL = b"\x00\x00\xff\xff"  # RFC 7692 §7.2.2: o fim que o remetente tirou de cada mensagem


def marked_text(now_ns: int | None = None) -> str:
    """O texto de uma mensagem de carga: ``T=<instante do envio em ns, CLOCK_MONOTONIC>``."""
    return f"T={time.monotonic_ns() if now_ns is None else now_ns}"


def stamp_of(payload: bytes) -> int | None:
    """O instante de envio escrito na mensagem (``None`` se ela não é de carga, ou se é a página de
    histórico que quem acabou de entrar recebe: mensagens antigas, não entregas novas)."""
    if b'"history"' in payload[:40]:
        return None
    found = MARK.search(payload)
    return int(found.group(1)) if found else None


def delays_in(payloads: list[bytes], arrival_ns: int) -> list[int]:
    """Atrasos (ns) das mensagens de carga em ``payloads``, todas chegadas em ``arrival_ns``."""
    return [arrival_ns - s for s in map(stamp_of, payloads) if s is not None]


class FrameScanner:
    """Separa os frames do servidor num fluxo de bytes, sem validar nem copiar mais que o preciso.

    ``feed(data)`` devolve ``[(opcode, rsv, payload), ...]`` dos frames completos; o resto fica
    para a próxima chamada. ``inflate=True``: payloads com RSV1 (permessage-deflate) saem
    descomprimidos, com um contexto só para a conexão inteira (*context takeover*, RFC 7692).
    O caso comum (frame curto e sem máscara: 2 bytes de cabeçalho, RFC 6455 §5.2) é lido ali
    mesmo; os outros passam por ``wsframes.decode_header``.
    """

    def __init__(self, inflate: bool = False):
        self.buffer = b""
        self.inflater = zlib.decompressobj(-15) if inflate else None

    def feed(self, data: bytes) -> list[tuple[int, int, bytes]]:
        if self.buffer:
            data = self.buffer + data
        out = []
        pos, have = 0, len(data)
        while have - pos >= 2:
            b0, b1 = data[pos], data[pos + 1]
            if b1 < 126:                                    # sem máscara, comprimento de 7 bits
                start, end = pos + 2, pos + 2 + b1
            else:
                try:
                    head = decode_header(data[pos:pos + 14], check=False)
                except IncompleteFrame:
                    break
                start, end = pos + head.size, pos + head.frame_size
            if end > have:
                break
            payload = data[start:end]
            if b0 & 0x40 and self.inflater is not None:
                payload = self.inflater.decompress(payload + _TAIL)
            out.append((b0 & 0x0F, (b0 >> 4) & 0b111, payload))
            pos = end
        self.buffer = data[pos:]
        return out


@dataclass
class _Sink:
    """O que um processo de clientes junta: atrasos (ns), frames recebidos, conexões perdidas."""

    delays: list[int] = field(default_factory=list)
    known: dict[bytes, int | None] = field(default_factory=dict)  # ver ``LightClient.known``
    frames: int = 0
    lost: int = 0
    sent: int = 0


class LightClient:
    """Um cliente WebSocket mínimo, sem asyncio: handshake, pong, e o carimbo de chegada.

    Não tem laço próprio: ``Swarm`` (um ``epoll`` para o processo inteiro) chama ``readable``
    quando chegam bytes. ``state``: ``"handshake"`` → (``"joining"``, esperando o ``welcome`` do
    chat) → ``"open"``; ``"failed"``/``"closed"`` no fim. ``compression``: oferece
    permessage-deflate como um navegador; se o servidor aceitar, os frames com RSV1 são inflados.
    """

    # Um buffer de leitura para todos os clientes do processo: um ``recv(256 KiB)`` pediria ao
    # malloc um bloco novo (mmap + munmap) a cada leitura, mais caro que o próprio recv.
    inbox = memoryview(bytearray(1 << 18))

    def __init__(self, sock: socket.socket, host: str, port: int, path: str, sink: _Sink, *,
                 compression: bool = False, join: str | None = None):
        self.sock, self.sink, self.join = sock, sink, join
        self.key = base64.b64encode(secrets.token_bytes(16)).decode()
        self.state, self.error = "handshake", ""
        self.head = b""
        self.out = b""  # o que o kernel ainda não aceitou (quase sempre vazio)
        self.scanner: FrameScanner | None = None
        # Frames de texto já lidos por outro cliente do processo → carimbo ``T=`` (ou ``None``).
        # Um frame do servidor não tem máscara e, sem context takeover do lado do servidor
        # (RFC 7692 §7.1.1.1), comprime cada mensagem do zero: os mesmos bytes querem dizer o mesmo
        # texto em qualquer conexão. Então só o primeiro cliente infla e procura a marca; os outros
        # ainda recebem cada byte (o ``recv``), mas pagam uma consulta ao dicionário.
        self.known: dict[bytes, int | None] | None = None
        extra = (("Sec-WebSocket-Extensions", DEFLATE_OFFER),) if compression else ()
        self.write(upgrade_request(self.key, f"{host}:{port}", path, extra=extra))

    def readable(self, now: int) -> None:
        try:
            n = self.sock.recv_into(self.inbox)
        except BlockingIOError:
            return
        except OSError as exc:
            return self.closed(str(exc))
        if not n:
            return self.closed("o servidor fechou a conexão")
        inbox = self.inbox
        if self.known is not None and n == 2 + inbox[1] and not self.scanner.buffer and self.state == "open":
            # o caso comum numa sala: um frame curto e inteiro por leitura (ver ``known``)
            frame = inbox[:n].tobytes()
            stamp = self.known.get(frame, _UNKNOWN)
            if stamp is _UNKNOWN and frame[0] in (0x81, 0xC1):   # TEXT com FIN, comprimido ou não
                payload = frame[2:]
                if frame[0] == 0xC1:
                    payload = zlib.decompressobj(-15).decompress(payload + _TAIL)
                stamp = self.known[frame] = stamp_of(payload)
            if stamp is not _UNKNOWN:
                self.sink.frames += 1
                if stamp is not None:
                    self.sink.delays.append(now - stamp)
                return
        data = bytes(inbox[:n])
        if self.scanner is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.head[:end].decode("latin-1"), self.head[end + 4:]
            if not self._accept(head):
                return
        for opcode, _rsv, payload in self.scanner.feed(data):
            if opcode == 1 or opcode == 2 or opcode == 0:   # TEXT, BINARY, CONT
                self.sink.frames += 1
                if self.state != "open":
                    self._joined(payload)
                    continue
                stamp = stamp_of(payload)
                if stamp is not None:
                    self.sink.delays.append(now - stamp)
            elif opcode == Opcode.PING:
                self.send_frame(Frame.pong(payload, mask=new_mask()))
            elif opcode == Opcode.CLOSE:
                return self.closed("o servidor mandou CLOSE")

    def _accept(self, head: str) -> bool:
        lines = head.split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        if " 101 " not in lines[0] + " " or headers.get("sec-websocket-accept") != accept_key(self.key):
            self.closed(f"upgrade recusado: {lines[0]}")
            return False
        extensions = headers.get("sec-websocket-extensions", "")
        self.scanner = FrameScanner(inflate="permessage-deflate" in extensions)
        if "permessage-deflate" not in extensions or "server_no_context_takeover" in extensions:
            self.known = self.sink.known  # o mesmo frame significa sempre o mesmo texto
        if self.join is None:
            self.state = "open"
        else:  # pronto só quando o servidor der as boas-vindas (ou recusar)
            self.state = "joining"
            self.send_text(self.join)
        return True

    def _joined(self, payload: bytes) -> None:
        if b'"welcome"' in payload:
            self.state = "open"
        elif b'"error"' in payload:
            self.closed(payload.decode("utf-8", "replace"))

    def write(self, data: bytes) -> None:
        if self.state in ("failed", "closed"):
            return
        self.out += data
        try:
            sent = self.sock.send(self.out)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            return self.closed(str(exc))
        self.out = self.out[sent:]

    def send_frame(self, frame: Frame) -> None:
        self.write(encode_frame(frame, check=False))

    def send_text(self, text: str) -> None:
        self.send_frame(Frame.text(text, mask=new_mask()))

    def closed(self, why: str) -> None:
        if self.state == "open":
            self.sink.lost += 1
            self.state = "closed"
        elif self.state not in ("failed", "closed"):
            self.state, self.error = "failed", why
        self.sock.close()


# --- um processo de clientes --------------------------------------------------------------------


def _cpu_seconds() -> tuple[float, float]:
    times = os.times()
    return times.user, times.system


class Swarm:
    """Os clientes de um processo num laço só (``select.epoll``), sem asyncio.

    Um laço de eventos genérico gasta, por frame recebido, mais CPU em Python que o próprio
    servidor do chat para entregá-lo; com 1.000 clientes na mesma máquina de 2 núcleos, isso
    roubava a CPU que o servidor precisava. Aqui, cada evento de leitura é: um ``recv``, dois bytes
    de cabeçalho, um ``inflate`` (em C) e uma busca pela marca ``T=``. O stdin (os comandos) entra
    no mesmo ``epoll``; os envios da sala saem de um heap de horários.
    """

    def __init__(self, url: str, count: int, compression: bool, join: str | None):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path or "/"
        self.count, self.compression, self.join = count, compression, join
        self.sink = _Sink()
        self.poll = select.epoll()
        self.clients: dict[int, LightClient] = {}
        self.schedule: list[tuple[float, int, float]] = []  # (instante, índice, fase) dos envios
        self.window = 0.0
        self.period = 0.0
        self.start = 0.0
        self.commands = b""
        self.failures: list[str] = []

    def connect_all(self, timeout: float = 60.0, concurrency: int = 20) -> str | None:
        """Conecta e faz o handshake (e o ``join``) de todos, no máximo ``concurrency`` ao mesmo
        tempo (quem espera a vez não estoura o prazo do ``join`` do chat); ``None`` se deu certo,
        senão o motivo."""
        deadline = time.monotonic() + timeout
        for i in range(self.count):
            while (sum(c.state != "open" for c in self.clients.values()) >= concurrency
                   and not self.failures and time.monotonic() < deadline):
                self.step(0.05)
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
            sock.setblocking(False)
            fd = sock.fileno()
            self.poll.register(fd, select.EPOLLIN)
            text = None if self.join is None else self.join.replace("{i}", str(i))
            self.clients[fd] = LightClient(sock, self.host, self.port, self.path, self.sink,
                                           compression=self.compression, join=text)
        while time.monotonic() < deadline:
            failed = self.failures + [c.error for c in self.clients.values() if c.state == "failed"]
            if failed:
                return failed[0]
            if all(c.state == "open" for c in self.clients.values()):
                return None
            self.step(0.05)
        return "prazo esgotado no handshake"

    def step(self, timeout: float) -> None:
        for fd, _events in self.poll.poll(timeout):
            if fd == 0:
                self.commands += os.read(0, 4096) or b"FIM\n"
                continue
            client = self.clients.get(fd)
            if client is not None:
                client.readable(time.monotonic_ns())
                if client.state in ("closed", "failed"):  # o close() já tirou o socket do epoll
                    del self.clients[fd]
                    if client.error:
                        self.failures.append(client.error)

    def talk(self, period: float, window: float) -> None:
        """Cada cliente manda ``T=…`` a cada ``period`` s (fase aleatória) até ``window`` s."""
        self.start = time.monotonic()
        self.schedule = [(self.start + at, fd, at) for fd in self.clients
                         if (at := random.uniform(0, period)) < window]
        heapq.heapify(self.schedule)
        self.period, self.window = period, window

    def send_due(self) -> float:
        """Manda o que já passou da hora; devolve quanto esperar até o próximo envio (ou 1 s)."""
        now = time.monotonic()
        while self.schedule and self.schedule[0][0] <= now:
            _, fd, at = heapq.heappop(self.schedule)
            client = self.clients.get(fd)
            if client is None:
                continue
            client.send_text(json.dumps({"action": "send", "text": marked_text()}))
            self.sink.sent += 1
            if at + self.period < self.window:
                heapq.heappush(self.schedule, (self.start + at + self.period, fd, at + self.period))
        return max(0.0, self.schedule[0][0] - now) if self.schedule else 1.0

    def run(self) -> None:
        problem = self.connect_all()
        if problem is not None:
            print(f"FALHOU {problem}", flush=True)
            return
        print(f"PRONTOS {len(self.clients)}", flush=True)
        os.set_blocking(0, False)
        self.poll.register(0, select.EPOLLIN)
        sink, cpu0 = self.sink, _cpu_seconds()
        while True:
            self.step(self.send_due())
            while b"\n" in self.commands:
                line, self.commands = self.commands.split(b"\n", 1)
                words = line.decode().split()
                if not words:
                    continue
                if words[0] == "ZERAR":  # esquece o que chegou até aqui (joins, presenças)
                    sink.delays.clear()
                    sink.known.clear()
                    sink.frames = sink.sent = 0
                    cpu0 = _cpu_seconds()
                    print("ZERADO", flush=True)
                elif words[0] == "ENVIAR":
                    self.talk(float(words[1]), float(words[2]))
                elif words[0] == "CONTAGEM":
                    print(f"CONTAGEM {len(sink.delays)} {sink.sent} {int(bool(self.schedule))}", flush=True)
                elif words[0] == "RELATORIO":
                    cpu1 = _cpu_seconds()
                    result = {"delays_us": [d // 1000 for d in sink.delays], "frames": sink.frames,
                              "lost": sink.lost, "sent": sink.sent, "user_s": cpu1[0] - cpu0[0],
                              "sys_s": cpu1[1] - cpu0[1], "connections": len(self.clients)}
                    print("RESULTADO " + json.dumps(result), flush=True)
                elif words[0] == "FIM":
                    return


# --- o servidor de broadcast (broadcast() ou um send por cliente) --------------------------------


async def _bench_server(mode: str) -> None:
    """Repassa a todos cada texto recebido; ``{"acao": "medidas"}`` → tempos de escrita (s)."""
    import logging

    from websockets.asyncio.server import broadcast, serve
    from websockets.exceptions import ConnectionClosed
    from ..chat.server import deliver
    from ..core.deflate import server_extensions
    from ..scale.broker import orphan_watch

    clients: set = set()
    write_s: list[float] = []

    async def handler(ws) -> None:
        clients.add(ws)
        try:
            async for frame in ws:
                if frame == '{"acao": "medidas"}':
                    await ws.send(json.dumps({"broadcast_s": write_s}))
                    continue
                start = time.perf_counter()
                if mode == "broadcast":
                    broadcast(clients, frame)
                elif mode == "push":  # o do chat: o frame montado (e comprimido) uma vez
                    deliver(clients, frame.encode())
                else:  # o jeito ingênuo: um await send por cliente, em sequência
                    for other in list(clients):
                        try:
                            await other.send(frame)
                        except ConnectionClosed:
                            pass
                write_s.append(time.perf_counter() - start)
        finally:
            clients.discard(ws)

    quiet = logging.getLogger("bench")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    extensions = {"push": {"extensions": server_extensions()}}.get(mode, {})
    async with serve(handler, "127.0.0.1", 0, logger=quiet, max_queue=None, **extensions) as server:
        print(f"PORTA {server.sockets[0].getsockname()[1]}", flush=True)
        await orphan_watch()


class BenchServer(SubprocessServer):
    """O servidor de broadcast do benchmark num subprocesso: ``mode`` é ``"broadcast"``
    (``websockets.broadcast``, compressão padrão do websockets), ``"push"`` (o ``deliver`` do chat,
    com a compressão do chat) ou ``"send"`` (um ``await ws.send`` por cliente)."""

    def __init__(self, mode: str = "broadcast"):
        super().__init__("helpers.tools.loadgen", "servidor", "--modo", mode)
        self.mode = mode
        self.what = f"O servidor de broadcast ({mode})"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def __repr__(self) -> str:
        return f"BenchServer({self.mode!r})"


# --- a frota: vários processos de clientes ------------------------------------------------------


class Fleet:
    """Vários processos de clientes leves (``python -m helpers.tools.loadgen clientes``).

    ``await fleet.add(url, n)`` sobe processos com até ``per_process`` conexões cada e espera
    todos dizerem ``PRONTOS``; ``command("ENVIAR 30 20")`` manda a todos; ``wait_delivered``
    acompanha as entregas; ``report()`` junta os resultados. ``close()`` mata os processos (chame
    num ``finally``).
    """

    def __init__(self, per_process: int = 250, compression: bool = False, join: str | None = None,
                 timeout: float = 120.0, cpus: set[int] | None = None):
        self.per_process, self.compression, self.join, self.timeout = per_process, compression, join, timeout
        self.cpus = cpus  # núcleos onde os processos de clientes podem rodar (``None``: qualquer um)
        self.procs: list[asyncio.subprocess.Process] = []
        self.connections = 0
        self.log = tempfile.TemporaryFile()  # o stderr de todos os processos de clientes

    def errors(self) -> str:
        """O fim do que os processos de clientes escreveram no stderr. Lido com ``pread``: um
        ``seek`` no arquivo que os filhos dividem mudaria onde eles escrevem (ver
        ``helpers.core.lifecycle.Process``)."""
        fd = self.log.fileno()
        size = os.fstat(fd).st_size
        return os.pread(fd, 2000, max(0, size - 2000)).decode("utf-8", "replace")

    async def add(self, url: str, count: int) -> None:
        while count > 0:
            n = min(count, self.per_process)
            args = [sys.executable, "-m", "helpers.tools.loadgen", "clientes", "--url", url,
                    "--conexoes", str(n), "--primeiro", str(self.connections)]
            if self.compression:
                args.append("--compressao")
            if self.join is not None:
                args += ["--join", self.join]
            proc = await asyncio.create_subprocess_exec(
                *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self.log,
                env={**os.environ, "PYTHONUNBUFFERED": "1"}, limit=2**26)
            self.procs.append(proc)
            if self.cpus:
                os.sched_setaffinity(proc.pid, self.cpus)
            self.connections += n
            count -= n
            # um processo por vez: 250 handshakes e joins seguidos já ocupam o servidor
            line = await asyncio.wait_for(proc.stdout.readline(), self.timeout)
            if not line.startswith(b"PRONTOS"):
                raise RuntimeError(f"clientes de carga não conectaram: {line.decode().strip()}\n{self.errors()}")

    async def reset(self) -> None:
        """Zera atrasos e CPU em todos os processos, e espera cada um confirmar."""
        await self.command("ZERAR")
        await self._replies(b"ZERADO")

    async def command(self, text: str) -> None:
        for proc in self.procs:
            proc.stdin.write(text.encode() + b"\n")
        await asyncio.gather(*(p.stdin.drain() for p in self.procs))

    async def _replies(self, prefix: bytes) -> list[bytes]:
        out = []
        for proc in self.procs:
            line = await asyncio.wait_for(proc.stdout.readline(), self.timeout)
            if not line.startswith(prefix):
                raise RuntimeError(f"clientes de carga não responderam {prefix!r}: {line[:200]!r}\n"
                                   f"{self.errors()}")
            out.append(line[len(prefix):])
        return out

    async def count(self) -> tuple[int, int, int]:
        """(mensagens de carga recebidas, enviadas, processos ainda enviando), somados."""
        await self.command("CONTAGEM")
        rows = [tuple(map(int, r.split())) for r in await self._replies(b"CONTAGEM ")]
        return tuple(sum(r[k] for r in rows) for k in range(3))

    async def wait_delivered(self, expected, timeout: float) -> int:
        """Espera os clientes terminarem de enviar e as entregas chegarem a ``expected`` (um
        número, ou função de quantas foram enviadas), consultando a cada 50 ms, por no máximo
        ``timeout`` s. Devolve quantas chegaram."""
        deadline = time.monotonic() + timeout
        while True:
            got, sent, busy = await self.count()
            goal = expected(sent) if callable(expected) else expected
            if (not busy and got >= goal) or time.monotonic() > deadline:
                return got
            await asyncio.sleep(0.05)

    async def report(self) -> dict:
        """Junta os resultados de todos os processos (que continuam conectados)."""
        await self.command("RELATORIO")
        merged = {"delays_us": [], "frames": 0, "lost": 0, "sent": 0, "user_s": 0.0, "sys_s": 0.0,
                  "connections": 0}
        for line in await self._replies(b"RESULTADO "):
            data = json.loads(line)
            for key in merged:
                merged[key] += data[key]
        return merged

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    async def close(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()  # FIM seria educado; aqui é o finally: ninguém fica para trás
        for proc in self.procs:
            await proc.wait()
        self.procs = []


# --- os cenários medidos ------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """Uma rodada de carga: atrasos envio → entrega e para onde foi a CPU.

    Tempos em segundos. ``server_write``: mediana, medida dentro do servidor, do tempo para
    escrever uma mensagem em todos os sockets (``None`` se o servidor não mede). CPU: segundos
    gastos durante a rodada, por mensagem enviada; ``*_sys`` é o tempo no kernel (chamadas
    ``send``/``recv``, TCP do loopback), ``*_user`` o tempo em Python. "servidor" soma os
    processos servidores (e o Redis, quando há).
    """

    label: str
    clients: int
    messages: int
    expected: int
    delivered: int
    p50: float
    p99: float
    max: float
    server_write: float | None
    server_user: float
    server_sys: float
    clients_user: float
    clients_sys: float
    lost: int = 0
    server_wait: float | None = None  # s por mensagem na fila do escalonador (pronto, sem CPU)
    clients_wait: float | None = None

    @property
    def complete(self) -> bool:
        return self.delivered >= self.expected


def _percentile(values: list[float], p: float) -> float:
    from ..scale.techniques import percentile

    return percentile(values, p)


def summarize(label: str, clients: int, messages: int, expected: int, result: dict,
              server_cpu: tuple[float, float], server_write: float | None) -> Delivery:
    """Monta o ``Delivery`` a partir do que a frota juntou. Entregas que não chegaram contam
    como atraso infinito: um p99 com 2 % perdidos é ``inf``, não o p99 de quem chegou."""
    import math

    delays = [d / 1e6 for d in result["delays_us"]]
    missing = max(0, expected - len(delays))
    padded = delays + [math.inf] * missing
    per = max(1, messages)
    return Delivery(
        label, clients, messages, expected, len(delays),
        _percentile(padded, 50), _percentile(padded, 99), max(padded, default=math.nan), server_write,
        server_cpu[0] / per, server_cpu[1] / per, result["user_s"] / per, result["sys_s"] / per,
        result["lost"])


def run_queue_wait(pids: list[int]) -> float | None:
    """Segundos que os processos ``pids`` passaram prontos para rodar, esperando a vez na CPU
    (segundo campo de ``/proc/PID/schedstat``, em ns; só no Linux, senão ``None``)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/schedstat") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            return None
    return total / 1e9


def _waits(before: tuple, after: tuple, messages: int) -> dict:
    """``server_wait``/``clients_wait`` por mensagem, a partir de duas leituras de ``run_queue_wait``."""
    out = {}
    for key, b, a in zip(("server_wait", "clients_wait"), before, after):
        out[key] = None if a is None or b is None else (a - b) / max(1, messages)
    return out


def _cpu(pids: list[int]) -> tuple[float, float]:
    import psutil

    user = system = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        user += times.user + times.children_user
        system += times.system + times.children_system
    return user, system


async def _write_times(url: str, last: int) -> list[float]:
    from websockets.asyncio.client import connect

    async with connect(url, compression=None) as probe:
        await probe.send('{"acao": "medidas"}')
        async with asyncio.timeout(10):
            while True:
                data = json.loads(await probe.recv())
                if "broadcast_s" in data:
                    return data["broadcast_s"][-last:]


async def measure_broadcast(mode: str = "broadcast", clients: int = 1000, *, messages: int = 20,
                            gap: float = 0.2, compression: bool = False, per_process: int = 250,
                            timeout: float = 30.0) -> Delivery:
    """Um broadcast para ``clients`` clientes leves (em processos de ``per_process``), medido.

    ``mode``: ``"broadcast"`` (``BenchServer``, ``websockets.broadcast``), ``"push"``
    (``BenchServer``, o ``deliver`` do chat e o permessage-deflate dele), ``"send"``
    (``BenchServer``, um ``await send`` por cliente) ou ``"redis"`` (dois ``BrokerServer`` do
    capítulo 07 ligados por um Redis, clientes meio a meio, quem envia está no primeiro).
    ``compression``: os clientes oferecem permessage-deflate (o servidor aceita). Quem envia é um
    cliente ``websockets`` à parte, sem compressão, que manda ``messages`` mensagens com
    ``gap`` s entre elas. Tudo o que sobe é parado no fim, aconteça o que acontecer.
    """
    import statistics

    from ..core.lifecycle import Registry
    from ..scale.broker import BrokerServer, RedisServer
    from websockets.asyncio.client import connect

    reg = Registry()
    fleet = Fleet(per_process, compression)
    try:
        extra_pids: list[int] = []
        if mode == "redis":
            redis = await reg.start("bench-redis", RedisServer())
            servers = [await reg.start("bench-A", BrokerServer("A", redis.url)),
                       await reg.start("bench-B", BrokerServer("B", redis.url))]
            if redis._lite is not None:
                extra_pids.append(redis._lite.pid)
        else:
            servers = [await reg.start(f"bench-{mode}", BenchServer(mode))]
        for k, server in enumerate(servers):
            await fleet.add(server.url, clients // len(servers) + (k < clients % len(servers)))
        pids = [s.pid for s in servers] + extra_pids
        async with connect(servers[0].url, compression=None, max_queue=None) as sender:
            await fleet.reset()
            before = _cpu(pids)
            waits_before = (run_queue_wait(pids), run_queue_wait(fleet.pids()))
            for _ in range(messages):
                await sender.send(json.dumps({"de": "carga", "texto": marked_text()}))
                await asyncio.sleep(gap)  # o ritmo da carga, não uma espera por resultado
            expected = messages * clients
            await fleet.wait_delivered(expected, timeout)
            after = _cpu(pids)
            waits = _waits(waits_before, (run_queue_wait(pids), run_queue_wait(fleet.pids())), messages)
            result = await fleet.report()
        writes = []
        for server in servers:
            writes += await _write_times(server.url, messages)
        write = statistics.median(writes) if writes else None
    finally:
        await fleet.close()
        await reg.stop_all()
    label = {"broadcast": "websockets.broadcast()", "send": "um send() por cliente",
             "push": "push() do chat, frame montado uma vez",
             "redis": "2 servidores + Redis"}[mode]
    label += ", com compressão" if compression else ", sem compressão"
    return dataclasses.replace(summarize(label, clients, messages, expected, result,
                                         (after[0] - before[0], after[1] - before[1]), write), **waits)


@dataclass(frozen=True)
class ClassroomStep:
    """Um tamanho de turma: a entrega medida e a memória do servidor por aluno."""

    students: int
    delivery: Delivery
    rss_per_student: float  # bytes
    rss_total: float  # bytes, o servidor inteiro depois da rodada
    period: float
    window: float


def split_cores() -> tuple[set[int], set[int]] | None:
    """(núcleos do servidor, núcleos dos clientes): o primeiro núcleo só para o servidor, os
    outros para os clientes. ``None`` se não dá para separar (um núcleo só, ou fora do Linux)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return ({cpus[0]}, set(cpus[1:])) if len(cpus) >= 2 else None


async def _start_chat(data_dir: str, token: str):
    """``python -m helpers.chat`` como um professor o roda (token, banco em disco, limite de taxa
    padrão), só que em 127.0.0.1 e porta 0. Devolve (processo, porta)."""
    from ..core.lifecycle import Process

    proc = Process(sys.executable, "-m", "helpers.chat", "--port", "0", f"--token={token}",  # "-x…" não vira opção
                   "--dados", data_dir, env={"PYTHONUNBUFFERED": "1"})
    await proc.start()  # wait_for_port para o processo e mostra a saída dele se a porta não vier
    return proc, await proc.wait_for_port(20, marker="Chat do curso escutando em 127.0.0.1:")


async def measure_classroom(sizes: tuple[int, ...] = (100, 300, 1000, 2000), *, period: float = 30.0,
                            window: float = 30.0, goal_p99: float = 0.1, compression: bool = True,
                            per_process: int = 250, drain: float = 30.0, separate: bool = True,
                            progress=None) -> list[ClassroomStep]:
    """A sala de aula: o chat do curso num subprocesso, a turma crescendo até ``sizes[-1]``.

    Em cada tamanho, cada aluno manda uma mensagem a cada ``period`` s (fase aleatória), durante
    ``window`` s de tempo real: a taxa é a de verdade (N/period mensagens por segundo, cada uma
    entregue aos N), só a janela pode ser mais curta que uma aula. Para de crescer quando o
    p99 passa de ``goal_p99``. Os alunos entram como um navegador (com permessage-deflate, se
    ``compression``) e com o token da sala. ``drain``: prazo, depois da janela, para as últimas
    entregas chegarem (o que não chegar conta como atraso infinito).
    """
    import psutil

    report = progress or (lambda text: None)
    token = secrets.token_urlsafe(12)
    join = json.dumps({"action": "join", "nick": "aluno-{p}-{i}", "token": token})
    steps: list[ClassroomStep] = []
    with tempfile.TemporaryDirectory(prefix="bench-sala-") as data_dir:
        proc, port = await _start_chat(data_dir, token)
        cores = split_cores() if separate else None
        if cores is not None:
            os.sched_setaffinity(proc.popen.pid, cores[0])
        fleet = Fleet(per_process, compression, join=join, timeout=max(120.0, drain + 30),
                      cpus=cores and cores[1])
        try:
            server = psutil.Process(proc.popen.pid)
            base_rss = server.memory_info().rss
            for n in sizes:
                if psutil.virtual_memory().available < n * 2 * 2**20:  # folga larga: 2 MiB por aluno
                    report(f"  {n} alunos: pulado (memória livre insuficiente)")
                    break
                await fleet.add(f"ws://127.0.0.1:{port}/ws", n - fleet.connections)
                rss_joined = server.memory_info().rss
                await fleet.reset()
                before = _cpu([proc.popen.pid])
                waits_before = (run_queue_wait([proc.popen.pid]), run_queue_wait(fleet.pids()))
                await fleet.command(f"ENVIAR {period} {window}")
                got = await fleet.wait_delivered(lambda sent: sent * n, window + drain)
                after = _cpu([proc.popen.pid])
                waits_after = (run_queue_wait([proc.popen.pid]), run_queue_wait(fleet.pids()))
                result = await fleet.report()
                delivery = summarize(f"sala com {n} alunos", n, result["sent"], result["sent"] * n, result,
                                     (after[0] - before[0], after[1] - before[1]), None)
                delivery = dataclasses.replace(delivery, **_waits(waits_before, waits_after, result["sent"]))
                step = ClassroomStep(n, delivery, (rss_joined - base_rss) / n, server.memory_info().rss,
                                     period, window)
                steps.append(step)
                report(f"  {n} alunos: p50 {decimal(delivery.p50 * 1e3, 1)} ms, p99 {decimal(delivery.p99 * 1e3, 1)} ms, "
                       f"{got}/{delivery.expected} entregas, {decimal(step.rss_per_student / 1024, 1)} KiB por aluno")
                if not delivery.p99 <= goal_p99:
                    break
        finally:
            await fleet.close()
            await proc.close()
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Carga do benchmark (uso interno de helpers.tools.bench).")
    sub = parser.add_subparsers(dest="papel", required=True)
    server = sub.add_parser("servidor")
    server.add_argument("--modo", choices=["broadcast", "push", "send"], default="broadcast")
    clients = sub.add_parser("clientes")
    clients.add_argument("--url", required=True)
    clients.add_argument("--conexoes", type=int, required=True)
    clients.add_argument("--primeiro", type=int, default=0)
    clients.add_argument("--compressao", action="store_true")
    clients.add_argument("--join", default=None)
    args = parser.parse_args(argv)
    try:
        if args.papel == "servidor":
            asyncio.run(_bench_server(args.modo))
        else:
            join = None if args.join is None else args.join.replace("{p}", str(args.primeiro))
            Swarm(args.url, args.conexoes, args.compressao, join).run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
