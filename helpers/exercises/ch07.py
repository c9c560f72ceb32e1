"""Corretores dos exercícios do notebook 07 (Escala e gateways).

As dicas apontam o que revisar e nunca mostram a resposta. Soluções de referência:
``tests/solutions/ch07.py``.
"""

from __future__ import annotations

import json
import math

from .grader import Hint, exercise, require_callable
from ..scale.gateway import select_route
from ..scale.techniques import percentile

__all__ = ["ROUTES", "gateway_cost", "percentile_of", "route"]


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_PERCENTILE_CASES = [
    ([5, 1, 4, 2, 3], 50), ([5, 1, 4, 2, 3], 100), ([5, 1, 4, 2, 3], 1), (list(range(100, 0, -1)), 99),
    ([10, 20, 30, 40], 50), ([10, 20, 30, 40], 95), ([7], 50), ([3, 1, 2, 9, 8, 7, 6, 5, 4, 10], 90),
]


def _unsorted(values, p):
    return values[max(1, math.ceil(p / 100 * len(values))) - 1]


def _off_by_one(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)))]


@exercise("07.1")
def percentile_of(answer) -> None:
    """``f(valores, p)`` → percentil ``p`` pelo posto mais próximo."""
    require_callable(answer)
    got = []
    for values, p in _PERCENTILE_CASES:
        original = list(values)
        value = answer(list(values), p)
        if not _number(value):
            raise Hint("A função deve devolver um número (um dos valores da lista).")
        probe = list(values)
        answer(probe, p)
        if probe != original:
            raise Hint("A função mudou a lista que recebeu; ordene uma cópia (sorted) em vez disso.")
        got.append(value)
    cases = list(zip(_PERCENTILE_CASES, got))
    if all(value == percentile(values, p) for (values, p), value in cases):
        return
    if all(value == _off_by_one(values, p) for (values, p), value in cases):
        raise Hint("Quase: as posições da lista em Python começam em 0, e o posto em 1.")
    if all(value == _unsorted(values, p) for (values, p), value in cases):
        raise Hint("Os valores precisam estar em ordem antes de contar as posições.")
    if all(math.isclose(value, sum(v) / len(v)) for (v, p), value in cases):
        raise Hint("Isso é a média. O percentil é um dos valores medidos, escolhido pela "
                   "posição depois de ordenar.")
    if all(value == sorted(values)[(len(values) - 1) // 2] for (values, p), value in cases):
        raise Hint("Essa é sempre a mediana (o p50); o p deve mudar a posição escolhida.")
    if any(value not in values for (values, p), value in cases):
        raise Hint("Pelo posto mais próximo, o percentil é sempre um dos valores medidos: "
                   "nada de médias nem interpolação.")
    raise Hint("Ordene os valores; o posto é p/100 × n arredondado para cima (no mínimo 1).")


ROUTES = {"$connect": None, "$disconnect": None, "$default": None, "sendmessage": None,
          "entrar": None}

_ROUTE_CASES = [
    ('{"action": "sendmessage", "texto": "oi"}', "sendmessage"),
    ('{"action": "entrar"}', "entrar"),
    ('{"action": "dançar"}', "$default"),
    ('{"texto": "sem ação"}', "$default"),
    ("isto não é JSON", "$default"),
    ('["action", "sendmessage"]', "$default"),
    ('{"action": 42}', "$default"),
    ('{"action": "$connect"}', "$default"),
    ('{"Action": "sendmessage"}', "$default"),
]


@exercise("07.2")
def route(answer) -> None:
    """``f(corpo, rotas)`` → a rota que o gateway escolhe com ``$request.body.action``."""
    require_callable(answer)
    for body, expected in _ROUTE_CASES:
        assert select_route(body, ROUTES) == expected
        try:
            got = answer(body, dict(ROUTES))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise Hint(f"Com o corpo {body!r} a função levantou {type(exc).__name__}. O gateway "
                       "nunca cai: corpo estranho vai para a rota $default.") from None
        if got == expected:
            continue
        if expected == "$default" and body.startswith('{"action": "$'):
            raise Hint("Um cliente não pode escolher $connect nem $disconnect mandando "
                       "action: essas rotas são só do próprio gateway.")
        if expected == "$default":
            raise Hint(f"Para o corpo {body!r} a rota certa é outra: o que o gateway faz "
                       "quando não encontra uma rota com o nome de action?")
        raise Hint(f"Para o corpo {body!r} a rota deveria sair do campo action do JSON.")


_COST_CASES = [
    (1_000_000, 1, 0, 1.0, 0.25), (2_500_000, 32, 0, 1.0, 0.25), (1_000_000, 33, 0, 1.0, 0.25),
    (0, 1, 4_000_000, 1.0, 0.25), (3_000_000, 100, 1_000_000, 1.2, 0.3), (10, 0.5, 10, 2.0, 1.0),
]


def _cost(messages, size_kb, minutes, per_million_messages, per_million_minutes):
    units = messages * max(1, math.ceil(size_kb / 32))
    return units / 1e6 * per_million_messages + minutes / 1e6 * per_million_minutes


@exercise("07.3")
def gateway_cost(answer) -> None:
    """``f(mensagens, tamanho_kb, minutos, preço_msg, preço_min)`` → custo (preços por milhão)."""
    require_callable(answer)
    for case in _COST_CASES:
        got = answer(*case)
        if not _number(got):
            raise Hint("A função deve devolver um número (o custo).")
        expected = _cost(*case)
        if math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            continue
        messages, size_kb, minutes, pm, pmin = case
        if math.isclose(got, messages / 1e6 * pm + minutes / 1e6 * pmin, rel_tol=1e-9, abs_tol=1e-12):
            raise Hint("O tamanho não entrou: mensagens são cobradas em blocos de 32 KB "
                       "(uma de 33 KB conta como duas).")
        if math.isclose(got, messages * pm + minutes * pmin, rel_tol=1e-9):
            raise Hint("Os preços são por *milhão* de mensagens e de minutos.")
        raise Hint("Separe as duas partes: blocos de 32 KB × preço por milhão de mensagens, "
                   "mais minutos de conexão × preço por milhão de minutos.")
