"""DNS: um servidor autoritativo pequenino, sobre UDP, para uma zona de nomes inventados.

Introduzido no notebook 02 (Recapitulando DNS).

Teoria de operação
------------------
* A zona (``ZONE``) é um arquivo de zona no formato da RFC 1035 §5, lido pelo dnspython. Os
  nomes ficam sob ``curso.test.``: o sufixo ``.test`` é reservado para testes (RFC 2606 §2,
  RFC 6761 §6.2) e nunca vai existir na internet.
* ``answer(zone, query)`` é o coração: recebe a pergunta já decodificada e monta a resposta como
  um servidor autoritativo (RFC 1034 §4.3.2, simplificado: segue CNAMEs dentro da zona, responde
  NXDOMAIN para nomes que não existem e põe o SOA na seção de autoridade das respostas negativas,
  RFC 2308 §3). ``handle(zone, datagram)`` embrulha: bytes entram, bytes saem, ou ``None``
  quando nem o cabeçalho dá para ler. Sem rede e sem relógio: fácil de testar.
* ``DnsServer`` só move datagramas (``asyncio.DatagramProtocol``) e anota cada um como um evento
  ``DnsMessage``, que alimenta a contagem de consultas recebidas e o diagrama de sequência
  (``diagrama.follow(servidor, client="cliente", server="servidor DNS")``, como com o tap).
* ``dissect(wire)`` separa uma mensagem em campos, byte a byte (RFC 1035 §4.1), escrito à mão
  porque é a lição; os testes conferem o resultado contra o parser do dnspython.
* ``python3 curso.py dns --port 5353`` roda o mesmo servidor fora do notebook, para o ``dig``.
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

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone

from ..core.cli import ArgumentParser
from ..core.lifecycle import LOOPBACK, PortInUse, _bind_error
from ..traffic.events import C2S, S2C, Event

__all__ = [
    "ZONE",
    "ZONE_TEXT",
    "DatagramServer",
    "DnsMessage",
    "DnsServer",
    "Field",
    "answer",
    "describe",
    "dissect",
    "drop_reason",
    "error_reply",
    "exchange",
    "format_dissection",
    "handle",
    "main",
    "make_zone",
]

log = logging.getLogger("curso.dns")
log.addHandler(logging.NullHandler())  # no notebook, o log fica quieto; a CLI o mostra

HEADER_SIZE = 12

ZONE_TEXT = """\
$ORIGIN curso.test.
$TTL 60
@      IN SOA   ns professor 1 3600 600 86400 5
@      IN NS    ns
ns     IN A     127.0.0.1
chat   IN A     127.0.0.1
chat   IN AAAA  ::1
www    IN CNAME chat
curto  1 IN A   127.0.0.1
"""


def make_zone(text: str = ZONE_TEXT) -> dns.zone.Zone:
    """Lê um arquivo de zona (nomes absolutos, para irem direto para a resposta)."""
    return dns.zone.from_text(text, relativize=False)


ZONE = make_zone()


# --- o servidor, sem rede ----------------------------------------------------------------------


def answer(zone: dns.zone.Zone, query: dns.message.Message) -> dns.message.Message:
    """A resposta de um servidor autoritativo da ``zone`` para ``query``."""
    response = dns.message.make_response(query)  # mesmo ID, QR=1, a pergunta copiada
    if query.opcode() != dns.opcode.QUERY:
        response.set_rcode(dns.rcode.NOTIMP)  # só sabemos responder consultas comuns
        return response
    if len(query.question) != 1:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    name = question.name
    if question.rdclass != dns.rdataclass.IN or not name.is_subdomain(zone.origin):
        response.set_rcode(dns.rcode.REFUSED)  # não é da nossa zona, e não somos resolvedor
        return response
    response.flags |= dns.flags.AA  # "Authoritative Answer": quem responde é a fonte
    for _ in range(8):  # segue apelidos (CNAME) dentro da zona, no máximo 8, contra laços
        if zone.get_node(name) is None:
            response.set_rcode(dns.rcode.NXDOMAIN)  # o nome não existe
            break
        records = zone.get_rrset(name, question.rdtype)
        if records is not None:
            response.answer.append(records)
            break
        alias = zone.get_rrset(name, dns.rdatatype.CNAME)
        if alias is None:
            break  # o nome existe, mas não tem registro deste tipo ("NODATA")
        response.answer.append(alias)
        name = alias[0].target
        if not name.is_subdomain(zone.origin):
            break
    if not response.answer or response.rcode() == dns.rcode.NXDOMAIN:
        soa = zone.get_rrset(zone.origin, dns.rdatatype.SOA)
        soa.ttl = min(soa.ttl, soa[0].minimum)  # por quanto tempo guardar o "não" (RFC 2308)
        response.authority.append(soa)
    return response


def error_reply(datagram: bytes, rcode: dns.rcode.Rcode) -> bytes:
    """Resposta só com cabeçalho: o ID e o opcode de quem perguntou, e o ``rcode``."""
    reply = dns.message.Message(id=int.from_bytes(datagram[:2], "big"))
    flags = int.from_bytes(datagram[2:4], "big")
    reply.flags = dns.flags.QR | dns.opcode.to_flags(dns.opcode.from_flags(flags)) | (flags & dns.flags.RD)
    reply.set_rcode(rcode)
    return reply.to_wire()


def drop_reason(datagram: bytes) -> str | None:
    """Por que um datagrama não merece resposta nenhuma (``None``: merece)."""
    if len(datagram) < HEADER_SIZE:
        return f"shorter than the {HEADER_SIZE}-byte DNS header"
    if datagram[2] & 0x80:
        return "QR bit set: it is a response, not a query"
    return None


def handle(zone: dns.zone.Zone, datagram: bytes) -> bytes | None:
    """Bytes de uma pergunta → bytes da resposta; ``None`` quando o certo é descartar.

    * menos de 12 bytes: sem cabeçalho não há nem ID para responder; descarta;
    * bit QR ligado: é uma resposta, não uma pergunta; responder poderia criar um laço;
    * cabeçalho legível mas o resto malformado: FORMERR (RFC 1035 §4.1.1);
    * um erro inesperado ao montar a resposta: SERVFAIL (o servidor segue de pé).
    """
    if drop_reason(datagram) is not None:
        return None
    try:
        query = dns.message.from_wire(datagram)
    except Exception:
        return error_reply(datagram, dns.rcode.FORMERR)
    try:
        return answer(zone, query).to_wire()
    except Exception:
        log.exception("answering failed")
        return error_reply(datagram, dns.rcode.SERVFAIL)


# --- eventos -----------------------------------------------------------------------------------


def _short(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True)


def describe(data: bytes) -> str:
    """Resumo de uma linha de uma mensagem DNS, para a seta do diagrama.

    ``A? chat.curso.test`` (pergunta), ``A 127.0.0.1 · TTL 60`` (resposta), ``NXDOMAIN``...
    """
    try:
        msg = dns.message.from_wire(data)
    except Exception:
        return f"malformado · {len(data)} B"
    if not msg.flags & dns.flags.QR:
        if not msg.question:
            return "pergunta vazia"
        q = msg.question[0]
        return f"{dns.rdatatype.to_text(q.rdtype)}? {_short(q.name)}"
    rcode = msg.rcode()
    if rcode != dns.rcode.NOERROR:
        return dns.rcode.to_text(rcode)
    if not msg.answer:
        return "NODATA (nome existe, tipo não)"
    last = msg.answer[-1]
    text = f"{dns.rdatatype.to_text(last.rdtype)} {last[0].to_text()} · TTL {last.ttl}"
    return ("CNAME → " if len(msg.answer) > 1 else "") + text


def _is_error(data: bytes) -> bool:
    try:
        msg = dns.message.from_wire(data)
    except Exception:
        return True
    return bool(msg.flags & dns.flags.QR) and msg.rcode() != dns.rcode.NOERROR


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
        return _is_error(self.data)


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


# --- dissecação byte a byte (RFC 1035 §4.1) ----------------------------------------------------


@dataclass(frozen=True)
class Field:
    """Um campo de uma mensagem DNS: onde começa, seus bytes, o nome e o valor lido."""

    section: str
    offset: int
    raw: bytes
    name: str
    value: str


def _flags_text(flags: int) -> str:
    qr = "resposta" if flags & 0x8000 else "pergunta"
    bits = " ".join(f"{b}={int(bool(flags & dns.flags.Flag[b]))}" for b in ("AA", "TC", "RD", "RA"))
    opcode = dns.opcode.to_text(dns.opcode.from_flags(flags))
    return f"QR={flags >> 15} ({qr}) {opcode} {bits} {dns.rcode.to_text(flags & 0xF)}"


def _read_name(wire: bytes, offset: int) -> tuple[str, int, str]:
    """Lê um nome (rótulos com tamanho na frente, ou ponteiro de compressão, RFC 1035 §4.1.4).

    Devolve o nome, o offset logo depois dele e uma nota sobre o ponteiro, se houver.
    """
    labels, end, note, jumps = [], None, "", 0
    while True:
        if offset >= len(wire):
            raise ValueError(f"nome cortado no byte {offset}")
        length = wire[offset]
        if length & 0xC0 == 0xC0:  # ponteiro: os 14 bits seguintes dizem onde o nome continua
            if offset + 1 >= len(wire):
                raise ValueError(f"ponteiro cortado no byte {offset}")
            target = int.from_bytes(wire[offset : offset + 2], "big") & 0x3FFF
            if end is None:
                end, note = offset + 2, f"ponteiro → byte {target}"
            jumps += 1
            if jumps > 64 or target >= len(wire):
                raise ValueError("ponteiro de compressão inválido")
            offset = target
            continue
        if length & 0xC0:
            raise ValueError(f"tipo de rótulo desconhecido no byte {offset}")
        if length == 0:
            break
        labels.append(wire[offset + 1 : offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    return ".".join(labels) + ".", (offset + 1 if end is None else end), note


def dissect(wire: bytes) -> list[Field]:
    """Separa uma mensagem DNS nos seus campos, na ordem em que estão nos bytes.

    Cabeçalho (12 bytes), perguntas (QNAME, QTYPE, QCLASS) e registros (NAME, TYPE, CLASS,
    TTL, RDLENGTH, RDATA). Levanta ``ValueError`` se a mensagem acaba antes do que o cabeçalho
    promete.
    """
    fields: list[Field] = []
    pos = 0

    def take(size: int, section: str, name: str, value: Callable[[bytes], str]) -> bytes:
        nonlocal pos
        raw = wire[pos : pos + size]
        if len(raw) < size:
            raise ValueError(f"mensagem cortada no byte {pos} (campo {name})")
        fields.append(Field(section, pos, raw, name, value(raw)))
        pos += size
        return raw

    def number(raw: bytes) -> int:
        return int.from_bytes(raw, "big")

    def name_field(section: str, label: str) -> None:
        nonlocal pos
        text, end, note = _read_name(wire, pos)
        fields.append(Field(section, pos, wire[pos:end], label, f"{text}  ({note})" if note else text))
        pos = end

    head = "cabeçalho"
    take(2, head, "ID", lambda r: f"{number(r)} (0x{number(r):04x})")
    take(2, head, "flags", lambda r: _flags_text(number(r)))
    counts = [number(take(2, head, n, lambda r: str(number(r))))
              for n in ("QDCOUNT", "ANCOUNT", "NSCOUNT", "ARCOUNT")]
    for _ in range(counts[0]):
        name_field("pergunta", "QNAME")
        take(2, "pergunta", "QTYPE", lambda r: dns.rdatatype.to_text(number(r)))
        take(2, "pergunta", "QCLASS", lambda r: dns.rdataclass.to_text(number(r)))
    for section, count in zip(("resposta", "autoridade", "adicional"), counts[1:]):
        for _ in range(count):
            name_field(section, "NAME")
            rdtype = number(take(2, section, "TYPE", lambda r: dns.rdatatype.to_text(number(r))))
            opt = rdtype == dns.rdatatype.OPT
            rdclass = number(take(2, section, "CLASS", lambda r: (
                f"{number(r)} (tamanho máximo de UDP, EDNS)" if opt else dns.rdataclass.to_text(number(r)))))
            take(4, section, "TTL", lambda r: f"0x{number(r):08x} (flags EDNS)" if opt else f"{number(r)} s")
            rdlength = number(take(2, section, "RDLENGTH", lambda r: f"{number(r)} bytes"))
            if pos + rdlength > len(wire):
                raise ValueError(f"mensagem cortada no byte {pos} (campo RDATA)")
            if opt:
                text = f"{rdlength} bytes de opções EDNS"
            else:
                text = dns.rdata.from_wire(rdclass, rdtype, wire, pos, rdlength).to_text()
            take(rdlength, section, "RDATA", lambda r, text=text: text)
    if pos != len(wire):
        fields.append(Field("sobra", pos, wire[pos:], "?", f"{len(wire) - pos} bytes além do esperado"))
    return fields


def format_dissection(wire: bytes, per_line: int = 8) -> str:
    """A dissecação como tabela de texto: byte inicial, bytes em hex, campo, valor."""
    lines, section = [], None
    for f in dissect(wire):
        if f.section != section:
            section = f.section
            lines.append(f"── {section} " + "─" * (60 - len(section)))
        chunks = [f.raw[i : i + per_line] for i in range(0, len(f.raw), per_line)] or [b""]
        width = 3 * per_line - 1
        for i, chunk in enumerate(chunks):
            hexes = f"{chunk.hex(' '):<{width}}"
            if i == 0:
                lines.append(f"{f.offset:>4}  {hexes}  {f.name:<9} {f.value}")
            else:
                lines.append(f"{'':>4}  {hexes}")
    return "\n".join(line.rstrip() for line in lines)


# --- linha de comando --------------------------------------------------------------------------


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
