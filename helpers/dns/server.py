"""DNS com rede: o servidor UDP da zona do curso, o cliente de um datagrama só e a linha de comando.

Introduzido no notebook 02 (Recapitulando DNS). A lógica (zona, resposta, dissecação) é pura e
mora em ``helpers.protocols.dns``; aqui ``DnsServer`` só move datagramas
(``asyncio.DatagramProtocol``) e anota cada um como um evento ``DnsMessage``, que alimenta a
contagem de consultas recebidas e o diagrama de sequência
(``diagrama.follow(servidor, client="cliente")``, como com o tap).
``python3 curso.py dns --port 5353`` roda o mesmo servidor fora do notebook, para o ``dig``.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

import dns.zone

from ..core.cli import ArgumentParser
from ..core.lifecycle import LOOPBACK, PortInUse, _bind_error
from ..protocols.dns import ZONE, describe, drop_reason, handle, is_error
from ..traffic.events import C2S, S2C, Event

__all__ = ["DatagramServer", "DnsMessage", "DnsServer", "exchange", "main"]

log = logging.getLogger("curso.dns")
log.addHandler(logging.NullHandler())  # no notebook, o log fica quieto; a CLI o mostra


@dataclass(frozen=True)
class DnsMessage(Event):
    """Um datagrama DNS que um servidor recebeu (``C2S``) ou enviou (``S2C``).

    ``conn`` numera a troca (pergunta e resposta têm o mesmo número); ``peer`` é o endereço
    do outro lado; ``note`` diz de onde veio a resposta (por exemplo, ``"cache"``).
    """

    peer: str = ""
    note: str = ""
    kind: ClassVar[str] = "dns"

    @property
    def summary(self) -> str:
        text = describe(self.data)
        return f"{text} ({self.note})" if self.note else text

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
    """Base dos servidores UDP do capítulo: escuta em 127.0.0.1 (porta 0 por padrão), anota
    cada datagrama como ``DnsMessage`` e responde com o que ``respond(data, peer)`` devolver
    (bytes, ``None`` para não responder, ou ``(bytes, nota)``; pode ser ``async``).

    Um recurso do ``registry``: ``await registry.start("dns", DnsServer(ZONE))``.
    """

    def __init__(self, host: str = LOOPBACK, port: int = 0):
        self.host, self.requested_port = host, port
        self.port: int | None = None
        self.events: list[DnsMessage] = []
        self.log_lines: list[str] = []
        self._subscribers: list[Callable[[DnsMessage], None]] = []
        self._transport: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task] = set()
        self._ids = itertools.count(1)

    def respond(self, data: bytes, peer: str) -> Reply | Awaitable[Reply]:
        raise NotImplementedError

    async def start(self) -> None:
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
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- quem quiser acompanhar ---------------------------------------------------------------

    def subscribe(self, callback: Callable[[DnsMessage], None]) -> Callable[[], None]:
        """Chama ``callback(evento)`` a cada datagrama; devolve a função que cancela."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    @property
    def received(self) -> int:
        """Quantos datagramas este servidor recebeu (desde o último ``clear()``)."""
        return sum(1 for e in self.events if e.direction == C2S)

    def clear(self) -> None:
        self.events.clear()
        self.log_lines.clear()

    # --- o laço de datagramas -----------------------------------------------------------------

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
        self._emit(DnsMessage(conn, C2S, time.monotonic(), data, peer=peer))
        try:
            result = self.respond(data, peer)
        except Exception:
            self._note(logging.ERROR, f"handler failed on a datagram from {peer}")
            log.exception("respond() failed")
            return
        if inspect.isawaitable(result):
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
        self._emit(DnsMessage(conn, S2C, time.monotonic(), reply, peer=peer, note=note))
        self._transport.sendto(reply, addr)

    @property
    def url(self) -> str:
        return f"udp://{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.host!r}, port={self.port})"


class DnsServer(DatagramServer):
    """Servidor DNS autoritativo da ``zone`` (a ``ZONE`` do curso, se omitida), sobre UDP.

    >>> servidor = await registry.start("dns", DnsServer(ZONE))
    >>> servidor.port, servidor.received
    """

    def __init__(self, zone: dns.zone.Zone | None = None, host: str = LOOPBACK, port: int = 0):
        super().__init__(host, port)
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


async def _serve(host: str, port: int) -> None:
    server = DnsServer(ZONE, host, port)
    await server.start()
    print(f"Servidor DNS da zona {ZONE.origin} ouvindo em {host} porta {server.port} (UDP)", flush=True)
    print(f"Experimente: dig @{host} -p {server.port} chat.curso.test", flush=True)
    print("Ctrl+C para parar.", flush=True)
    try:
        await asyncio.Event().wait()  # fora do notebook, rodar até Ctrl+C é o esperado
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python3 curso.py dns",
        description="Servidor DNS autoritativo da zona curso.test (notebook 02), sobre UDP.",
    )
    parser.add_argument("--host", default=LOOPBACK, help="endereço (padrão: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5353,
                        help="porta UDP (padrão: 5353; 0 = o sistema escolhe e a porta é impressa)")
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
