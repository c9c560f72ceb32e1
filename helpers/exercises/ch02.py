"""Corretores dos exercícios do notebook 02 (Recapitulando DNS).

As dicas apontam o que revisar e nunca mostram a resposta. Soluções de referência:
``tests/solutions/ch02.py``.
"""

from __future__ import annotations

import dns.flags
import dns.message
import dns.opcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from ..protocols.dns import ZONE, handle
from .grader import Hint, exercise, require_callable

__all__ = ["SAMPLE_RESPONSES", "answer_ttl", "cache_misses", "aaaa_query", "total_time"]


def _response(qname: str, qtype: str, records: list[tuple[str, int, str, str]]) -> bytes:
    query = dns.message.make_query(qname, qtype, id=0x0202)
    response = dns.message.make_response(query)
    for name, ttl, rdtype, rdata in records:
        response.answer.append(dns.rrset.from_text(name, ttl, "IN", rdtype, rdata))
    return response.to_wire()


SAMPLE_RESPONSES: list[tuple[bytes, int]] = [
    (_response("chat.curso.test.", "A", [("chat.curso.test.", 60, "A", "127.0.0.1")]), 60),
    (_response("curto.curso.test.", "A", [("curto.curso.test.", 1, "A", "127.0.0.1")]), 1),
    (_response("chat.curso.test.", "AAAA", [("chat.curso.test.", 300, "AAAA", "::1")]), 300),
    (_response("um.nome.bem.mais.comprido.exemplo.test.", "A",
               [("um.nome.bem.mais.comprido.exemplo.test.", 86400, "A", "192.0.2.7")]), 86400),
    (_response("www.curso.test.", "A", [("www.curso.test.", 3600, "CNAME", "chat.curso.test."),
                                        ("chat.curso.test.", 60, "A", "127.0.0.1")]), 3600),
]


