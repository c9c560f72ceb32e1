"""DNS sem rede: a zona do curso, a resposta de um servidor autoritativo, a dissecação byte a byte.

Introduzido no notebook 02 (Recapitulando DNS). Funções puras: bytes (ou mensagens do
dnspython) entram, bytes ou texto saem, sem socket nem relógio. O servidor UDP que as usa fica em
``helpers.dns.server``.

Teoria de operação
------------------
* A zona (``ZONE``) é um arquivo de zona no formato da RFC 1035 §5, lido pelo dnspython. Os
  nomes ficam sob ``curso.test.``: o sufixo ``.test`` é reservado para testes (RFC 2606 §2,
  RFC 6761 §6.2) e nunca vai existir na internet.
* ``answer(zone, query)`` é o coração: recebe a pergunta já decodificada e monta a resposta como
  um servidor autoritativo (RFC 1034 §4.3.2, simplificado: segue CNAMEs dentro da zona, responde
  NXDOMAIN para nomes que não existem e põe o SOA na seção de autoridade das respostas negativas,
  RFC 2308 §3). Uma pergunta ``ANY`` ("tudo o que houver") ganha a resposta mínima da
  RFC 8482 §4.2: um só registro HINFO sintetizado, ``"RFC8482" ""``, e não a lista inteira (uma
  resposta grande a uma pergunta pequena, com o remetente forjado, é arma de ataque por
  amplificação). ``handle(zone, datagram)`` embrulha: bytes entram, bytes saem, ou ``None``
  quando nem o cabeçalho dá para ler. Opcodes que não são ``QUERY`` (UPDATE, NOTIFY...) recebem
  NOTIMP já pelo cabeçalho, antes de o resto ser lido.
* ``tcp_frame(message)`` põe na frente da mensagem os 2 bytes de tamanho que o DNS usa sobre
  TCP (RFC 1035 §4.2.2, RFC 7766 §8).
* ``describe(data)`` resume uma mensagem numa linha (o rótulo da seta no diagrama);
  ``is_error(data)`` diz se ela é uma resposta de erro.
* ``dissect(wire)`` separa uma mensagem em campos, byte a byte (RFC 1035 §4.1), escrito à mão
  porque é a lição; os testes conferem o resultado contra o parser do dnspython.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

__all__ = [
    "ZONE",
    "ZONE_TEXT",
    "Field",
    "answer",
    "describe",
    "dissect",
    "drop_reason",
    "error_reply",
    "format_dissection",
    "handle",
    "is_error",
    "make_zone",
    "tcp_frame",
]

log = logging.getLogger("curso.dns")

HEADER_SIZE = 12
TCP_MAX_MESSAGE = 0xFFFF  # o prefixo de tamanho tem 2 bytes
ANY_TTL = 60  # quanto guardar o HINFO sintetizado (RFC 8482 §4.2 deixa a escolha ao operador)

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


# --- o servidor autoritativo, sem rede --------------------------------------------------------


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
        if question.rdtype == dns.rdatatype.ANY:  # "tudo sobre o nome": a resposta mínima
            response.answer.append(_minimal_any(zone, name))
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


def _minimal_any(zone: dns.zone.Zone, name: dns.name.Name) -> dns.rrset.RRset:
    """A resposta a ANY que a RFC 8482 sugere: o CNAME, se o nome for um apelido; senão um
    único HINFO sintetizado (§4.2: CPU ``"RFC8482"`` e OS vazio, para a resposta ser mínima)."""
    alias = zone.get_rrset(name, dns.rdatatype.CNAME)
    if alias is not None:
        return alias
    return dns.rrset.from_text(name, ANY_TTL, "IN", "HINFO", '"RFC8482" ""')


def tcp_frame(message: bytes) -> bytes:
    """A mensagem com o seu tamanho em 2 bytes na frente, como o DNS viaja sobre TCP
    (RFC 1035 §4.2.2): num fluxo de bytes não há fronteira de datagrama."""
    if len(message) > TCP_MAX_MESSAGE:
        raise ValueError(f"uma mensagem DNS tem no máximo {TCP_MAX_MESSAGE} bytes, não {len(message)}")
    return len(message).to_bytes(2, "big") + message


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
    * um opcode que não é QUERY (UPDATE, NOTIFY...): NOTIMP, sem ler o resto (RFC 1035 §4.1.1;
      uma UPDATE tem outro formato, e lê-la como pergunta daria um FORMERR enganoso);
    * cabeçalho legível mas o resto malformado: FORMERR (RFC 1035 §4.1.1);
    * um erro inesperado ao montar a resposta: SERVFAIL (o servidor segue de pé).
    """
    if drop_reason(datagram) is not None:
        return None
    if dns.opcode.from_flags(int.from_bytes(datagram[2:4], "big")) != dns.opcode.QUERY:
        return error_reply(datagram, dns.rcode.NOTIMP)
    try:
        query = dns.message.from_wire(datagram)
    except Exception:
        return error_reply(datagram, dns.rcode.FORMERR)
    try:
        return answer(zone, query).to_wire()
    except Exception:
        log.exception("answering failed")
        return error_reply(datagram, dns.rcode.SERVFAIL)


# --- uma mensagem numa linha (o rótulo no diagrama) -------------------------------------------


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


def is_error(data: bytes) -> bool:
    """Uma resposta com erro (NXDOMAIN, FORMERR...), ou bytes que nem são DNS?"""
    try:
        msg = dns.message.from_wire(data)
    except Exception:
        return True
    return bool(msg.flags & dns.flags.QR) and msg.rcode() != dns.rcode.NOERROR


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
