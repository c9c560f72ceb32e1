"""Um resolvedor com cache: repete a resposta guardada enquanto o TTL vale.

Introduzido no notebook 02 (Recapitulando DNS).

Teoria de operação
------------------
Na internet, quem pergunta ao servidor autoritativo quase nunca é o seu navegador: é um
*resolvedor recursivo* (o do provedor, ou 1.1.1.1, 8.8.8.8...), que guarda cada resposta pelo
tempo que o TTL dela manda (RFC 1035 §3.2.1; RFC 2308 para respostas negativas). Aqui:

* ``Cache`` é a memória, sem rede: chave (nome, tipo, classe) → resposta e prazo de validade.
  O relógio é injetável (``clock``), para os testes andarem no tempo sem dormir. Guarda no
  máximo ``max_entries`` respostas: cheio, esquece primeiro as vencidas, depois as mais antigas
  (senão uma enxurrada de nomes inventados encheria a memória de NXDOMAIN).
* ``CachingResolver`` é um servidor UDP na frente do autoritativo: se a resposta está no
  cache e ainda vale, responde na hora, com o TTL descontado do tempo que passou; senão
  pergunta ao autoritativo (com ID novo e aleatório, sem pedir recursão), guarda e repassa.
  Como todo resolvedor, liga o bit RA e não o AA (ele não é a fonte da zona).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from ..core.lifecycle import LOOPBACK
from ..protocols.dns import drop_reason, error_reply
from .server import DatagramServer

__all__ = ["Cache", "CachingResolver", "Entry", "cache_ttl"]

Key = tuple[dns.name.Name, int, int]


def cache_ttl(response: dns.message.Message) -> int:
    """Por quantos segundos uma resposta pode ficar no cache.

    O menor TTL entre os registros da resposta; numa resposta negativa (NXDOMAIN ou "o nome
    existe mas não tem esse tipo"), o TTL do SOA na seção de autoridade (RFC 2308 §5). Erros
    do servidor (SERVFAIL, REFUSED...) não vão para o cache: 0.
    """
    rcode = response.rcode()
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        return 0
    if response.answer and rcode == dns.rcode.NOERROR:
        return min(rrset.ttl for rrset in response.answer)
    soas = [r for r in response.authority if r.rdtype == dns.rdatatype.SOA]
    return min((min(r.ttl, r[0].minimum) for r in soas), default=0)


@dataclass(frozen=True)
class Entry:
    response: dns.message.Message
    stored_at: float
    expires_at: float


class Cache:
    """Respostas DNS guardadas por (nome, tipo, classe), cada uma com prazo de validade."""

    MAX_ENTRIES = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_entries: int = MAX_ENTRIES):
        self.clock, self.max_entries = clock, max_entries
        self._entries: dict[Key, Entry] = {}

    def get(self, key: Key) -> Entry | None:
        """A entrada guardada, se ainda vale; uma vencida é esquecida e vira ``None``."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self.clock() >= entry.expires_at:
            del self._entries[key]
            return None
        return entry

    def put(self, key: Key, response: dns.message.Message) -> int:
        """Guarda ``response`` pelo TTL dela; devolve esse TTL (0: não guardou)."""
        ttl = cache_ttl(response)
        if ttl > 0:
            now = self.clock()
            self._entries.pop(key, None)
            if len(self._entries) >= self.max_entries:
                self._make_room(now)
            self._entries[key] = Entry(response, now, now + ttl)
        return ttl

    def _make_room(self, now: float) -> None:
        for key in [k for k, e in self._entries.items() if now >= e.expires_at]:
            del self._entries[key]
        keep = min(len(self._entries), self.max_entries - 1 - self.max_entries // 10)  # folga: não varre a cada put
        for key in list(self._entries)[: len(self._entries) - keep]:
            del self._entries[key]  # as mais antigas primeiro (o dict mantém a ordem de entrada)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _aged(rrsets: list[dns.rrset.RRset], elapsed: float) -> list[dns.rrset.RRset]:
    """Cópias dos registros com o TTL descontado dos segundos inteiros que passaram."""
    out = []
    for rrset in rrsets:
        copy = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype)
        copy.update(rrset)
        copy.ttl = max(0, rrset.ttl - math.floor(elapsed))
        out.append(copy)
    return out


class CachingResolver(DatagramServer):
    """Resolvedor com cache na frente do servidor em ``upstream_host:upstream_port``.

    ``hits`` conta respostas dadas pelo cache; ``misses``, as que foram perguntadas ao
    autoritativo. Um recurso do ``registry``, como o ``DnsServer``.
    """

    def __init__(
        self,
        upstream_port: int,
        upstream_host: str = LOOPBACK,
        host: str = LOOPBACK,
        port: int = 0,
        timeout: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(host, port)
        self.upstream_host, self.upstream_port, self.timeout = upstream_host, upstream_port, timeout
        self.cache = Cache(clock)
        self.hits = self.misses = 0

    async def respond(self, data: bytes, peer: str):
        if drop_reason(data) is not None:
            return None
        try:
            query = dns.message.from_wire(data)
        except Exception:
            return error_reply(data, dns.rcode.FORMERR)
        if len(query.question) != 1:
            return error_reply(data, dns.rcode.FORMERR)
        question = query.question[0]
        key = (question.name, question.rdtype, question.rdclass)
        entry = self.cache.get(key)
        if entry is not None:
            self.hits += 1
            return self._reply(query, entry.response, self.cache.clock() - entry.stored_at), "cache"
        self.misses += 1
        ask = dns.message.make_query(question.name, question.rdtype, question.rdclass, flags=0)
        try:
            upstream = await dns.asyncquery.udp(ask, self.upstream_host, timeout=self.timeout,
                                                port=self.upstream_port)
        except (dns.exception.DNSException, OSError, TimeoutError):
            return error_reply(data, dns.rcode.SERVFAIL)
        self.cache.put(key, upstream)
        return self._reply(query, upstream, 0.0)

    @staticmethod
    def _reply(query: dns.message.Message, source: dns.message.Message, elapsed: float) -> bytes:
        response = dns.message.make_response(query, recursion_available=True)
        response.set_rcode(source.rcode())
        response.answer = _aged(source.answer, elapsed)
        response.authority = _aged(source.authority, elapsed)
        return response.to_wire()

    def clear(self) -> None:
        """Esquece os eventos, os contadores e o cache."""
        super().clear()
        self.cache.clear()
        self.hits = self.misses = 0
