"""As guardas do chat para uma turma inteira: regras puras, sem rede (testadas sem sockets).

Introduzidas no notebook 06 (Uso consciente), usadas pelo ``ChatServer`` do notebook 05 e pelo
modo sala de aula (``python -m helpers.chat``). O servidor só pergunta; quem decide mora aqui:

* ``TokenBucket``: o balde de fichas do limite de taxa. Cada ação gasta fichas; o balde enche
  ``rate`` fichas por segundo até ``burst``. Quem esvazia o balde recebe um erro e espera.
  O relógio é injetado (``clock``), para os testes andarem o tempo sem dormir.
* ``host_allowed``: a defesa contra *DNS rebinding*. A regra do ``Origin`` compara o ``Origin`` com
  o ``Host``, mas numa página de ``evil.example`` que resolve para 127.0.0.1 os dois dizem
  ``evil.example``. Rodando no loopback, o servidor só aceita os nomes do loopback com a porta
  dele (``127.0.0.1:8765``, ``localhost:8765``, ``[::1]:8765``), como faz o Jupyter Server.
* ``Limits``: todos os números das guardas num lugar, com valores pensados para uma turma.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LOOPBACK_NAMES", "Limits", "TokenBucket", "host_allowed"]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class Limits:
    """Os limites de cada conexão (e do modo sala de aula). ``None`` desliga a guarda."""

    outgoing: int | None = 1024 * 1024  # bytes esperando para sair; acima disso a conexão fecha (1013)
    rate: float | None = 5.0  # fichas por segundo por conexão (send = 1, history = 5, typing = 1)
    burst: float = 20.0  # fichas no balde cheio: uma rajada curta passa
    history_cost: float = 5.0
    penalty: float = 0.5  # segundos sem ler quem estourou o limite (o TCP segura o resto da enchente)
    join_timeout: float | None = 10.0  # segundos para mandar o join (só no modo sala de aula)
    token_rate: float = 0.5  # tentativas de token por segundo por endereço...
    token_burst: float = 5.0  # ...depois de 5 erradas seguidas


class TokenBucket:
    """Balde de fichas: ``take(custo)`` diz se ainda há fichas (e as gasta)."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.last = burst, clock()

    def take(self, cost: float = 1.0) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True

    def __repr__(self) -> str:
        return f"TokenBucket({self.tokens:.1f}/{self.burst:g} fichas, +{self.rate:g}/s)"


def host_allowed(host: str | None, port: int | None, extra: frozenset[str] | set[str] = frozenset()) -> bool:
    """O header ``Host`` é um nome do loopback com a nossa porta (ou está em ``extra``)?"""
    if not host or port is None:
        return False
    host = host.strip().lower()
    if host in {h.lower() for h in extra}:
        return True
    return host in {f"{name}:{port}" for name in LOOPBACK_NAMES}
