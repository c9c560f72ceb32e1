"""Bilhetes de conexão: o token que pode ir na URL do ``$connect`` sem virar um vazamento.

Introduzido no notebook 07 (Escala e gateways), seção do API Gateway.

Teoria de operação
------------------
O capítulo 06 ensina: token nunca na URL (URLs vão para logs, histórico e ``Referer``). Mas o
``new WebSocket(url)`` do navegador não aceita headers próprios: no handshake só vão a URL, os
cookies e ``Sec-WebSocket-Protocol``. Por isso é comum autenticar o ``$connect`` com um parâmetro
na query string. A conciliação é não pôr ali o token da sessão, e sim um **bilhete**:

1. o navegador pede o bilhete numa chamada HTTP **autenticada** comum (``fetch`` com o cookie
   de sessão ou o header ``Authorization``), onde headers existem;
2. o bilhete vale por poucos segundos (``ttl``) e serve **uma vez só** (``redeem`` o apaga);
3. ninguém o grava em log; e, se um log o pegar, ele já não vale nada.

``TicketBook`` é pura: o relógio é injetado (``clock``), e ``ManualClock`` deixa um teste ou o
notebook avançar o tempo sem esperar.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..core.clock import ManualClock

__all__ = ["ManualClock", "TicketBook", "TicketRefused"]


class TicketRefused(Exception):
    """O bilhete não serve: desconhecido, já usado ou vencido (a mensagem diz qual)."""


@dataclass
class TicketBook:
    """Emite e confere bilhetes curtos (``ttl`` segundos) e de uso único."""

    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.clock = ttl, clock
        self._valid: dict[str, tuple[str, float]] = {}  # bilhete → (usuário, vence em)
        self._used: set[str] = set()

    def issue(self, user: str) -> str:
        """Um bilhete novo para ``user`` (chame só depois de autenticar a requisição HTTP)."""
        ticket = secrets.token_urlsafe(16)
        self._valid[ticket] = (user, self.clock() + self.ttl)
        return ticket

    def redeem(self, ticket: str | None) -> str:
        """O usuário do bilhete, que deixa de valer; ``TicketRefused`` se ele não serve."""
        if not ticket:
            raise TicketRefused("sem bilhete")
        if ticket in self._used:
            raise TicketRefused("bilhete já usado")
        entry = self._valid.pop(ticket, None)
        if entry is None:
            raise TicketRefused("bilhete desconhecido")
        self._used.add(ticket)
        user, expires = entry
        if self.clock() > expires:
            raise TicketRefused("bilhete vencido")
        return user

    def __repr__(self) -> str:
        return f"TicketBook(validade={self.ttl:g} s, pendentes={len(self._valid)})"
