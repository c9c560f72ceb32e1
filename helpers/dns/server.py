"""DNS com rede: o servidor da zona do curso (UDP e TCP), o cliente de um datagrama só e a linha de comando.

Introduzido no notebook 02 (Recapitulando DNS). A lógica (zona, resposta, dissecação) é pura e
mora em ``helpers.protocols.dns``; aqui ``DnsServer`` só move mensagens
(``asyncio.DatagramProtocol`` para UDP; ``asyncio.start_server`` para TCP na mesma porta, cada
mensagem com 2 bytes de tamanho na frente, RFC 1035 §4.2.2 e RFC 7766) e anota cada uma como um
evento ``DnsMessage``, que alimenta o diagrama de sequência
(``diagrama.follow(servidor, client="cliente")``, como com o tap).
``python3 curso.py dns --port 5353`` roda o mesmo servidor fora do notebook, para o ``dig``.

Memória limitada sob qualquer carga (um UDP com remetente forjado não custa nada a quem ataca):

* ``events`` e ``log_lines`` são anéis (``collections.deque(maxlen=history)``): guardam só as
  ``history`` mais recentes, para o notebook mostrar; ``received`` é um contador. A linha de
  comando usa ``history=0`` (``cli_server``): não guarda nada por consulta, só escreve o log;
* respostas UDP que o sistema não consegue mandar na hora não se acumulam além de
  ``UDP_SEND_BUFFER`` bytes; respostas assíncronas (o resolvedor com cache) esperando ao mesmo
  tempo, no máximo ``max_pending``;
* TCP: no máximo ``tcp_max_connections`` conexões; cada mensagem tem no máximo 65.535 bytes (o
  prefixo tem 2); uma conexão que não completa uma mensagem (ou não lê a resposta) em
  ``tcp_idle_timeout`` segundos é fechada (RFC 7766 §6.2.3 pede esse prazo).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

import dns.zone

from ..core.cli import ArgumentParser
from ..core.lifecycle import LOOPBACK, PortInUse, _bind_error
from ..protocols.dns import ZONE, describe, drop_reason, handle, is_error, tcp_frame
from ..traffic.events import C2S, S2C, Event

__all__ = ["DatagramServer", "DnsMessage", "DnsServer", "cli_server", "exchange", "main"]

log = logging.getLogger("curso.dns")
log.addHandler(logging.NullHandler())  # no notebook, o log fica quieto; a CLI o mostra


@dataclass(frozen=True)
class DnsMessage(Event):
    """Um datagrama DNS que um servidor recebeu (``C2S``) ou enviou (``S2C``).

    ``conn`` numera a troca (pergunta e resposta têm o mesmo número); ``peer`` é o endereço
    do outro lado; ``note`` diz de onde veio a resposta (por exemplo, ``"cache"``);
    ``transport``, ``"UDP"`` ou ``"TCP"``.
    """

    peer: str = ""
    note: str = ""
    transport: str = "UDP"
    kind: ClassVar[str] = "dns"

    @property
    def summary(self) -> str:
        notes = [n for n in (self.note, "TCP" if self.transport == "TCP" else "") if n]
        text = describe(self.data)
        return f"{text} ({' · '.join(notes)})" if notes else text

    @property
    def is_error(self) -> bool:
        return is_error(self.data)


# --- a parte de rede: UDP fino -----------------------------------------------------------------


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: DatagramServer):
        self.server = server

    def datagram_received(self, data: bytes, addr) -> None:
        self.server._datagram(bytes(data), addr)

    def error_received(self, exc: Exception) -> None:  # ex.: ICMP "porta inalcançável"
        log.info("UDP error ignored: %r", exc)


Reply = bytes | None | tuple[bytes | None, str]


class DatagramServer:
    """Base dos servidores DNS do capítulo: escuta em 127.0.0.1 (porta 0 por padrão), em UDP e
    em TCP na mesma porta, anota cada mensagem como ``DnsMessage`` e responde com o que
    ``respond(data, peer)`` devolver (bytes, ``None`` para não responder, ou ``(bytes, nota)``;
    pode ser ``async``).

    Guarda só as ``history`` mensagens e linhas de log mais recentes (0: nenhuma); os limites de
    TCP estão no docstring do módulo. Um recurso do ``registry``:
    ``await registry.start("dns", DnsServer(ZONE))``.
    """

    HISTORY = 1000  # mensagens (e linhas de log) guardadas para o notebook mostrar
    UDP_SEND_BUFFER = 256 * 1024  # bytes de respostas UDP esperando o sistema, no máximo

    def __init__(self, host: str = LOOPBACK, port: int = 0, *, history: int = HISTORY,
                 tcp: bool = True, tcp_idle_timeout: float = 10.0, tcp_max_connections: int = 64,
                 max_pending: int = 256):
        self.host, self.requested_port = host, port
        self.port: int | None = None
        self.events: deque[DnsMessage] = deque(maxlen=history)
        self.log_lines: deque[str] = deque(maxlen=history)
        self.received = 0  # mensagens recebidas (UDP e TCP) desde o último ``clear()``
        self.tcp, self.tcp_idle_timeout = tcp, tcp_idle_timeout
        self.tcp_max_connections, self.max_pending = tcp_max_connections, max_pending
        self._subscribers: list[Callable[[DnsMessage], None]] = []
        self._transport: asyncio.DatagramTransport | None = None
        self._tcp_server: asyncio.Server | None = None
        self._tcp_writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()
        self._ids = itertools.count(1)

    def respond(self, data: bytes, peer: str) -> Reply | Awaitable[Reply]:
        raise NotImplementedError

    async def start(self) -> None:
        for _ in range(20):  # porta 0: o UDP escolhe; raramente a mesma porta TCP está ocupada
            await self._start_udp()
            if not self.tcp:
                return
            try:
                self._tcp_server = await asyncio.start_server(
                    self._tcp_client, self.host, self.port, limit=4096)
                return
            except OSError as exc:
                self._transport.close()
                self._transport = None
                if self.requested_port or not isinstance(_bind_error(exc, self.host, self.port), PortInUse):
                    raise _bind_error(exc, self.host, self.port) from None
        raise PortInUse(self.host, self.port)

    async def _start_udp(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._transport, _ = await loop.create_datagram_endpoint(
                lambda: _Protocol(self), local_addr=(self.host, self.requested_port)
            )
        except OSError as exc:
            raise _bind_error(exc, self.host, self.requested_port) from None
        self.port = self._transport.get_extra_info("sockname")[1]

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._tcp_server is not None:
            self._tcp_server.close()
            self._tcp_server = None
        for writer in list(self._tcp_writers):
            writer.close()  # quem está lendo vê o fim da conexão e sai sozinho
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- quem quiser acompanhar ---------------------------------------------------------------

    def subscribe(self, callback: Callable[[DnsMessage], None]) -> Callable[[], None]:
        """Chama ``callback(evento)`` a cada mensagem; devolve a função que cancela."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def clear(self) -> None:
        self.events.clear()
        self.log_lines.clear()
        self.received = 0

    # --- o laço de mensagens ------------------------------------------------------------------

    def _note(self, level: int, message: str) -> None:
        self.log_lines.append(message)
        log.log(level, message)

    def _emit(self, event: DnsMessage) -> None:
        self.events.append(event)
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("DNS subscriber failed")

    def _datagram(self, data: bytes, addr) -> None:
        conn, peer = next(self._ids), f"{addr[0]}:{addr[1]}"
        self.received += 1
        self._emit(DnsMessage(conn, C2S, time.monotonic(), data, peer=peer))
        try:
            result = self.respond(data, peer)
        except Exception:
            self._note(logging.ERROR, f"handler failed on a datagram from {peer}")
            log.exception("respond() failed")
            return
        if inspect.isawaitable(result):
            if len(self._tasks) >= self.max_pending:
                if inspect.iscoroutine(result):
                    result.close()  # nunca vai rodar: sem o aviso "never awaited"
                self._note(logging.WARNING, f"dropped a datagram from {peer}: "
                                            f"{self.max_pending} answers already pending")
                return
            task = asyncio.ensure_future(result)
            self._tasks.add(task)
            task.add_done_callback(lambda t: self._finish(t, conn, peer, addr))
        else:
            self._send(result, conn, peer, addr)

    def _finish(self, task: asyncio.Task, conn: int, peer: str, addr) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        if task.exception() is not None:
            self._note(logging.ERROR, f"handler failed on a datagram from {peer}: {task.exception()!r}")
            return
        self._send(task.result(), conn, peer, addr)

    def _send(self, result: Reply, conn: int, peer: str, addr) -> None:
        reply, note = result if isinstance(result, tuple) else (result, "")
        if reply is None or self._transport is None:
            return
        if self._transport.get_write_buffer_size() > self.UDP_SEND_BUFFER:
            return  # o sistema não está dando conta de mandar: descartar é o que o UDP faria
        self._emit(DnsMessage(conn, S2C, time.monotonic(), reply, peer=peer, note=note))
        self._transport.sendto(reply, addr)

    # --- TCP: 2 bytes de tamanho, depois a mensagem (RFC 1035 §4.2.2) -------------------------

    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("peername") or ("?", 0)
        peer = f"{address[0]}:{address[1]} (TCP)"
        if len(self._tcp_writers) >= self.tcp_max_connections:
            self._note(logging.WARNING, f"refused TCP connection from {peer}: "
                                        f"{self.tcp_max_connections} already open")
            writer.close()
            return
        self._tcp_writers.add(writer)
        try:
            while True:
                try:
                    async with asyncio.timeout(self.tcp_idle_timeout):
                        size = int.from_bytes(await reader.readexactly(2), "big")
                        data = await reader.readexactly(size)  # no máximo 65.535 bytes
                except asyncio.IncompleteReadError:
                    return  # o cliente fechou (ou o servidor está fechando), talvez no meio
                if size == 0:
                    return  # mensagem vazia: não é DNS
                await self._tcp_message(data, peer, writer)
        except (ConnectionError, TimeoutError):
            pass  # o cliente sumiu, ficou ocioso demais ou não leu as respostas a tempo
        except Exception:
            self._note(logging.ERROR, f"closed TCP connection from {peer} after an error")
            log.exception("TCP handler failed")
        finally:
            self._tcp_writers.discard(writer)
            writer.close()

    @property
    def tcp_connections(self) -> int:
        """Conexões TCP abertas agora."""
        return len(self._tcp_writers)

    async def _tcp_message(self, data: bytes, peer: str, writer: asyncio.StreamWriter) -> None:
        conn = next(self._ids)
        self.received += 1
        self._emit(DnsMessage(conn, C2S, time.monotonic(), data, peer=peer, transport="TCP"))
        result = self.respond(data, peer)
        if inspect.isawaitable(result):
            result = await result
        reply, note = result if isinstance(result, tuple) else (result, "")
        if reply is None:
            return
        self._emit(DnsMessage(conn, S2C, time.monotonic(), reply, peer=peer, note=note, transport="TCP"))
        writer.write(tcp_frame(reply))
        async with asyncio.timeout(self.tcp_idle_timeout):
            await writer.drain()  # quem não lê as respostas não faz a memória do servidor crescer

    @property
    def url(self) -> str:
        return f"udp://{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.host!r}, port={self.port})"