def _call(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:
        raise Hint(f"Sua função levantou {type(exc).__name__}: {exc}. Teste-a na célula com "
                   "os bytes de exemplo antes de corrigir.") from None


@exercise("02.1")
def answer_ttl(answer) -> None:
    """Uma função ``f(resposta: bytes) -> int``: o TTL do primeiro registro da resposta."""
    require_callable(answer)
    for wire, expected in SAMPLE_RESPONSES:
        got = _call(answer, wire)
        if not isinstance(got, int) or isinstance(got, bool):
            raise Hint("A função deve devolver um número inteiro (int), como int.from_bytes(...).")
        if got == expected:
            continue
        if got in (expected & 0xFFFF, expected >> 16) and expected > 0xFFFF:
            raise Hint("O TTL ocupa 4 bytes (32 bits), não 2.")
        if got == int.from_bytes(wire[:2], "big"):
            raise Hint("Esse número é o ID (os 2 primeiros bytes). O TTL está no registro de "
                       "resposta, depois da pergunta.")
        if got == int.from_bytes(wire[-10:-6], "big"):
            raise Hint("Ler do fim da mensagem só funciona quando há um único registro A. Ande "
                       "desde o começo: cabeçalho, pergunta, e então o primeiro registro.")
        raise Hint("O tamanho do nome muda de uma resposta para outra: depois do cabeçalho (12 "
                   "bytes), pule os rótulos do QNAME até o byte 0, depois QTYPE e QCLASS (4 "
                   "bytes); no registro, o nome comprimido ocupa 2 bytes, e vêm TYPE e CLASS "
                   "antes do TTL.")


def _reference_misses(times: list[float], ttl: float) -> int:
    count, valid_until = 0, float("-inf")
    for t in times:
        if t >= valid_until:
            count, valid_until = count + 1, t + ttl
    return count


_CACHE_CASES = [
    ([0.0, 0.5, 0.9, 1.2, 1.3, 2.5], 1.0),
    ([0.5, 1.2, 1.4], 1.0),
    ([0.0, 1.0, 2.0], 1.0),
    ([0.0, 10.0, 59.0, 60.0, 61.0, 200.0], 60.0),
    ([3.0], 5.0),
    ([], 1.0),
]


@exercise("02.2")
def cache_misses(answer) -> None:
    """``f(instantes, ttl) -> int``: quantas consultas chegam ao servidor autoritativo."""
    require_callable(answer)
    for times, ttl in _CACHE_CASES:
        expected = _reference_misses(times, ttl)
        got = _call(answer, list(times), ttl)
        if not isinstance(got, int) or isinstance(got, bool):
            raise Hint("A função deve devolver um número inteiro (int).")
        if got == expected:
            continue
        if not times:
            raise Hint("Sem consultas, nenhuma chega ao servidor.")
        if got == len(times):
            raise Hint("Nem toda consulta chega ao servidor: enquanto o TTL vale, o resolvedor "
                       "responde do cache.")
        if got == 1 and expected > 1:
            raise Hint("A resposta guardada vence: passados ttl segundos, a próxima consulta "
                       "vai de novo ao servidor.")
        windows = len({int(t // ttl) for t in times})
        strict = sum(1 for _ in _strictly_after(times, ttl))
        if got == strict:
            raise Hint("Cuidado com o instante exato do vencimento: guardada em t com TTL ttl, "
                       "a resposta vale até *antes* de t + ttl.")
        if got == windows:
            raise Hint("O prazo conta a partir da consulta que foi ao servidor (quando a resposta "
                       "entrou no cache), não de um relógio que zera a cada ttl segundos.")
        raise Hint("A conta não bate. Simule: guarde até quando a resposta vale e, a cada "
                   "consulta, veja se ela chega antes ou depois desse instante.")


def _strictly_after(times: list[float], ttl: float):
    valid_until = float("-inf")
    for t in times:
        if t > valid_until:
            valid_until = t + ttl
            yield t


_WATERFALLS = [
    [("DNS", 0, 40), ("TCP", 40, 90), ("HTTP", 90, 200)],
    [("DNS", 120, 150), ("TCP", 150, 190), ("HTML", 190, 300), ("CSS", 300, 380), ("JS", 300, 450)],
    [("JS", 300, 450), ("DNS", 100, 160), ("HTML", 200, 300), ("TCP", 160, 200), ("CSS", 300, 340)],
    [("DNS", 0, 0), ("TCP", 0, 10)],
]


def _reference_total(steps) -> float:
    return max(end for _, _, end in steps) - min(start for _, start, _ in steps)


@exercise("02.3")
def total_time(answer) -> None:
    """``f(etapas) -> número``: do começo da primeira etapa ao fim da última."""
    require_callable(answer)
    for steps in _WATERFALLS:
        expected = _reference_total(steps)
        got = _call(answer, list(steps))
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            raise Hint("A função deve devolver um número (int ou float), em milissegundos.")
        if abs(got - expected) < 1e-9:
            continue
        if abs(got - sum(end - start for _, start, end in steps)) < 1e-9:
            raise Hint("Somar as durações conta duas vezes as etapas que acontecem ao mesmo "
                       "tempo (CSS e JS baixando em paralelo): olhe o começo e o fim da cascata.")
        if abs(got - max(end for _, _, end in steps)) < 1e-9:
            raise Hint("O relógio não começa necessariamente no zero: desconte o instante em "
                       "que a primeira etapa começa.")
        if abs(got - (steps[-1][2] - steps[0][1])) < 1e-9:
            raise Hint("As etapas podem vir fora de ordem na lista: procure o menor começo e o "
                       "maior fim, em vez de olhar a primeira e a última.")
        raise Hint("A conta não bate: o total vai do começo mais cedo ao fim mais tarde.")


@exercise("02.4")
def aaaa_query(answer) -> None:
    """Uma pergunta DNS (``dns.message.Message`` ou bytes) pelo AAAA de chat.curso.test."""
    if isinstance(answer, (bytes, bytearray)):
        try:
            answer = dns.message.from_wire(bytes(answer))
        except Exception:
            raise Hint("Esses bytes não formam uma mensagem DNS; monte-a com "
                       "dns.message.make_query(...).") from None
    if not isinstance(answer, dns.message.Message):
        raise Hint("A resposta deve ser uma mensagem DNS, como a que dns.message.make_query(...) "
                   "devolve.")
    if answer.flags & dns.flags.QR:
        raise Hint("O bit QR está ligado: isso é uma resposta. Queremos uma pergunta.")
    if answer.opcode() != dns.opcode.QUERY or len(answer.question) != 1:
        raise Hint("Uma consulta comum tem exatamente uma pergunta.")
    question = answer.question[0]
    if question.name.to_text().lower() != "chat.curso.test.":
        raise Hint("Confira o nome perguntado: o do nosso servidor de chat, na zona curso.test.")
    if question.rdclass != dns.rdataclass.IN:
        raise Hint("A classe deve ser IN (internet), a padrão.")
    if question.rdtype == dns.rdatatype.A:
        raise Hint("O tipo A é o endereço IPv4. Queremos o endereço IPv6: outro tipo de registro.")
    if question.rdtype != dns.rdatatype.AAAA:
        raise Hint("Esse tipo de registro não guarda endereço IPv6. Reveja a tabela de tipos.")
    reply = dns.message.from_wire(handle(ZONE, answer.to_wire()))
    if not reply.answer:
        raise Hint("O servidor não achou resposta para essa pergunta; confira nome e tipo.")