class DnsServer(DatagramServer):
    """Servidor DNS autoritativo da ``zone`` (a ``ZONE`` do curso, se omitida), sobre UDP e TCP.

    >>> servidor = await registry.start("dns", DnsServer(ZONE))
    >>> servidor.port, servidor.received

    Os parâmetros nomeados (``history``, ``tcp_idle_timeout``...) vão para ``DatagramServer``.
    """

    def __init__(self, zone: dns.zone.Zone | None = None, host: str = LOOPBACK, port: int = 0, **limits):
        super().__init__(host, port, **limits)
        self.zone = ZONE if zone is None else zone

    def respond(self, data: bytes, peer: str) -> bytes | None:
        reason = drop_reason(data)
        if reason is not None:
            self._note(logging.WARNING, f"dropped {len(data)}-byte datagram from {peer}: {reason}")
            return None
        reply = handle(self.zone, data)
        self._note(logging.INFO, f"{describe(data)} from {peer} -> {describe(reply)}")
        return reply


async def exchange(data: bytes, port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bytes | None:
    """Envia um datagrama cru e espera a resposta por até ``timeout`` s (``None`` se não vier).

    Para mandar bytes que nenhuma biblioteca DNS aceitaria montar (pacotes malformados).
    """
    loop = asyncio.get_running_loop()
    reply: asyncio.Future[bytes | None] = loop.create_future()

    class Client(asyncio.DatagramProtocol):
        def datagram_received(self, d: bytes, addr) -> None:
            if not reply.done():
                reply.set_result(bytes(d))

        def error_received(self, exc: Exception) -> None:
            if not reply.done():
                reply.set_result(None)

    transport, _ = await loop.create_datagram_endpoint(Client, remote_addr=(host, port))
    try:
        transport.sendto(data)
        return await asyncio.wait_for(reply, timeout)
    except TimeoutError:
        return None
    finally:
        transport.close()


def cli_server(host: str, port: int) -> DnsServer:
    """O servidor da linha de comando: nenhum histórico por consulta (cada uma vira só uma
    linha no log), para que horas de uso, ou uma enxurrada de pacotes, não cresçam a memória."""
    return DnsServer(ZONE, host, port, history=0)


async def _serve(host: str, port: int) -> None:
    server = cli_server(host, port)
    await server.start()
    print(f"Servidor DNS da zona {ZONE.origin} ouvindo em {host} porta {server.port} (UDP e TCP)", flush=True)
    print(f"Experimente: dig @{host} -p {server.port} chat.curso.test", flush=True)
    print(f"             dig @{host} -p {server.port} chat.curso.test +tcp", flush=True)
    print("Ctrl+C para parar.", flush=True)
    try:
        await asyncio.Event().wait()  # fora do notebook, rodar até Ctrl+C é o esperado
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python3 curso.py dns",
        description="Servidor DNS autoritativo da zona curso.test (notebook 02), sobre UDP e TCP.",
    )
    parser.add_argument("--host", default=LOOPBACK, help="endereço (padrão: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5353,
                        help="porta UDP e TCP (padrão: 5353; 0 = o sistema escolhe e a porta é impressa)")
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):  # "·" e "→" num console que não os tem (Windows)
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        asyncio.run(_serve(args.host, args.port))
    except KeyboardInterrupt:
        print("Servidor parado.")
    except PortInUse as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
